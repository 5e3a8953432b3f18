#include "transport/tcp_transport.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <sys/socket.h>

#include <cerrno>

namespace parley {

namespace asio = boost::asio;
using asio::ip::tcp;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

namespace {

// One read buffer per worker thread, shared by all its connections: a read is
// parsed before the stream awaits anything, so no connection needs its own.
// 64 KiB holds the largest TLS record four times over.
constexpr std::size_t kReadBufferSize = 64 * 1024;

// A written queue up to this size keeps its memory until the idle sweep.
constexpr std::size_t kKeepQueueBytes = 16 * 1024;

char* thread_read_buffer() {
    thread_local std::unique_ptr<char[]> buffer(new char[kReadBufferSize]);
    return buffer.get();
}

}  // namespace

TcpTransport::TcpTransport(tcp::socket socket) : socket_(std::move(socket)) {
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
    socket_.non_blocking(true, ec);
}

TcpTransport::~TcpTransport() {
    if (ssl_) {
        SSL_free(ssl_);
    }
}

std::optional<std::string_view> TcpTransport::read_now() {
    if (closed_) {
        return std::nullopt;
    }
    if (!read_ready_) {
        return std::string_view{};
    }
    char* buf = thread_read_buffer();
    if (ssl_) {
        ERR_clear_error();
        const int n = SSL_read(ssl_, buf, static_cast<int>(kReadBufferSize));
        if (n > 0) {
            return std::string_view(buf, static_cast<std::size_t>(n));  // more may be buffered
        }
        switch (SSL_get_error(ssl_, n)) {
            case SSL_ERROR_WANT_READ:
                read_ready_ = false;
                read_wants_write_ = false;
                return std::string_view{};
            case SSL_ERROR_WANT_WRITE:
                read_ready_ = false;
                read_wants_write_ = true;
                return std::string_view{};
            default:  // close_notify, a TLS alert or a socket error
                return std::nullopt;
        }
    }
    for (;;) {
        const ssize_t n = ::recv(socket_.native_handle(), buf, kReadBufferSize, 0);
        if (n > 0) {
            // A short read drained the socket: wait before the next one.
            read_ready_ = static_cast<std::size_t>(n) == kReadBufferSize;
            return std::string_view(buf, static_cast<std::size_t>(n));
        }
        if (n == 0) {
            return std::nullopt;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            read_ready_ = false;
            return std::string_view{};
        }
        return std::nullopt;
    }
}

asio::awaitable<void> TcpTransport::readable() {
    if (closed_) {
        co_return;
    }
    if (read_ready_) {
        // More may be there already. Let the worker's other handlers run
        // first (deliveries, writes, other connections): a client that
        // keeps its socket full must not hold the worker.
        co_await asio::post(socket_.get_executor(), asio::use_awaitable);
        co_return;
    }
    auto want = read_wants_write_ ? tcp::socket::wait_write : tcp::socket::wait_read;
    auto [ec] = co_await socket_.async_wait(want, kTuple);
    read_ready_ = true;  // on an error, read_now() finds it
    if (ec && ec != asio::error::operation_aborted) {
        close();
    }
}

void TcpTransport::write(std::string_view bytes) {
    write_with([&](std::string& out) { out.append(bytes); });
}

void TcpTransport::schedule_flush() {
    if (flush_posted_ || write_waiting_) {
        return;
    }
    flush_posted_ = true;
    asio::post(socket_.get_executor(), [self = shared_from_this()] {
        self->flush_posted_ = false;
        self->flush();
    });
}

TcpTransport::Io TcpTransport::write_some() {
    while (out_off_ < out_.size()) {
        const std::size_t left = out_.size() - out_off_;
        if (ssl_) {
            const std::size_t len = tls_retry_ ? tls_retry_ : left;
            ERR_clear_error();
            const int n = SSL_write(ssl_, out_.data() + out_off_, static_cast<int>(len));
            if (n > 0) {
                tls_retry_ = 0;
                out_off_ += static_cast<std::size_t>(n);
                continue;
            }
            tls_retry_ = len;
            switch (SSL_get_error(ssl_, n)) {
                case SSL_ERROR_WANT_WRITE:
                    return Io::want_write;
                case SSL_ERROR_WANT_READ:
                    return Io::want_read;
                default:
                    return Io::failed;
            }
        }
        const ssize_t n = ::send(socket_.native_handle(), out_.data() + out_off_, left, MSG_NOSIGNAL);
        if (n >= 0) {
            out_off_ += static_cast<std::size_t>(n);
            continue;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return Io::want_write;
        }
        return Io::failed;
    }
    // All written. The queue keeps its memory for the next burst (the idle
    // sweep frees it), unless the burst was a large one.
    out_.clear();
    out_off_ = 0;
    if (out_.capacity() > kKeepQueueBytes) {
        std::string().swap(out_);
    }
    return Io::done;
}

void TcpTransport::flush() {
    if (closed_ || write_waiting_) {
        return;
    }
    switch (const Io r = write_some()) {
        case Io::done:
            if (closing_) {
                finish_close();
            }
            return;
        case Io::failed:
            close();
            return;
        default:
            wait_then_flush(r);
            return;
    }
}

void TcpTransport::wait_then_flush(Io want) {
    write_waiting_ = true;
    auto w = want == Io::want_read ? tcp::socket::wait_read : tcp::socket::wait_write;
    socket_.async_wait(w, [self = shared_from_this()](boost::system::error_code ec) {
        self->write_waiting_ = false;
        if (ec) {
            self->close();
            return;
        }
        self->flush();
    });
}

asio::awaitable<void> TcpTransport::drain() {
    for (;;) {
        if (closed_) {
            co_return;
        }
        const Io r = write_some();
        if (r == Io::done) {
            co_return;
        }
        if (r == Io::failed) {
            close();
            co_return;
        }
        auto w = r == Io::want_read ? tcp::socket::wait_read : tcp::socket::wait_write;
        auto [ec] = co_await socket_.async_wait(w, kTuple);
        if (ec) {
            close();
            co_return;
        }
    }
}

namespace {

// The chain is judged after the handshake, against the s2s trust store and
// the peer's domain (which is not known yet here).
int accept_any_certificate(int, X509_STORE_CTX*) { return 1; }

}  // namespace

asio::awaitable<bool> TcpTransport::handshake(SSL_CTX* ctx, Handshake how) {
    if (closed_ || ssl_) {
        co_return false;
    }
    ssl_ = SSL_new(ctx);
    if (!ssl_ || SSL_set_fd(ssl_, socket_.native_handle()) != 1) {
        co_return false;
    }
    // Partial writes let a large queue go out record by record; the queue may
    // move in memory between the attempts as more is appended to it.
    SSL_set_mode(ssl_, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
                           SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (how.client) {
        if (!how.server_name.empty()) {
            SSL_set_tlsext_host_name(ssl_, std::string(how.server_name).c_str());  // copied
        }
        SSL_set_verify(ssl_, SSL_VERIFY_PEER, accept_any_certificate);
        SSL_set_connect_state(ssl_);
    } else {
        if (how.request_peer_certificate) {
            SSL_set_verify(ssl_, SSL_VERIFY_PEER, accept_any_certificate);
        }
        SSL_set_accept_state(ssl_);
    }
    for (;;) {
        ERR_clear_error();
        const int r = SSL_do_handshake(ssl_);
        if (r == 1) {
            read_ready_ = true;  // the client's first bytes may have come with the handshake
            co_return true;
        }
        const int err = SSL_get_error(ssl_, r);
        if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
            co_return false;
        }
        auto w = err == SSL_ERROR_WANT_READ ? tcp::socket::wait_read : tcp::socket::wait_write;
        auto [ec] = co_await socket_.async_wait(w, kTuple);
        if (ec || closed_) {
            co_return false;
        }
    }
}

void TcpTransport::release_idle_memory() {
    if (queued() == 0) {
        std::string().swap(out_);
        out_off_ = 0;
    }
}

void TcpTransport::close_after_write() {
    if (closed_) {
        return;
    }
    closing_ = true;
    if (!write_waiting_ && !flush_posted_) {
        flush();
    }
}

void TcpTransport::finish_close() {
    // The stream's closing tag has been written (RFC 6120 §4.4). The TLS
    // close_notify goes out if the socket takes it now; the peer's is not
    // waited for, so a silent peer cannot hold the socket.
    if (ssl_ && SSL_is_init_finished(ssl_)) {
        ERR_clear_error();
        SSL_shutdown(ssl_);
    }
    close();
}

void TcpTransport::close() {
    if (closed_) {
        return;
    }
    closed_ = true;
    boost::system::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);  // cancels waits; their handlers see operation_aborted
    std::string().swap(out_);
    out_off_ = 0;
}

}  // namespace parley
