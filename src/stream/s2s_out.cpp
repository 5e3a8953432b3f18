// RFC 6120 server-to-server streams, initiating side: §3.2 (resolution, in
// s2s/resolver), §4 (streams), §5 (STARTTLS), §6 + XEP-0178 (SASL EXTERNAL),
// XEP-0220 (Server Dialback as Initiating Server, and db:verify as
// Receiving Server), XEP-0288 (bidirectional streams), XEP-0368 (direct
// TLS), RFC 8305 (connecting to several addresses).
#include "stream/s2s_out.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <spdlog/spdlog.h>

#include "auth/base64.hpp"
#include "core/config.hpp"
#include "core/tls.hpp"
#include "router/router.hpp"
#include "s2s/domain_name.hpp"
#include "stream/federation.hpp"
#include "xml/serializer.hpp"
#include "xmpp/ns.hpp"

namespace parley {

namespace asio = boost::asio;
using asio::ip::tcp;
using xmpp::Condition;
using xmpp::StanzaError;
using xmpp::StreamCondition;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr auto kAttemptDelay = std::chrono::milliseconds(250);  // RFC 8305 §5

// One DNS resolver per worker thread (DnsResolver lives on one io_context).
s2s::DnsResolver* thread_resolver(const S2sConfig& cfg, const asio::any_io_executor& ex) {
    thread_local std::unique_ptr<s2s::DnsResolver> resolver;
    if (!resolver) {
        auto& ioc = static_cast<asio::io_context&>(asio::query(ex, asio::execution::context));
        s2s::DnsResolver::Options options;
        options.servers = cfg.dns_servers;
        auto r = s2s::DnsResolver::create(ioc, options);
        if (!r) {
            spdlog::error("s2s: cannot start the DNS resolver: {}", r.error().message);
            return nullptr;
        }
        resolver = std::move(*r);
    }
    return resolver.get();
}

// RFC 8305 §4: alternate the address families, starting with the first.
std::vector<asio::ip::address> interleave(const std::vector<asio::ip::address>& addrs) {
    std::vector<asio::ip::address> v6, v4, out;
    for (const auto& a : addrs) {
        (a.is_v6() ? v6 : v4).push_back(a);
    }
    auto& first = !addrs.empty() && addrs.front().is_v4() ? v4 : v6;
    auto& second = &first == &v4 ? v6 : v4;
    for (std::size_t i = 0; i < std::max(v4.size(), v6.size()); ++i) {
        if (i < first.size()) {
            out.push_back(first[i]);
        }
        if (i < second.size()) {
            out.push_back(second[i]);
        }
    }
    return out;
}

// The connection attempts to one target's addresses, raced.
struct Race {
    explicit Race(asio::any_io_executor ex) : done(ex) {}
    asio::steady_timer done;  // cancelled when a winner is found or all failed
    std::vector<std::shared_ptr<tcp::socket>> sockets;
    std::shared_ptr<tcp::socket> winner;
    std::size_t pending = 0;
    std::vector<std::string> errors;
    bool finished = false;

    void finish() {
        finished = true;
        done.cancel();
        for (auto& s : sockets) {
            if (s != winner) {
                boost::system::error_code ec;
                s->close(ec);
            }
        }
    }
};

asio::awaitable<void> attempt(std::shared_ptr<Race> race, std::shared_ptr<tcp::socket> socket,
                              tcp::endpoint ep, std::chrono::milliseconds delay) {
    if (delay.count() > 0) {
        asio::steady_timer wait(socket->get_executor(), delay);
        co_await wait.async_wait(kTuple);
    }
    if (race->finished) {
        co_return;
    }
    auto [ec] = co_await socket->async_connect(ep, kTuple);
    if (race->finished) {
        co_return;
    }
    if (!ec) {
        race->winner = socket;
        race->finish();
        co_return;
    }
    race->errors.push_back(fmt::format("{}: {}", ep.address().to_string(), ec.message()));
    if (--race->pending == 0) {
        race->finish();
    }
}

bool has_mechanism(const xml::Element& features, std::string_view name) {
    const auto* mechs = features.child("mechanisms", ns::sasl);
    if (!mechs) {
        return false;
    }
    for (const auto* m : mechs->children("mechanism", ns::sasl)) {
        if (m->text() == name) {
            return true;
        }
    }
    return false;
}

}  // namespace

S2sOut::S2sOut(S2sServices& services, std::string local, std::string remote,
               asio::any_io_executor ex)
    : S2sStream("s2sout-" + std::to_string(services.next_id.fetch_add(1)), services, ex),
      local_(std::move(local)),
      remote_(std::move(remote)),
      deadline_(ex) {}

S2sOut::~S2sOut() = default;

void S2sOut::start() {
    auto self = std::static_pointer_cast<S2sOut>(shared_from_this());
    asio::co_spawn(
        executor(),
        [](std::shared_ptr<S2sOut> s) -> asio::awaitable<void> {
            try {
                co_await s->run();
            } catch (const std::exception& e) {
                spdlog::error("[{}] internal error: {}", s->id(), e.what());
                s->close({StreamCondition::internal_server_error, {}});
                s->fail_all(Condition::internal_server_error, "internal error");
            }
            s->svc_.federation->forget_outgoing(s.get());
        }(std::move(self)),
        asio::detached);
}

void S2sOut::enqueue(xml::ElementRef stanza) {
    asio::post(executor(), [self = std::static_pointer_cast<S2sOut>(shared_from_this()),
                            stanza = std::move(stanza)]() mutable { self->take(std::move(stanza)); });
}

void S2sOut::deliver(const xml::ElementRef& stanza) { take(stanza); }

void S2sOut::take(xml::ElementRef stanza) {
    if (closed_) {
        // This link has ended: the stanza takes a new one.
        svc_.federation->forget_outgoing(this);
        auto to = xmpp::Jid::parse(stanza->attr_or("to"));
        auto from = xmpp::Jid::parse(stanza->attr_or("from"));
        if (to && from) {
            StanzaEvent ev{stanza, stanza_kind(*stanza), stanza->attr_or("type"), *from, *to,
                           nullptr, svc_.router};
            svc_.federation->send(ev);
        }
        return;
    }
    if (ready_) {
        touch();
        send(*stanza);
        return;
    }
    if (queue_.size() >= svc_.config.s2s.max_queue) {
        // RFC 6120 §8.3.3.18: the queue for this domain is full.
        svc_.router.bounce(*stanza, StanzaError(Condition::resource_constraint,
                                                fmt::format("too many stanzas waiting for {}", remote_)));
        return;
    }
    queue_.push_back(std::move(stanza));
}

void S2sOut::request_verify(std::string stream_id, std::string key, VerifyDone done) {
    asio::post(executor(), [self = std::static_pointer_cast<S2sOut>(shared_from_this()),
                            v = Verify{std::move(stream_id), std::move(key), std::move(done)}]() mutable {
        if (self->closed_) {
            v.done(false, "the stream to the authoritative server ended");
            return;
        }
        self->verifies_.push_back(std::move(v));
        if (self->can_verify_) {
            self->send_verifies();
        }
    });
}

void S2sOut::send_verifies() {
    for (auto& v : verifies_) {
        auto el = xml::Element::make("verify", std::string(ns::dialback));
        el->set_attr("from", local_);
        el->set_attr("to", remote_);
        el->set_attr("id", v.stream_id);
        el->add_text(v.key);
        send(*el);
        asked_.emplace(v.stream_id, std::move(v.done));
    }
    verifies_.clear();
}

void S2sOut::on_verify_answer(const xml::Element& el) {
    auto it = asked_.find(std::string(el.attr_or("id")));
    if (it == asked_.end()) {
        return;
    }
    auto done = std::move(it->second);
    asked_.erase(it);
    const bool valid = el.attr_or("type") == "valid" && el.attr_or("from") == remote_;
    done(valid, valid ? std::string() : fmt::format("{} answered type '{}'", remote_, el.attr_or("type")));
}

void S2sOut::fail_all(Condition condition, const std::string& why) {
    if (!queue_.empty()) {
        spdlog::info("[{}] s2s: bouncing {} stanza(s) for {} with <{}/>", id(), queue_.size(),
                     remote_, xmpp::to_string(condition));
    }
    for (auto& stanza : queue_) {
        svc_.router.bounce(*stanza, StanzaError(condition, why));
    }
    queue_.clear();
    for (auto& v : verifies_) {
        v.done(false, why);
    }
    verifies_.clear();
    for (auto& [sid, done] : asked_) {
        done(false, why);
    }
    asked_.clear();
}

asio::awaitable<void> S2sOut::run() {
    const auto started = std::chrono::steady_clock::now();
    deadline_.expires_after(std::chrono::seconds(svc_.config.s2s.connect_timeout));
    deadline_.async_wait([weak = std::weak_ptr<Session>(shared_from_this()), this](
                             boost::system::error_code ec) {
        auto self = weak.lock();
        if (ec || !self || ready_ || closed_) {
            return;
        }
        timed_out_ = true;
        if (cancel_connect_) {
            cancel_connect_();
        }
        if (transport_) {
            transport_->close();
        }
    });
    auto why = co_await establish();
    deadline_.cancel();
    if (!why.empty() || closed_) {
        if (why.empty()) {
            why = "the stream closed";
        }
        spdlog::warn("[{}] s2s: cannot reach {} from {}: {}", id(), remote_, local_,
                     timed_out_ ? fmt::format("timed out after {} s ({})",
                                              svc_.config.s2s.connect_timeout, why)
                                : why);
        if (!closed_) {
            close({StreamCondition::remote_connection_failed, why});
        }
        closed_ = true;
        // RFC 6120 §8.3.3.15/16.
        fail_all(timed_out_ ? Condition::remote_server_timeout : Condition::remote_server_not_found,
                 why);
        co_return;
    }
    ready_ = true;
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
    spdlog::info("[{}] s2s: outgoing stream {} -> {} ready ({}, {}, {} ms, {} queued stanza(s))",
                 id(), local_, remote_, auth_method_, remote_address(), ms, queue_.size());
    for (auto& stanza : queue_) {
        send(*stanza);
    }
    queue_.clear();
    start_idle_timer();
    // XEP-0288: with a bidirectional stream the peer's stanzas come back here.
    const std::set<std::string, std::less<>> peer{remote_};
    for (;;) {
        std::string why_end;
        auto el = co_await next_element(why_end);
        if (!el) {
            break;
        }
        touch();
        auto stanza = accept_s2s_stanza(*el, peer, svc_.router);
        if (!stanza) {
            close(stanza.error());
            break;
        }
        co_await svc_.router.route(std::move(*stanza), nullptr);
    }
    closed_ = true;
    fail_all(Condition::remote_server_timeout, "the stream ended");
    spdlog::info("[{}] s2s: outgoing stream {} -> {} closed", id(), local_, remote_);
}

asio::awaitable<std::string> S2sOut::establish() {
    auto why = co_await connect();
    if (!why.empty()) {
        co_return why;
    }
    xml::ElementPtr features;
    why = co_await open_stream(features);
    if (!why.empty()) {
        co_return why;
    }
    const S2sAuth policy = svc_.config.s2s.auth_for(remote_);
    if (!secure() && features->child("starttls", ns::tls)) {
        send(*xml::Element::make("starttls", std::string(ns::tls)));
        auto answer = co_await next_element(why);
        if (!answer) {
            co_return why;
        }
        if (!answer->is("proceed", ns::tls)) {
            co_return fmt::format("{} refused STARTTLS", remote_);
        }
        const auto sni = s2s::to_ascii_domain(remote_).value_or(remote_);
        TcpTransport::Handshake how;
        how.client = true;
        how.server_name = sni;
        const bool ok = co_await start_tls(svc_.tls.client_context(local_), how);
        if (!ok) {
            co_return "TLS handshake failed";
        }
        why = co_await open_stream(features);
        if (!why.empty()) {
            co_return why;
        }
    }
    if (!secure() && policy != S2sAuth::insecure) {
        co_return fmt::format("{} offers no TLS (RFC 6120 §5; s2s.auth allows no plaintext)", remote_);
    }
    co_return co_await authenticate(*features);
}

asio::awaitable<std::string> S2sOut::connect() {
    auto* resolver = thread_resolver(svc_.config.s2s, executor());
    if (!resolver) {
        co_return "no DNS resolver";
    }
    auto ascii = s2s::to_ascii_domain(remote_);
    if (!ascii) {
        co_return fmt::format("'{}' is not a domain name that can be looked up", remote_);
    }
    auto plan = co_await resolver->plan_s2s(*ascii, svc_.routes);
    if (plan.source == s2s::ConnectPlan::Source::unavailable) {
        co_return fmt::format("{} says it offers no XMPP service (SRV record '.')", remote_);
    }
    std::vector<std::string> errors;
    for (const auto& target : plan.targets) {
        if (timed_out_) {
            break;
        }
        auto addrs = co_await resolver->lookup_addresses(target.host);
        if (!addrs || addrs->empty()) {
            errors.push_back(fmt::format("{}: {}", target.host,
                                         addrs ? "no addresses" : addrs.error().message));
            continue;
        }
        auto race = std::make_shared<Race>(executor());
        race->done.expires_at(std::chrono::steady_clock::time_point::max());
        std::chrono::milliseconds delay{0};
        for (const auto& a : interleave(*addrs)) {
            auto socket = std::make_shared<tcp::socket>(executor());
            race->sockets.push_back(socket);
            ++race->pending;
            asio::co_spawn(executor(), attempt(race, socket, tcp::endpoint(a, target.port), delay),
                           asio::detached);
            delay += kAttemptDelay;
        }
        cancel_connect_ = [race] { race->finish(); };
        if (!race->finished) {
            co_await race->done.async_wait(kTuple);
        }
        cancel_connect_ = nullptr;
        for (auto& e : race->errors) {
            errors.push_back(fmt::format("{} port {}: {}", target.host, target.port, e));
        }
        if (race->winner && !timed_out_) {
            boost::system::error_code ec;
            race->winner->set_option(tcp::no_delay(true), ec);
            transport_ = std::make_shared<TcpTransport>(std::move(*race->winner));
            spdlog::debug("[{}] s2s: connected to {} for {} ({})", id(), remote_address(), remote_,
                          s2s::plan_source_name(plan.source));
            if (target.direct_tls) {
                TcpTransport::Handshake how;
                how.client = true;
                how.server_name = *ascii;
                const bool ok = co_await start_tls(svc_.tls.client_context(local_), how);
                if (!ok) {
                    errors.push_back(fmt::format("{}: direct TLS handshake failed", target.host));
                    transport_->close();
                    transport_.reset();
                    continue;
                }
            }
            co_return std::string();
        }
    }
    if (errors.empty()) {
        errors.push_back("no address to connect to");
    }
    co_return fmt::format("{}", fmt::join(errors, "; "));
}

asio::awaitable<std::string> S2sOut::open_stream(xml::ElementPtr& features) {
    send_header(local_, remote_, {});
    auto ev = co_await next_event();
    if (!ev) {
        co_return "the stream closed before its header";
    }
    auto* open = std::get_if<xml::StreamOpen>(&*ev);
    if (!open) {
        co_return "no stream header";
    }
    const auto& h = *open->header;
    if (!h.is("stream", ns::streams) || open->content_ns != ns::server) {
        close({StreamCondition::invalid_namespace, "expected jabber:server (RFC 6120 §4.8)"});
        co_return "the peer's stream is not in jabber:server";
    }
    peer_stream_id_ = std::string(h.attr_or("id"));
    if (peer_stream_id_.empty()) {
        co_return "the peer's stream header has no id";
    }
    std::string why;
    features = co_await next_element(why);
    if (!features) {
        co_return why;
    }
    if (!features->is("features", ns::streams)) {
        co_return fmt::format("expected <stream:features/>, got <{}/>", features->name());
    }
    co_return std::string();
}

asio::awaitable<std::string> S2sOut::authenticate(const xml::Element& features) {
    const S2sAuth policy = svc_.config.s2s.auth_for(remote_);
    can_verify_ = true;
    send_verifies();
    if (features.child("bidi", ns::bidi_feature)) {
        send(*xml::Element::make("bidi", std::string(ns::bidi)));  // XEP-0288 §2.2
    }
    std::string cert_problem;
    bool cert_ok = false;
    if (secure()) {
        auto cert = check_certificate(remote_);
        cert_ok = cert.ok();
        if (!cert_ok) {
            cert_problem = cert.error().message;
        }
    } else {
        cert_problem = "no TLS";
    }
    if (!cert_ok && policy == S2sAuth::certificate) {
        co_return fmt::format("the certificate of {} is not acceptable: {} (set s2s.domains.\"{}\" "
                              "= \"dialback\" to allow Server Dialback)",
                              remote_, cert_problem, remote_);
    }
    std::string why;
    if (secure() && has_mechanism(features, "EXTERNAL")) {
        // XEP-0178 §4: authorization identity = our domain.
        auto auth = xml::Element::make("auth", std::string(ns::sasl));
        auth->set_attr("mechanism", "EXTERNAL");
        auth->add_text(auth::base64_encode(local_));
        send(*auth);
        auto answer = co_await next_element(why);
        if (!answer) {
            co_return why;
        }
        if (answer->is("success", ns::sasl)) {
            restart();
            xml::ElementPtr after;
            why = co_await open_stream(after);
            if (!why.empty()) {
                co_return why;
            }
            auth_method_ = cert_ok ? "SASL EXTERNAL, peer certificate valid" : "SASL EXTERNAL";
            co_return std::string();
        }
        spdlog::info("[{}] s2s: {} refused SASL EXTERNAL; trying dialback", id(), remote_);
    }
    if (!features.child("dialback", ns::dialback_feature)) {
        co_return fmt::format("{} accepts neither our certificate (SASL EXTERNAL) nor dialback",
                              remote_);
    }
    // XEP-0220 §2.1.1: the key for the stream the peer opened for us.
    auto result = xml::Element::make("result", std::string(ns::dialback));
    result->set_attr("from", local_);
    result->set_attr("to", remote_);
    result->add_text(svc_.dialback.key(remote_, local_, peer_stream_id_));
    send(*result);
    for (;;) {
        auto answer = co_await next_element(why);
        if (!answer) {
            co_return why;
        }
        if (!answer->is("result", ns::dialback)) {
            continue;  // nothing else is expected before the answer
        }
        auto type = answer->attr_or("type");
        if (type == "valid") {
            auth_method_ = cert_ok ? "dialback, peer certificate valid"
                                   : fmt::format("dialback, peer certificate not checked: {}", cert_problem);
            co_return std::string();
        }
        co_return fmt::format("{} did not accept our dialback key (type '{}')", remote_, type);
    }
}

asio::awaitable<xml::ElementPtr> S2sOut::next_element(std::string& why) {
    for (;;) {
        auto ev = co_await next_event();
        if (!ev) {
            why = timed_out_ ? "timed out" : "the connection closed";
            co_return nullptr;
        }
        if (std::holds_alternative<xml::StreamClose>(*ev)) {
            why = fmt::format("{} closed the stream", remote_);
            end_stream();
            co_return nullptr;
        }
        if (std::holds_alternative<xml::StreamOpen>(*ev)) {
            close({StreamCondition::not_well_formed, "unexpected stream header"});
            why = "unexpected stream header";
            co_return nullptr;
        }
        auto el = std::move(std::get<xml::ElementPtr>(*ev));
        if (el->is("error", ns::streams)) {
            std::string condition = "undefined-condition";
            std::string text;
            for (const auto* c : el->children()) {
                if (c->ns() == ns::xmpp_streams) {
                    if (c->name() == "text") {
                        text = c->text();
                    } else {
                        condition = c->name();
                    }
                }
            }
            why = fmt::format("{} sent stream error <{}/>{}{}", remote_, condition,
                              text.empty() ? "" : ": ", text);
            end_stream();
            co_return nullptr;
        }
        if (el->is("verify", ns::dialback)) {
            on_verify_answer(*el);
            continue;
        }
        co_return el;
    }
}

}  // namespace parley
