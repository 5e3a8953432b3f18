// RFC 6120 client streams over TCP: §4 (the XML stream), §5 (STARTTLS);
// XEP-0368 (direct TLS).
#include "stream/tcp_channel.hpp"

#include "transport/tcp_transport.hpp"
#include "xml/serializer.hpp"
#include "xmpp/ns.hpp"

namespace parley {

namespace asio = boost::asio;

TcpChannel::TcpChannel(asio::ip::tcp::socket socket, xml::ParserLimits limits, SSL_CTX* direct_tls)
    : executor_(socket.get_executor()),
      transport_(std::make_shared<TcpTransport>(std::move(socket))),
      parser_(limits),
      direct_tls_(direct_tls) {}

TcpChannel::~TcpChannel() = default;

asio::awaitable<bool> TcpChannel::open() {
    if (!direct_tls_) {
        co_return true;
    }
    const bool ok = co_await transport_->handshake(direct_tls_);
    if (!ok) {
        transport_->close();
    }
    co_return ok;
}

asio::awaitable<bool> TcpChannel::read(std::vector<xml::ParseEvent>& out, xml::ParseError& error) {
    for (;;) {
        co_await transport_->readable();
        auto bytes = transport_->read_now();
        if (!bytes) {
            co_return false;
        }
        if (bytes->empty()) {
            continue;
        }
        // The bytes are in the thread's read buffer: parse them before any co_await.
        error = parser_.feed(*bytes, out);
        co_return true;
    }
}

void TcpChannel::restart() { parser_.reset(); }

void TcpChannel::write_header(const xml::Element& header) {
    transport_->write(xml::stream_header(header, ns::client));
}

void TcpChannel::write(const xml::Element& e) {
    transport_->write_with([&](std::string& out) { xml::serialize(e, out, {ns::client}); });
}

void TcpChannel::write_prepared(const xml::Element& stanza, const xml::Prepared& bytes,
                                std::string_view to) {
    if (bytes.content_ns != ns::client) {
        auto copy = stanza.shallow_copy();
        copy->set_attr("to", std::string(to));
        write(*copy);
        return;
    }
    transport_->write_with([&](std::string& out) { xml::write_addressed(bytes, to, out); });
}

void TcpChannel::write_close() { transport_->write(xml::kStreamClose); }
std::size_t TcpChannel::queued() const { return transport_->queued(); }
asio::awaitable<void> TcpChannel::drain() { return transport_->drain(); }
void TcpChannel::close_after_write() { transport_->close_after_write(); }
void TcpChannel::close() { transport_->close(); }
bool TcpChannel::secure() const { return transport_->secure(); }
SSL* TcpChannel::ssl() const { return transport_->ssl(); }
const std::string& TcpChannel::remote_address() const { return transport_->remote_address(); }

asio::awaitable<bool> TcpChannel::starttls(SSL_CTX* ctx) {
    co_await transport_->drain();
    const bool ok = co_await transport_->handshake(ctx);
    if (!ok) {
        transport_->close();
    }
    co_return ok;
}

void TcpChannel::release_idle_memory() {
    parser_.release_if_idle();
    transport_->release_idle_memory();
}

}  // namespace parley
