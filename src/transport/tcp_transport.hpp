// TcpTransport: the bytes of one TCP connection, in plaintext or TLS
// (STARTTLS upgrade or direct TLS, XEP-0368). It only moves bytes: reads for
// the stream's coroutine, and a write queue that batches everything queued
// while a write is in flight into the next single write (DESIGN.md: batching
// of writes per wake-up). Lives on one worker thread; not thread-safe.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace parley {

class TcpTransport : public std::enable_shared_from_this<TcpTransport> {
public:
    explicit TcpTransport(boost::asio::ip::tcp::socket socket);

    // Reads some bytes into buf; 0 on end of stream or error.
    boost::asio::awaitable<std::size_t> read_some(char* buf, std::size_t size);
    // Queues bytes to write. After close() it does nothing.
    void write(std::string_view bytes);
    // Waits until everything queued has been written (or the connection failed).
    boost::asio::awaitable<void> drain();
    // TLS handshake as server; false when it failed.
    boost::asio::awaitable<bool> handshake(boost::asio::ssl::context& ctx);
    // Writes what is queued, then closes (TLS close_notify where possible).
    void close_after_write();
    // Closes now.
    void close();

    bool secure() const { return tls_ != nullptr; }
    bool open() const { return socket_.is_open() && !closed_; }
    SSL* ssl() { return tls_ ? tls_->native_handle() : nullptr; }
    const std::string& remote_address() const { return remote_; }
    std::size_t queued() const { return out_.size() + inflight_.size(); }

private:
    void start_write();
    void finish_close();

    boost::asio::ip::tcp::socket socket_;
    std::unique_ptr<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>> tls_;
    std::string out_;       // queued, not yet handed to the socket
    std::string inflight_;  // being written
    bool writing_ = false;
    bool closing_ = false;
    bool closed_ = false;
    boost::asio::steady_timer drained_;  // cancelled when the queue empties
    std::string remote_;
};

}  // namespace parley
