// RFC 6120 from the client's side: §4 streams, §5 STARTTLS, §6 SASL (RFC 5802
// SCRAM, RFC 4616 PLAIN), §7 resource binding; XEP-0368 direct TLS.
#include "parley-bench/connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fmt/format.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "auth/base64.hpp"
#include "parley-bench/scram_client.hpp"
#include "xml/serializer.hpp"
#include "xmpp/ns.hpp"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

namespace parley::bench {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
// An idle session keeps no bigger output buffer than this.
constexpr std::size_t kKeepOutputCapacity = 4096;
constexpr std::string_view kStreamClose = "</stream:stream>";

std::string openssl_error() {
    unsigned long e = ERR_get_error();
    if (e == 0) {
        return errno != 0 ? std::strerror(errno) : "connection closed";
    }
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    return buf;
}

// The condition of a <failure/> or <stream:error/> and its <text/>.
std::string describe_condition(const xml::Element& e) {
    std::string cond, text;
    for (const auto* c : e.children()) {
        if (c->name() == "text") {
            text = c->text();
        } else if (cond.empty()) {
            cond = "<" + c->name() + "/>";
        }
    }
    if (cond.empty()) {
        cond = "(no condition)";
    }
    return text.empty() ? cond : cond + " " + text;
}

}  // namespace

Connection::Connection(Worker& worker, std::size_t number)
    : worker_(worker),
      number_(number),
      local_(worker.shared().opts.local_part(number)),
      socket_(worker.io()) {}

Connection::~Connection() {
    if (ssl_ != nullptr) {
        SSL_free(ssl_);
    }
}

std::string Connection::who() const {
    if (!jid_.empty()) {
        return jid_;
    }
    return local_ + "@" + worker_.shared().opts.domain;
}

void Connection::fail(ErrorKind kind, std::string_view what) {
    if (!failed_) {
        failed_ = true;
        worker_.shared().errors.record(kind, who(), what);
    }
    shutdown();
}

void Connection::report(ErrorKind kind, std::string_view what) {
    worker_.shared().errors.record(kind, who(), what);
}

void Connection::abort(ErrorKind kind, std::string_view why) {
    if (!finished_) {
        fail(kind, why);  // records only the connection's first error
    }
    shutdown();
}

void Connection::shutdown() {
    if (ssl_ != nullptr && socket_.is_open()) {
        SSL_shutdown(ssl_);  // best effort close_notify; never waited for
    }
    boost::system::error_code ec;
    socket_.close(ec);
}

// --- writing ----------------------------------------------------------------

void Connection::send(std::string_view bytes) {
    out_.append(bytes);
    if (worker_.batching()) {
        if (!dirty_) {
            dirty_ = true;
            worker_.defer_flush(this);
        }
        return;
    }
    flush();
}

void Connection::send_element(const xml::Element& e) {
    std::string s;
    xml::serialize(e, s, {ns::client});
    send(s);
}

void Connection::flush() {
    dirty_ = false;
    if (write_waiting_ || !socket_.is_open()) {
        return;
    }
    while (out_off_ < out_.size()) {
        const char* p = out_.data() + out_off_;
        std::size_t len = out_.size() - out_off_;
        if (ssl_ != nullptr) {
            ERR_clear_error();
            int r = SSL_write(ssl_, p, static_cast<int>(std::min<std::size_t>(len, INT_MAX)));
            if (r > 0) {
                out_off_ += static_cast<std::size_t>(r);
                continue;
            }
            int e = SSL_get_error(ssl_, r);
            if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) {
                wait_writable(e == SSL_ERROR_WANT_READ);
                return;
            }
            fail(ErrorKind::tls, "TLS write: " + openssl_error());
            return;
        }
        ssize_t n = ::send(socket_.native_handle(), p, len, MSG_NOSIGNAL);
        if (n >= 0) {
            out_off_ += static_cast<std::size_t>(n);
            continue;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            wait_writable(false);
            return;
        }
        fail(ErrorKind::closed, fmt::format("write failed: {}", std::strerror(errno)));
        return;
    }
    out_.clear();
    out_off_ = 0;
    if (out_.capacity() > kKeepOutputCapacity) {
        std::string().swap(out_);
    }
}

void Connection::wait_writable(bool readable) {
    write_waiting_ = true;
    socket_.async_wait(readable ? tcp::socket::wait_read : tcp::socket::wait_write,
                       [this](boost::system::error_code ec) {
                           write_waiting_ = false;
                           if (!ec) {
                               flush();
                           }
                       });
}

// --- reading ----------------------------------------------------------------

asio::awaitable<bool> Connection::wait(bool writable) {
    auto [ec] = co_await socket_.async_wait(
        writable ? tcp::socket::wait_write : tcp::socket::wait_read, kTuple);
    if (ec) {
        if (!failed_ && !closing_) {
            fail(ErrorKind::closed, "connection aborted: " + ec.message());
        }
        co_return false;
    }
    co_return true;
}

void Connection::on_end_of_stream() {
    if (!closing_) {
        fail(ErrorKind::closed, fmt::format("the server closed the connection ({})", stage_));
    }
    shutdown();
}

asio::awaitable<bool> Connection::read_more() {
    char* buf = worker_.read_buffer();
    const std::size_t cap = worker_.read_buffer_size();
    for (;;) {
        if (!socket_.is_open()) {
            co_return false;
        }
        std::size_t got = 0;
        if (ssl_ != nullptr) {
            ERR_clear_error();
            int r = SSL_read(ssl_, buf, static_cast<int>(cap));
            if (r <= 0) {
                int e = SSL_get_error(ssl_, r);
                if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
                    const bool ok = co_await wait(e == SSL_ERROR_WANT_WRITE);
                    if (!ok) {
                        co_return false;
                    }
                    continue;
                }
                if (e == SSL_ERROR_ZERO_RETURN) {
                    on_end_of_stream();
                } else if (!closing_) {
                    fail(ErrorKind::tls, "TLS read: " + openssl_error());
                } else {
                    shutdown();
                }
                co_return false;
            }
            got = static_cast<std::size_t>(r);
        } else {
            ssize_t n = ::recv(socket_.native_handle(), buf, cap, 0);
            if (n < 0) {
                if (errno == EINTR) {
                    continue;
                }
                if (errno == EAGAIN || errno == EWOULDBLOCK) {
                    const bool ok = co_await wait(false);
                    if (!ok) {
                        co_return false;
                    }
                    continue;
                }
                if (!closing_) {
                    fail(ErrorKind::closed, fmt::format("read failed: {}", std::strerror(errno)));
                }
                shutdown();
                co_return false;
            }
            if (n == 0) {
                on_end_of_stream();
                co_return false;
            }
            got = static_cast<std::size_t>(n);
        }
        auto err = parser_.feed(std::string_view(buf, got), events_);
        if (err != xml::ParseError::none) {
            fail(ErrorKind::protocol,
                 fmt::format("the server sent bad XML ({}) while {}", xml::to_string(err), stage_));
            co_return false;
        }
        co_return true;
    }
}

asio::awaitable<bool> Connection::next_event(xml::ParseEvent& ev) {
    while (pos_ >= events_.size()) {
        events_.clear();
        pos_ = 0;
        const bool ok = co_await read_more();
        if (!ok) {
            co_return false;
        }
    }
    ev = std::move(events_[pos_++]);
    co_return true;
}

void Connection::on_stream_error(const xml::Element& error) {
    std::string what = "stream error " + describe_condition(error);
    if (what.find("too many connections") != std::string::npos) {
        what += " (for benchmarks set [c2s] stream_opens_per_minute = 0 on the server)";
    }
    fail(ErrorKind::stream_error, fmt::format("{} while {}", what, stage_));
}

asio::awaitable<xml::ElementPtr> Connection::next_element(std::string_view waiting_for) {
    xml::ParseEvent ev;
    const bool ok = co_await next_event(ev);
    if (!ok) {
        co_return nullptr;
    }
    if (auto* el = std::get_if<xml::ElementPtr>(&ev)) {
        if ((*el)->is("error", ns::streams)) {
            on_stream_error(**el);
            co_return nullptr;
        }
        co_return std::move(*el);
    }
    if (std::holds_alternative<xml::StreamClose>(ev)) {
        fail(ErrorKind::closed,
             fmt::format("the server closed the stream while we waited for {}", waiting_for));
    } else {
        fail(ErrorKind::protocol,
             fmt::format("a second stream header while we waited for {}", waiting_for));
    }
    co_return nullptr;
}

// --- logging in -------------------------------------------------------------

asio::awaitable<bool> Connection::connect() {
    Shared& sh = worker_.shared();
    stage_ = "connecting";
    boost::system::error_code ec;
    socket_.open(sh.server.protocol(), ec);
    if (ec) {
        fail(ErrorKind::connect,
             fmt::format("cannot open a socket: {}{}", ec.message(),
                         ec == boost::system::errc::too_many_files_open
                             ? " (the limit of open files, ulimit -n, is reached)"
                             : ""));
        co_return false;
    }
    if (!sh.sources.empty()) {
        // Let connect() choose the port, so that a port is unique per
        // (source, destination) pair and not per source alone.
        int one = 1;
        setsockopt(socket_.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        auto src = sh.sources[number_ % sh.sources.size()];
        socket_.bind(tcp::endpoint(src, 0), ec);
        if (ec) {
            fail(ErrorKind::connect,
                 fmt::format("cannot bind to source address {}: {}", src.to_string(),
                             ec.message()));
            co_return false;
        }
    }
    auto [cec] = co_await socket_.async_connect(sh.server, kTuple);
    if (cec) {
        fail(ErrorKind::connect,
             fmt::format("cannot connect to {}: {}{}", fmt::format("{}:{}",
                         sh.server.address().to_string(), sh.server.port()), cec.message(),
                         cec == boost::system::errc::address_not_available
                             ? " (out of local ports: add --source-addresses)"
                             : ""));
        co_return false;
    }
    socket_.set_option(tcp::no_delay(true), ec);
    socket_.non_blocking(true, ec);
    co_return true;
}

asio::awaitable<bool> Connection::tls_handshake() {
    Shared& sh = worker_.shared();
    stage_ = "in the TLS handshake";
    if (out_off_ < out_.size()) {
        fail(ErrorKind::protocol, "unsent bytes before the TLS handshake");
        co_return false;
    }
    ssl_ = SSL_new(sh.tls);
    if (ssl_ == nullptr || SSL_set_fd(ssl_, socket_.native_handle()) != 1) {
        fail(ErrorKind::tls, "SSL_new: " + openssl_error());
        co_return false;
    }
    SSL_set_tlsext_host_name(ssl_, sh.opts.domain.c_str());
    SSL_set_connect_state(ssl_);
    for (;;) {
        ERR_clear_error();
        int r = SSL_do_handshake(ssl_);
        if (r == 1) {
            co_return true;
        }
        int e = SSL_get_error(ssl_, r);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
            const bool ok = co_await wait(e == SSL_ERROR_WANT_WRITE);
            if (!ok) {
                co_return false;
            }
            continue;
        }
        fail(ErrorKind::tls, "TLS handshake failed: " + openssl_error());
        co_return false;
    }
}

asio::awaitable<bool> Connection::open_stream(xml::ElementPtr& features) {
    parser_.reset();
    events_.clear();
    pos_ = 0;
    send(worker_.shared().stream_header);
    xml::ParseEvent ev;
    const bool ok = co_await next_event(ev);
    if (!ok) {
        co_return false;
    }
    auto* open = std::get_if<xml::StreamOpen>(&ev);
    if (open == nullptr || !open->header->is("stream", ns::streams)) {
        fail(ErrorKind::protocol, fmt::format("expected the server's stream header while {}",
                                              stage_));
        co_return false;
    }
    features = co_await next_element("<stream:features/>");
    if (!features) {
        co_return false;
    }
    if (!features->is("features", ns::streams)) {
        fail(ErrorKind::protocol,
             fmt::format("expected <stream:features/>, got <{}/> while {}", features->name(),
                         stage_));
        co_return false;
    }
    co_return true;
}

asio::awaitable<bool> Connection::starttls(const xml::Element& features) {
    stage_ = "negotiating STARTTLS";
    if (features.child("starttls", ns::tls) == nullptr) {
        fail(ErrorKind::protocol, "the server does not offer STARTTLS");
        co_return false;
    }
    send_element(*xml::Element::make("starttls", std::string(ns::tls)));
    auto answer = co_await next_element("<proceed/>");
    if (!answer) {
        co_return false;
    }
    if (!answer->is("proceed", ns::tls) || pos_ < events_.size()) {
        fail(ErrorKind::protocol,
             fmt::format("expected <proceed/> alone, got <{}/>", answer->name()));
        co_return false;
    }
    const bool ok = co_await tls_handshake();
    co_return ok;
}

asio::awaitable<bool> Connection::authenticate(const xml::Element& features) {
    Shared& sh = worker_.shared();
    const Options& o = sh.opts;
    stage_ = "authenticating";
    std::vector<std::string> offered;
    if (const auto* mechs = features.child("mechanisms", ns::sasl)) {
        for (const auto* m : mechs->children("mechanism", ns::sasl)) {
            offered.push_back(m->text());
        }
    }
    if (std::find(offered.begin(), offered.end(), o.mech) == offered.end()) {
        fail(ErrorKind::sasl,
             fmt::format("the server does not offer {} on this stream (offered: {}){}", o.mech,
                         offered.empty() ? "none" : fmt::format("{}", fmt::join(offered, " ")),
                         ssl_ == nullptr ? "; without TLS the server may require encryption "
                                           "first (--tls starttls) and offers PLAIN only over TLS"
                                         : ""));
        co_return false;
    }
    auto auth = xml::Element::make("auth", std::string(ns::sasl));
    auth->set_attr("mechanism", o.mech);
    std::optional<ScramClient> scram;
    if (sh.plain) {
        // RFC 4616: authzid NUL authcid NUL passwd, with an empty authzid.
        std::string msg;
        msg += '\0';
        msg += local_;
        msg += '\0';
        msg += o.password;
        auth->add_text(auth::base64_encode(msg));
    } else {
        scram.emplace(sh.hash, local_, o.password, worker_.scram());
        auth->add_text(auth::base64_encode(scram->first()));
    }
    send_element(*auth);
    const bool ok = co_await sasl_answers(scram ? &*scram : nullptr);
    co_return ok;
}

asio::awaitable<bool> Connection::sasl_answers(ScramClient* scram) {
    const std::string& mech = worker_.shared().opts.mech;
    bool verified = scram == nullptr;  // PLAIN has no server signature
    for (int step = 0; step < 4; ++step) {
        auto el = co_await next_element("a SASL answer");
        if (!el) {
            co_return false;
        }
        std::optional<std::string> data;
        if (el->is("failure", ns::sasl)) {
            fail(ErrorKind::sasl,
                 fmt::format("SASL {} failed: {} (is --password right, and were the accounts "
                             "created, e.g. with parleyctl import?)",
                             mech, describe_condition(*el)));
            co_return false;
        }
        if (!el->is("challenge", ns::sasl) && !el->is("success", ns::sasl)) {
            fail(ErrorKind::protocol,
                 fmt::format("<{}/> in the middle of SASL", el->name()));
            co_return false;
        }
        auto text = el->text();
        data = text.empty() || text == "=" ? std::optional<std::string>("")
                                           : auth::base64_decode(text);
        if (!data) {
            fail(ErrorKind::protocol, "SASL data that is not base64");
            co_return false;
        }
        std::string error;
        if (el->is("success", ns::sasl)) {
            // RFC 6120 §6.4.6: the server-final-message may come with success.
            if (!verified && (data->empty() || !scram->verify(*data, &error))) {
                fail(ErrorKind::sasl, data->empty() ? "success without the server's signature"
                                                    : error);
                co_return false;
            }
            co_return true;
        }
        if (scram == nullptr) {
            fail(ErrorKind::protocol, "a challenge during PLAIN");
            co_return false;
        }
        auto response = xml::Element::make("response", std::string(ns::sasl));
        if (step == 0) {
            auto final = scram->final(*data, &error);
            if (!final) {
                fail(ErrorKind::sasl, error);
                co_return false;
            }
            response->add_text(auth::base64_encode(*final));
        } else {
            // The server-final-message as a challenge: check it, answer empty.
            if (!scram->verify(*data, &error)) {
                fail(ErrorKind::sasl, error);
                co_return false;
            }
            verified = true;
        }
        send_element(*response);
    }
    fail(ErrorKind::protocol, "too many SASL challenges");
    co_return false;
}

asio::awaitable<bool> Connection::bind(const xml::Element& features) {
    stage_ = "binding a resource";
    if (features.child("bind", ns::bind) == nullptr) {
        fail(ErrorKind::protocol, "no <bind/> feature after authentication");
        co_return false;
    }
    auto iq = xml::Element::make("iq", std::string(ns::client));
    iq->set_attr("type", "set");
    iq->set_attr("id", "bind");
    iq->add("bind", std::string(ns::bind));
    send_element(*iq);
    auto answer = co_await next_element("the bind result");
    if (!answer) {
        co_return false;
    }
    if (!answer->is("iq", ns::client) || answer->attr_or("id") != "bind") {
        fail(ErrorKind::protocol, fmt::format("<{}/> instead of the bind result", answer->name()));
        co_return false;
    }
    if (answer->attr_or("type") != "result") {
        const auto* error = answer->child("error", ns::client);
        fail(ErrorKind::stanza_error,
             fmt::format("binding failed: {}", error ? describe_condition(*error) : "?"));
        co_return false;
    }
    const auto* b = answer->child("bind", ns::bind);
    auto jid = b ? b->child_text("jid", ns::bind) : std::nullopt;
    if (!jid || jid->find('/') == std::string::npos) {
        fail(ErrorKind::protocol, "the bind result has no full JID");
        co_return false;
    }
    jid_ = *jid;
    bare_ = jid_.substr(0, jid_.find('/'));
    co_return true;
}

asio::awaitable<bool> Connection::login() {
    Shared& sh = worker_.shared();
    const auto t0 = sh.now_ns();
    bool ok = co_await connect();
    if (ok && sh.opts.tls == TlsMode::direct) {
        ok = co_await tls_handshake();
    }
    bool authenticated = false;
    // Stream, then (STARTTLS) stream, then (SASL) stream with <bind/>.
    for (int round = 0; ok && round < 3; ++round) {
        stage_ = authenticated ? "restarting the stream after SASL" : "opening the stream";
        xml::ElementPtr features;
        ok = co_await open_stream(features);
        if (!ok) {
            break;
        }
        if (ssl_ == nullptr && sh.opts.tls == TlsMode::starttls) {
            ok = co_await starttls(*features);
            continue;
        }
        if (!authenticated) {
            ok = co_await authenticate(*features);
            authenticated = ok;
            continue;
        }
        ok = co_await bind(*features);
        if (ok) {
            login_ns_ = sh.now_ns() - t0;
            logged_in_ = true;
            stage_ = "in session";
            co_return true;
        }
    }
    if (ok) {
        fail(ErrorKind::protocol, "the stream negotiation did not end with <bind/>");
    }
    finished_ = true;
    co_return false;
}

// --- the session --------------------------------------------------------------

asio::awaitable<void> Connection::serve(StanzaHandler* handler) {
    bool more = true;
    while (more) {
        {
            Worker::Batch batch(worker_);
            for (; more && pos_ < events_.size(); ++pos_) {
                auto& ev = events_[pos_];
                if (auto* el = std::get_if<xml::ElementPtr>(&ev)) {
                    if ((*el)->is("error", ns::streams)) {
                        on_stream_error(**el);
                        more = false;
                    } else if (handler != nullptr && !closing_) {
                        handler->on_stanza(*this, **el);
                    }
                } else if (std::holds_alternative<xml::StreamClose>(ev)) {
                    if (!closing_) {
                        fail(ErrorKind::closed, "the server closed the stream");
                    }
                    more = false;
                } else {
                    fail(ErrorKind::protocol, "a second stream header in session");
                    more = false;
                }
            }
            events_.clear();
            pos_ = 0;
        }
        if (more) {
            more = co_await read_more();
        }
    }
    shutdown();
    finished_ = true;
    worker_.ended.add();
}

void Connection::close_stream() {
    if (closing_ || !socket_.is_open()) {
        return;
    }
    stage_ = "closing the stream";
    send(kStreamClose);
    closing_ = true;
}

}  // namespace parley::bench
