// WsChannel: a client stream over one WebSocket connection (RFC 7395), the
// ClientChannel that C2sSession runs on for the websocket module. Every
// message carries one element (framing.hpp); <open/> and <close/> stand for
// the stream header and end. No STARTTLS over WebSocket (TLS is the HTTPS
// listener's, §3.1); secure() is true on wss:// or when the operator says a
// TLS-terminating proxy is in front (consider_secure).
//
// Memory: nothing is buffered per connection while idle except Beast's
// WebSocket state (its small frame buffer), the TLS stream's when on wss://,
// and the pending write queue. The read buffer grows to the size of the
// message being read and is given back after large messages and by
// release_idle_memory().
//
// Keepalive: Beast's idle timer sends a WebSocket ping after half the idle
// timeout without input and closes the connection when nothing at all came
// for the full timeout (RFC 6455 §5.5.2, RFC 7395 §3.8).
//
// Lives on the executor of the connection's worker, like its session; not
// thread-safe. Owned by shared_ptr (the session holds it; the write loop
// keeps it alive while it runs).
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <type_traits>

#include "http/http_server.hpp"
#include "stream/client_channel.hpp"

namespace parley::mod::websocket {

struct ChannelSettings {
    xml::ParserLimits limits;       // the server's stanza limits
    bool consider_secure = false;   // plain ws:// counts as encrypted (TLS proxy in front)
};

template <class Stream>  // http::PlainStream or http::TlsStream
class WsChannel final : public ClientChannel,
                        public std::enable_shared_from_this<WsChannel<Stream>> {
public:
    static constexpr bool kTls = std::is_same_v<Stream, http::TlsStream>;
    using Ws = boost::beast::websocket::stream<Stream>;

    // `ws` has completed its handshake; `keep` (e.g. the per-address slot)
    // lives as long as the channel.
    WsChannel(Ws ws, std::string remote, const ChannelSettings& settings, std::shared_ptr<void> keep);

    boost::asio::any_io_executor executor() const override { return executor_; }
    boost::asio::awaitable<bool> read(std::vector<xml::ParseEvent>& out,
                                      xml::ParseError& error) override;
    // One element per message: nothing to discard, a new <open/> is due.
    void restart() override { header_due_ = true; }
    void write_header(const xml::Element& header) override;
    void write(const xml::Element& e) override;
    void write_prepared(const xml::Element& stanza, const xml::Prepared& bytes,
                        std::string_view to) override;
    void write_close() override;
    std::size_t queued() const override { return queued_; }
    boost::asio::awaitable<void> drain() override;
    void close_after_write() override;
    void close() override;
    bool secure() const override { return kTls || settings_.consider_secure; }
    SSL* ssl() const override;
    const std::string& remote_address() const override { return remote_; }
    std::string_view kind() const override { return "WebSocket"; }
    void release_idle_memory() override;

private:
    void send(std::string message);
    void start_writer();
    boost::asio::awaitable<void> write_loop();
    void wake_drainers();

    Ws ws_;
    boost::asio::any_io_executor executor_;
    std::string remote_;
    ChannelSettings settings_;
    std::shared_ptr<void> keep_;
    boost::beast::flat_buffer rbuf_;
    std::deque<std::string> out_;
    std::size_t queued_ = 0;
    boost::asio::steady_timer drained_;  // cancelled when the queue empties
    xml::ParseError failed_ = xml::ParseError::none;
    bool header_due_ = true;  // before the first <open/> and after a restart
    bool writing_ = false;
    bool close_after_write_ = false;
    bool closed_ = false;
};

extern template class WsChannel<http::PlainStream>;
extern template class WsChannel<http::TlsStream>;

}  // namespace parley::mod::websocket
