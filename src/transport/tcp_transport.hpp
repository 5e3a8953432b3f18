// TcpTransport: the bytes of one TCP connection, in plaintext or TLS
// (STARTTLS upgrade or direct TLS, XEP-0368). It only moves bytes.
//
// Built to keep an idle connection small (DESIGN.md "Threads and memory"):
// - no read buffer of its own: the stream waits until the socket is readable
//   (readable()) and then reads into its worker thread's buffer (read_now());
// - TLS through OpenSSL directly on the non-blocking socket, with
//   SSL_MODE_RELEASE_BUFFERS, so an idle TLS connection holds no record
//   buffers (asio::ssl::stream would keep two 17 KiB buffers per connection);
// - the output queue's memory is freed by the idle sweep (IdleSweep).
// Writes are batched per wake-up: write() appends to the queue and the queue
// is written by one send (one TLS write) after the handlers that are ready
// now have run, so a burst of stanzas to one client costs one system call.
//
// Lives on one worker thread; not thread-safe.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

namespace parley {

// How handshake() runs: as the TLS server (clients, incoming s2s) or the
// TLS client (outgoing s2s, with SNI); whether a server asks the peer for
// its certificate (s2s, RFC 6120 §13.7.2.1). Any certificate is accepted
// during the handshake; the stream checks it afterwards (peer_certificate).
// Trivially destructible on purpose: GCC 12 destroys a by-value coroutine
// parameter that owns memory twice when it is a temporary.
struct TlsHandshake {
    bool client = false;
    std::string_view server_name;  // SNI, client side; must outlive the handshake
    bool request_peer_certificate = false;
};

class TcpTransport : public std::enable_shared_from_this<TcpTransport> {
public:
    explicit TcpTransport(boost::asio::ip::tcp::socket socket);
    ~TcpTransport();
    TcpTransport(const TcpTransport&) = delete;
    TcpTransport& operator=(const TcpTransport&) = delete;

    // Reads what has arrived, without waiting: the bytes, an empty view when
    // nothing is there yet, or nullopt at the end of the stream or on an
    // error. The bytes live in this thread's read buffer: use them before the
    // next co_await. Call readable() before every read_now().
    std::optional<std::string_view> read_now();
    // Waits until read_now() may have something (or the connection closed);
    // when more may be there already, yields to the worker's other handlers
    // first, so that one connection cannot hold its worker.
    boost::asio::awaitable<void> readable();

    // Queues bytes; they are written after the current handlers have run.
    // After close() it does nothing.
    void write(std::string_view bytes);
    // write() of what `append(std::string&)` appends, without a copy.
    template <class Append>
    void write_with(Append&& append) {
        if (!closed_ && !closing_) {
            append(out_);
            schedule_flush();
        }
    }
    // Writes everything queued now and waits until it has been written (or
    // the connection failed).
    boost::asio::awaitable<void> drain();
    using Handshake = TlsHandshake;
    // TLS handshake; false when it failed.
    boost::asio::awaitable<bool> handshake(SSL_CTX* ctx, Handshake how = {});
    // Writes what is queued, then closes (with a TLS close_notify).
    void close_after_write();
    // Closes now.
    void close();
    // Frees the output queue's memory when it is empty (for the idle sweep).
    void release_idle_memory();

    bool secure() const { return ssl_ != nullptr; }
    bool open() const { return !closed_; }
    SSL* ssl() { return ssl_; }
    const std::string& remote_address() const { return remote_; }
    std::size_t queued() const { return out_.size() - out_off_; }

private:
    enum class Io { done, want_read, want_write, failed };

    void schedule_flush();
    void flush();
    // Writes as much of the queue as the socket takes.
    Io write_some();
    void wait_then_flush(Io want);
    void finish_close();

    boost::asio::ip::tcp::socket socket_;
    SSL* ssl_ = nullptr;
    std::string out_;           // queued bytes; out_[0, out_off_) are written
    std::size_t out_off_ = 0;
    std::size_t tls_retry_ = 0;  // length of an SSL_write to repeat (OpenSSL wants the same)
    bool flush_posted_ = false;
    bool write_waiting_ = false;  // waiting for the socket before writing more
    bool read_ready_ = false;     // read_now() should try the socket
    bool read_wants_write_ = false;  // TLS: SSL_read needs the socket writable
    bool closing_ = false;
    bool closed_ = false;
    std::string remote_;
};

}  // namespace parley
