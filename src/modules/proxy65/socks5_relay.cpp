// XEP-0065 SOCKS5 Bytestreams v1.8.2 §6 relay over RFC 1928 SOCKS5; see
// socks5_relay.hpp.
#include "modules/proxy65/socks5_relay.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>

#include "auth/crypto.hpp"
#include "stream/stream_util.hpp"

namespace parley::mod::proxy65 {

namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kBuffer = 16 * 1024;

// RFC 1928 §6 reply codes.
constexpr std::uint8_t kSucceeded = 0x00;
constexpr std::uint8_t kGeneralFailure = 0x01;
constexpr std::uint8_t kNotAllowed = 0x02;
constexpr std::uint8_t kCommandNotSupported = 0x07;
constexpr std::uint8_t kAddressNotSupported = 0x08;

// One relayed bytestream: two sockets on one executor, two pumps and an idle
// watchdog; it deletes itself when all three have ended.
class Transfer : public std::enable_shared_from_this<Transfer> {
public:
    Transfer(tcp::socket a, tcp::socket b, std::chrono::seconds idle, std::atomic<std::size_t>& active)
        : a_(std::move(a)), b_(std::move(b)), idle_(idle), timer_(a_.get_executor()), active_(active),
          last_(Clock::now()) {}

    // The three tasks' completion handlers own the transfer: it is freed when
    // the last one ends or, at shutdown, when the io_context drops them.
    void start() {
        auto exec = a_.get_executor();
        auto done = [self = shared_from_this()](std::exception_ptr) { self->finished(); };
        asio::co_spawn(exec, pump(a_, b_), done);
        asio::co_spawn(exec, pump(b_, a_), done);
        asio::co_spawn(exec, watch(), done);
    }
    ~Transfer() { --active_; }

private:
    asio::awaitable<void> pump(tcp::socket& from, tcp::socket& to) {
        std::array<char, kBuffer> buf;
        boost::system::error_code ec;
        for (;;) {
            auto [rec, n] = co_await from.async_read_some(asio::buffer(buf), kTuple);
            if (rec) {
                ec = rec;
                break;
            }
            last_ = Clock::now();
            auto [wec, wn] = co_await asio::async_write(to, asio::buffer(buf.data(), n), kTuple);
            if (wec) {
                ec = wec;
                break;
            }
            bytes_ += n;
        }
        boost::system::error_code ignored;
        if (ec == asio::error::eof) {
            to.shutdown(tcp::socket::shutdown_send, ignored);  // pass the end of the stream on
        } else {
            close_both();
        }
        if (++pumps_done_ == 2) {
            timer_.cancel();
        }
    }

    asio::awaitable<void> watch() {
        while (pumps_done_ < 2) {
            timer_.expires_after(std::min<Clock::duration>(idle_, std::chrono::seconds(5)));
            auto [ec] = co_await timer_.async_wait(kTuple);
            if (pumps_done_ == 2) {
                break;
            }
            if (Clock::now() - last_ > idle_) {
                spdlog::info("proxy65: transfer idle for {} s, closed", idle_.count());
                close_both();
                break;
            }
        }
    }

    void close_both() {
        boost::system::error_code ignored;
        a_.close(ignored);
        b_.close(ignored);
    }

    void finished() {
        if (++tasks_done_ == 3) {
            spdlog::debug("proxy65: transfer ended after {} bytes", bytes_);
        }
    }

    tcp::socket a_;
    tcp::socket b_;
    std::chrono::seconds idle_;
    asio::steady_timer timer_;
    std::atomic<std::size_t>& active_;
    Clock::time_point last_;
    std::uint64_t bytes_ = 0;
    int pumps_done_ = 0;
    int tasks_done_ = 0;
};

asio::awaitable<bool> send_reply(tcp::socket& s, std::uint8_t code, const std::string& addr) {
    // RFC 1928 §6: VER REP RSV ATYP BND.ADDR BND.PORT, one write (slixmpp
    // expects the reply in one piece).
    std::string reply{5, static_cast<char>(code), 0, 3, static_cast<char>(addr.size())};
    reply += addr;
    reply.append(2, '\0');
    auto [ec, n] = co_await asio::async_write(s, asio::buffer(reply), kTuple);
    co_return !ec;
}

}  // namespace

std::string stream_hash(std::string_view sid, std::string_view initiator, std::string_view target) {
    std::string text;
    text.append(sid).append(initiator).append(target);
    const std::string d = auth::crypto::digest(auth::Hash::sha1, text);
    return to_hex(reinterpret_cast<const unsigned char*>(d.data()), d.size());
}

void Socks5Relay::prune_locked(Clock::time_point now) {
    for (auto it = parked_.begin(); it != parked_.end();) {
        auto& list = it->second;
        std::erase_if(list, [&](const Parked& p) {
            if (now - p.since <= options_.pending_timeout) {
                return false;
            }
            // Closed on its own worker: nothing else touches a parked socket.
            asio::post(p.socket->get_executor(), [s = p.socket] {
                boost::system::error_code ignored;
                s->close(ignored);
            });
            return true;
        });
        it = list.empty() ? parked_.erase(it) : std::next(it);
    }
}

std::size_t Socks5Relay::parked_count_locked() const {
    std::size_t n = 0;
    for (const auto& [hash, list] : parked_) {
        n += list.size();
    }
    return n;
}

asio::awaitable<void> Socks5Relay::accept(tcp::socket& socket) {
    // The whole handshake has one deadline.
    asio::steady_timer deadline(socket.get_executor());
    deadline.expires_after(options_.handshake_timeout);
    deadline.async_wait([&socket](boost::system::error_code ec) {
        if (!ec) {
            boost::system::error_code ignored;
            socket.cancel(ignored);
        }
    });
    std::array<std::uint8_t, 258> buf{};
    // RFC 1928 §3: VER NMETHODS METHODS; XEP-0065 §5.3.2 / §6.3.2: "no
    // authentication" only.
    {
        auto [ec, n] = co_await asio::async_read(socket, asio::buffer(buf.data(), 2), kTuple);
        if (ec || buf[0] != 5 || buf[1] == 0) {
            co_return;
        }
    }
    const std::size_t nmethods = buf[1];
    {
        auto [ec, n] = co_await asio::async_read(socket, asio::buffer(buf.data(), nmethods), kTuple);
        if (ec) {
            co_return;
        }
    }
    const bool no_auth = std::find(buf.begin(), buf.begin() + nmethods, 0) != buf.begin() + nmethods;
    {
        const std::array<std::uint8_t, 2> choice{5, static_cast<std::uint8_t>(no_auth ? 0x00 : 0xFF)};
        auto [ec, n] = co_await asio::async_write(socket, asio::buffer(choice), kTuple);
        if (ec || !no_auth) {
            co_return;
        }
    }
    // RFC 1928 §4: VER CMD RSV ATYP, then a domain name: length and bytes, then the port.
    {
        auto [ec, n] = co_await asio::async_read(socket, asio::buffer(buf.data(), 5), kTuple);
        if (ec || buf[0] != 5) {
            co_return;
        }
    }
    const std::uint8_t cmd = buf[1];
    const std::uint8_t atyp = buf[3];
    const std::size_t len = buf[4];
    if (atyp != 3) {
        co_await send_reply(socket, kAddressNotSupported, "");
        co_return;
    }
    {
        auto [ec, n] = co_await asio::async_read(socket, asio::buffer(buf.data(), len + 2), kTuple);
        if (ec) {
            co_return;
        }
    }
    const std::string hash(reinterpret_cast<const char*>(buf.data()), len);
    const unsigned port = buf[len] * 256u + buf[len + 1];
    if (cmd != 1) {
        co_await send_reply(socket, kCommandNotSupported, hash);
        co_return;
    }
    const bool well_formed = len == 40 && port == 0 &&
                             std::all_of(hash.begin(), hash.end(), [](char c) {
                                 return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                             });
    std::uint8_t verdict = kSucceeded;
    {
        std::lock_guard lock(mu_);
        prune_locked(Clock::now());
        if (!well_formed) {
            verdict = kNotAllowed;
        } else if (parked_[hash].size() >= 2) {
            verdict = kNotAllowed;  // both ends are there already
        } else if (active_.load() + (parked_count_locked() + 1) / 2 > options_.max_transfers) {
            verdict = kGeneralFailure;
        }
        if (parked_[hash].empty() && verdict != kSucceeded) {
            parked_.erase(hash);
        }
    }
    deadline.cancel();
    const bool sent = co_await send_reply(socket, verdict, hash);
    if (!sent || verdict != kSucceeded) {
        co_return;
    }
    auto parked = std::make_shared<tcp::socket>(std::move(socket));
    std::lock_guard lock(mu_);
    auto& list = parked_[hash];
    if (list.size() >= 2) {
        co_return;  // lost a race with a third connection: this one is closed
    }
    list.push_back({std::move(parked), Clock::now()});
}

Socks5Relay::Activation Socks5Relay::activate(const std::string& hash) {
    std::vector<Parked> pair;
    {
        std::lock_guard lock(mu_);
        auto it = parked_.find(hash);
        if (it == parked_.end() || it->second.size() != 2) {
            return Activation::not_found;
        }
        if (active_.load() >= options_.max_transfers) {
            return Activation::busy;
        }
        pair = std::move(it->second);
        parked_.erase(it);
        ++active_;
    }
    // The transfer lives on the target's worker; the initiator's socket moves
    // there (release + assign: no operation is pending on a parked socket).
    auto exec = pair[0].socket->get_executor();
    asio::post(exec, [pair = std::move(pair), this]() mutable {
        boost::system::error_code ec;
        auto& initiator = *pair[1].socket;
        const auto protocol = initiator.local_endpoint(ec).protocol();
        tcp::socket moved(pair[0].socket->get_executor());
        if (!ec) {
            const auto fd = initiator.release(ec);
            if (!ec) {
                moved.assign(protocol, fd, ec);
            }
        }
        if (ec) {
            spdlog::warn("proxy65: cannot pair the connections: {}", ec.message());
            --active_;
            return;
        }
        auto t = std::make_shared<Transfer>(std::move(*pair[0].socket), std::move(moved),
                                            options_.idle_timeout, active_);
        t->start();
    });
    return Activation::started;
}

}  // namespace parley::mod::proxy65
