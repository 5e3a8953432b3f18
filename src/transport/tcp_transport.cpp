#include "transport/tcp_transport.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace parley {

namespace asio = boost::asio;
using asio::ip::tcp;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

TcpTransport::TcpTransport(tcp::socket socket)
    : socket_(std::move(socket)), drained_(socket_.get_executor()) {
    boost::system::error_code ec;
    auto ep = socket_.remote_endpoint(ec);
    if (!ec) {
        auto addr = ep.address();
        if (addr.is_v6() && addr.to_v6().is_v4_mapped()) {
            addr = asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6());
        }
        remote_ = addr.to_string();
    }
    socket_.set_option(tcp::no_delay(true), ec);
}

asio::awaitable<std::size_t> TcpTransport::read_some(char* buf, std::size_t size) {
    if (closed_) {
        co_return 0;
    }
    // Not a ?: of two co_awaits: GCC 12 miscompiles co_await in conditional evaluation.
    std::tuple<boost::system::error_code, std::size_t> r;
    if (tls_) {
        r = co_await tls_->async_read_some(asio::buffer(buf, size), kTuple);
    } else {
        r = co_await socket_.async_read_some(asio::buffer(buf, size), kTuple);
    }
    if (std::get<0>(r)) {
        co_return 0;
    }
    co_return std::get<1>(r);
}

void TcpTransport::write(std::string_view bytes) {
    if (closed_ || closing_) {
        return;
    }
    out_.append(bytes);
    if (!writing_) {
        start_write();
    }
}

void TcpTransport::start_write() {
    if (out_.empty()) {
        writing_ = false;
        drained_.cancel();
        if (closing_) {
            finish_close();
        }
        return;
    }
    writing_ = true;
    inflight_.swap(out_);
    out_.clear();
    auto done = [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
        self->inflight_.clear();
        if (ec) {
            self->writing_ = false;
            self->out_.clear();
            self->drained_.cancel();
            self->close();
            return;
        }
        self->start_write();
    };
    if (tls_) {
        asio::async_write(*tls_, asio::buffer(inflight_), std::move(done));
    } else {
        asio::async_write(socket_, asio::buffer(inflight_), std::move(done));
    }
}

asio::awaitable<void> TcpTransport::drain() {
    while (writing_ && !closed_) {
        drained_.expires_at(asio::steady_timer::time_point::max());
        co_await drained_.async_wait(kTuple);
    }
}

asio::awaitable<bool> TcpTransport::handshake(asio::ssl::context& ctx) {
    tls_ = std::make_unique<asio::ssl::stream<tcp::socket&>>(socket_, ctx);
    auto [ec] = co_await tls_->async_handshake(asio::ssl::stream_base::server, kTuple);
    co_return !ec;
}

void TcpTransport::close_after_write() {
    if (closed_) {
        return;
    }
    closing_ = true;
    if (!writing_) {
        finish_close();
    }
}

void TcpTransport::finish_close() {
    // The stream's closing tag has been written (RFC 6120 §4.4); the TLS
    // close_notify is not waited for, so a silent peer cannot hold the socket.
    close();
}

void TcpTransport::close() {
    closed_ = true;
    boost::system::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
    drained_.cancel();
}

}  // namespace parley
