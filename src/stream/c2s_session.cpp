// RFC 6120 client-to-server streams: §4 (streams), §5 (STARTTLS), §6 (SASL),
// §7 (resource binding), §8 (stanza processing on the sending side); RFC 3921
// §3 (legacy session establishment, accepted for old clients); XEP-0368
// (direct TLS); XEP-0198 (stream management: acks, resumption).
#include "stream/c2s_session.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <charconv>

#include <spdlog/spdlog.h>

#include "auth/base64.hpp"
#include "auth/tls_binding.hpp"
#include "core/config.hpp"
#include "core/run_on.hpp"
#include "core/throttle.hpp"
#include "core/tls.hpp"
#include "router/router.hpp"
#include "storage/stores.hpp"
#include "stream/stream_util.hpp"
#include "stream/tcp_channel.hpp"
#include "xml/serializer.hpp"
#include "xmpp/datetime.hpp"
#include "xmpp/ns.hpp"

namespace parley {

namespace asio = boost::asio;
using xmpp::Condition;
using xmpp::StanzaError;
using xmpp::StreamCondition;
using xmpp::StreamError;

namespace {

constexpr int kMaxSaslFailuresPerStream = 5;
constexpr std::size_t kMaxQueuedBytes = 4 * 1024 * 1024;  // RFC 6120 §6.4.5: "at least 2, no more than 5"

xml::ElementPtr sasl_element(std::string name, std::string_view payload, bool always_text) {
    auto e = xml::Element::make(std::move(name), std::string(ns::sasl));
    if (!payload.empty()) {
        e->add_text(auth::base64_encode(payload));
    } else if (always_text) {
        e->add_text("=");  // RFC 6120 §6.4.6: empty additional data is sent as "="
    }
    return e;
}

xml::ElementPtr sm_element(std::string name) {
    return xml::Element::make(std::move(name), std::string(ns::sm));
}

// XEP-0198 §3/§5 <failed/> with a stanza error condition.
xml::ElementPtr sm_failed(std::string_view condition) {
    auto f = sm_element("failed");
    f->add(std::string(condition), std::string(ns::stanzas));
    return f;
}

std::optional<std::uint32_t> parse_count(std::string_view text) {
    std::uint32_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
        return std::nullopt;
    }
    return v;
}

}  // namespace

void ResumableSessions::add(const std::string& id, std::string bare, std::weak_ptr<C2sSession> s) {
    std::lock_guard lock(mu_);
    by_id_[id] = Entry{std::move(bare), std::move(s)};
}

std::shared_ptr<C2sSession> ResumableSessions::find(const std::string& id,
                                                    std::string_view bare) const {
    std::lock_guard lock(mu_);
    auto it = by_id_.find(id);
    if (it == by_id_.end() || it->second.bare != bare) {
        return nullptr;
    }
    return it->second.session.lock();
}

void ResumableSessions::remove(const std::string& id, const C2sSession* s) {
    std::lock_guard lock(mu_);
    auto it = by_id_.find(id);
    if (it != by_id_.end() && it->second.session.lock().get() == s) {
        by_id_.erase(it);
    }
}

void C2sSession::start(C2sServices& services, asio::ip::tcp::socket socket, bool direct_tls) {
    const xml::ParserLimits limits{services.config.max_stanza_size, services.config.max_depth,
                                   services.config.max_attributes};
    SSL_CTX* tls = direct_tls ? services.tls.default_context().native_handle() : nullptr;
    start(services, std::make_shared<TcpChannel>(std::move(socket), limits, tls));
}

void C2sSession::start(C2sServices& services, std::shared_ptr<ClientChannel> channel) {
    auto ex = channel->executor();
    auto session = std::make_shared<C2sSession>(services, std::move(channel));
    asio::co_spawn(
        ex,
        [](std::shared_ptr<C2sSession> s) -> asio::awaitable<void> {
            IdleSweep* sweep = IdleSweep::current();  // the session's own thread
            if (sweep) {
                sweep->join(*s);
            }
            bool failed = false;
            try {
                co_await s->run();
            } catch (const std::exception& e) {
                // STYLE.md b.8: nothing escapes a session; close only this one.
                spdlog::error("[{}] internal error: {}", s->id(), e.what());
                failed = true;
            }
            if (failed) {
                s->close({StreamCondition::internal_server_error, {}});
                co_await s->on_closed();
            }
            if (sweep) {
                sweep->leave(*s);
            }
        }(std::move(session)),
        asio::detached);
}

C2sSession::C2sSession(C2sServices& services, std::shared_ptr<ClientChannel> channel)
    : Session("c2s-" + std::to_string(services.next_id.fetch_add(1)), channel->executor()),
      svc_(services),
      channel_(std::move(channel)) {}

C2sSession::~C2sSession() = default;

void C2sSession::release_idle_memory() {
    channel_->release_idle_memory();
    if (events_.empty()) {
        std::vector<xml::ParseEvent>().swap(events_);
    }
}

bool C2sSession::secure() const { return channel_->secure(); }
std::string C2sSession::remote_address() const { return channel_->remote_address(); }

asio::awaitable<void> C2sSession::run() {
    spdlog::debug("[{}] connection from {} ({})", id(), channel_->remote_address(), channel_->kind());
    // GCC 12 miscompiles co_await inside a condition: await into a local first.
    const bool opened = co_await channel_->open();
    if (!opened) {
        spdlog::info("[{}] {} connection from {} failed to open (TLS handshake)", id(),
                     channel_->kind(), channel_->remote_address());
        co_return;
    }
    while (state_ != State::closed) {
        events_.clear();
        auto err = xml::ParseError::none;
        const bool more = co_await channel_->read(events_, err);
        if (!more) {
            break;
        }
        touch();
        bool restarted = false;
        for (auto& ev : events_) {
            co_await handle_event(ev);
            if (state_ == State::closed) {
                break;
            }
            if (restart_) {
                // RFC 6120 §5.4.3.3, §6.4.6: a new stream begins; anything the
                // client sent after the element that ended the old one is
                // discarded (it must wait for our answer first).
                restart_ = false;
                restarted = true;
                channel_->restart();
                break;
            }
        }
        events_.clear();
        if (!restarted && err != xml::ParseError::none && state_ != State::closed) {
            spdlog::info("[{}] {} from {}: {}", id(), xml::to_string(err),
                         channel_->remote_address(), "closing the stream");
            close({stream_condition(err), std::string(xml::to_string(err))});
        }
    }
    // The connection dropped under a resumable session: keep it (XEP-0198 §5).
    if (state_ == State::bound && sm_ && sm_->resumable()) {
        co_await hibernate();
    }
    if (handed_over_) {
        co_return;  // the session goes on, on another connection
    }
    co_await on_closed();
}

asio::awaitable<bool> C2sSession::handle_event(xml::ParseEvent& ev) {
    if (auto* open = std::get_if<xml::StreamOpen>(&ev)) {
        if (state_ != State::wait_header) {
            close({StreamCondition::not_well_formed, "unexpected stream header"});
            co_return false;
        }
        co_return on_stream_open(*open);
    }
    if (std::holds_alternative<xml::StreamClose>(ev)) {
        // RFC 6120 §4.4: answer the close with ours, then end the connection.
        if (state_ != State::closed) {
            channel_->write_close();
            channel_->close_after_write();
            co_await on_closed();
        }
        co_return false;
    }
    co_await on_element(std::move(std::get<xml::ElementPtr>(ev)));
    co_return true;
}

bool C2sSession::on_stream_open(const xml::StreamOpen& open) {
    const auto& h = *open.header;
    auto to = xmpp::normalize_domainpart(h.attr_or("to"));
    host_ = to ? *to : svc_.config.hosts.front();
    lang_ = std::string(h.attr_or("xml:lang", "en"));
    stream_id_ = random_hex(16);

    // Our header goes first, even when an error follows (RFC 6120 §4.9.1.2).
    auto header = xml::Element::make("stream", std::string(ns::streams));
    header->set_attr("from", host_);
    header->set_attr("id", stream_id_);
    header->set_attr("version", "1.0");
    header->set_attr("xml:lang", "en");
    channel_->write_header(*header);
    header_sent_ = true;

    if (!h.is("stream", ns::streams) || open.content_ns != ns::client) {
        close({StreamCondition::invalid_namespace,
               "expected <stream:stream> with xmlns='jabber:client' (RFC 6120 §4.8)"});
        return false;
    }
    auto version = h.attr_or("version");
    if (version.empty() || version.substr(0, 2) == "0.") {
        close({StreamCondition::unsupported_version, "this server speaks XMPP 1.0"});
        return false;
    }
    if (!first_header_seen_) {
        first_header_seen_ = true;  // restarts after TLS and SASL do not count
        if (!svc_.stream_opens.hit(channel_->remote_address())) {
            close({StreamCondition::policy_violation, "too many connections from this address"});
            return false;
        }
    }
    if (!to || !(table_ = svc_.router.host(*to))) {
        close({StreamCondition::host_unknown,
               fmt::format("this server does not serve '{}'", h.attr_or("to"))});
        return false;
    }
    state_ = State::negotiating;  // after SASL, the features lead to binding
    send_features();
    return true;
}

void C2sSession::send_features() {
    auto features = xml::Element::make("features", std::string(ns::streams));
    const bool tls_ok = secure() || !svc_.config.require_encryption;
    if (user_.empty()) {
        if (channel_->can_starttls()) {
            auto& st = features->add("starttls", std::string(ns::tls));
            if (svc_.config.require_encryption) {
                st.add("required", std::string(ns::tls));
            }
        }
        if (tls_ok) {
            const auto cb = channel_bindings();
            auto& mechs = features->add("mechanisms", std::string(ns::sasl));
            for (const auto& m : auth::offered_mechanisms(secure(), cb)) {
                mechs.add_text_child("mechanism", std::string(ns::sasl), m);
            }
            if (cb.any()) {
                // XEP-0440: which channel-binding types this server supports.
                auto& types = features->add("sasl-channel-binding", std::string(ns::sasl_cb));
                if (cb.tls_exporter) {
                    types.add("channel-binding", std::string(ns::sasl_cb))
                        .set_attr("type", "tls-exporter");
                }
                if (cb.tls_server_end_point) {
                    types.add("channel-binding", std::string(ns::sasl_cb))
                        .set_attr("type", "tls-server-end-point");
                }
            }
            for (const auto& f : table_->pre_auth_features()) {
                features->add_child(f->deep_copy());
            }
        }
    } else {
        features->add("bind", std::string(ns::bind));
        features->add("session", std::string(ns::session)).add("optional", std::string(ns::session));
        features->add("sm", std::string(ns::sm));  // XEP-0198 §2
        for (const auto& f : table_->stream_features()) {
            features->add_child(f->deep_copy());
        }
    }
    send(*features);
}

void C2sSession::send(const xml::Element& e) { channel_->write(e); }

auth::ChannelBindings C2sSession::channel_bindings() const {
    SSL* ssl = channel_->ssl();
    return ssl ? auth::channel_bindings(ssl) : auth::ChannelBindings{};
}

void C2sSession::deliver(const xml::ElementRef& stanza) {
    if (handed_over_) {
        // Routed here before the resumed session took the resource over.
        if (auto next = successor_.lock()) {
            asio::post(next->executor(), [next, stanza] { next->deliver(stanza); });
        }
        return;
    }
    if (state_ == State::resuming) {
        resume_backlog_.push_back(stanza);
        return;
    }
    if (state_ == State::hibernating) {
        // Kept for the resumed stream, or delivered elsewhere if none comes (§5).
        sm_->sent(stanza, std::chrono::system_clock::now());
        if (sm_->unacked().size() > svc_.config.sm_max_unacked && hibernation_) {
            hibernation_->cancel();
        }
        return;
    }
    if (state_ != State::bound) {
        return;
    }
    if (filter() && filter()->hold(*this, stanza)) {
        return;
    }
    deliver_unfiltered(stanza);
}

void C2sSession::deliver_unfiltered(const xml::ElementRef& stanza) {
    if (state_ != State::bound) {
        if (state_ == State::hibernating || state_ == State::resuming || handed_over_) {
            deliver(stanza);
        }
        return;
    }
    if (may_write()) {
        send_stanza(stanza);
    }
}

void C2sSession::deliver_prepared(const xml::ElementRef& stanza, const xml::Prepared& bytes) {
    if (state_ != State::bound) {
        deliver(stanza);
        return;
    }
    if (filter() && filter()->hold(*this, stanza)) {
        return;
    }
    if (may_write()) {
        channel_->write_prepared(*stanza, bytes, stanza->attr_or("to"));
        sent_stanza(stanza);
    }
}

bool C2sSession::may_write() {
    if (channel_->queued() > kMaxQueuedBytes) {
        // A client that does not read must not make the server hold an
        // unbounded backlog for it (RFC 6120 §4.9.3.17).
        close({StreamCondition::resource_constraint, "too much unread data queued for this client"});
        return false;
    }
    return true;
}

void C2sSession::send_stanza(const xml::ElementRef& stanza) {
    send(*stanza);
    sent_stanza(stanza);
}

void C2sSession::sent_stanza(const xml::ElementRef& stanza) {
    if (!sm_) {
        return;
    }
    sm_->sent(stanza, std::chrono::system_clock::now());
    if (sm_->unacked().size() > svc_.config.sm_max_unacked) {
        close({StreamCondition::resource_constraint,
               "too many stanzas not acknowledged (XEP-0198)"});
        return;
    }
    request_ack();
}

void C2sSession::close(StreamError err) {
    if (state_ == State::closed) {
        return;
    }
    if (!header_sent_) {
        auto header = xml::Element::make("stream", std::string(ns::streams));
        header->set_attr("id", random_hex(16));
        header->set_attr("version", "1.0");
        channel_->write_header(*header);
        header_sent_ = true;
    }
    channel_->write(*err.to_element());
    channel_->write_close();
    channel_->close_after_write();
    spdlog::info("[{}] stream error <{}/> to {}{}{}", id(), xmpp::to_string(err.condition),
                 jid().empty() ? channel_->remote_address() : jid().str(),
                 err.text.empty() ? "" : ": ", err.text);
    state_ = State::closed;
}

asio::awaitable<void> C2sSession::on_element(xml::ElementPtr el) {
    switch (state_) {
        case State::negotiating:
            if (el->is("starttls", ns::tls)) {
                co_await on_starttls();
            } else if (el->is("auth", ns::sasl) && user_.empty()) {
                co_await on_auth(*el);
            } else if (el->is("resume", ns::sm) && !user_.empty()) {
                co_await on_resume(*el);
            } else if (el->is("enable", ns::sm) && !user_.empty()) {
                send(*sm_failed("unexpected-request"));  // §3: bind a resource first
            } else if (el->is("iq", ns::client)) {
                co_await on_pre_bind_iq(*el);
            } else {
                close({StreamCondition::not_authorized, "authenticate and bind a resource first"});
            }
            break;
        case State::authenticating:
            if (el->is("response", ns::sasl)) {
                co_await on_sasl_response(*el);
            } else if (el->is("abort", ns::sasl)) {
                sasl_fail(auth::SaslFailure::aborted, "client aborted");
            } else {
                close({StreamCondition::not_authorized, "SASL negotiation in progress"});
            }
            break;
        case State::bound:
            if (el->ns() == ns::sm) {
                on_sm_element(*el);
            } else if (const NonzaHandler* h = table_->nonza(el->ns())) {
                (*h)(*this, *el);
            } else {
                co_await on_stanza(std::move(el));
            }
            break;
        default:
            close({StreamCondition::not_authorized, {}});
            break;
    }
}

asio::awaitable<void> C2sSession::on_starttls() {
    if (!channel_->can_starttls()) {
        auto f = xml::Element::make("failure", std::string(ns::tls));
        send(*f);
        close({StreamCondition::policy_violation,
               secure() ? "TLS is already in use" : "STARTTLS is not available on this transport"});
        co_return;
    }
    send(*xml::Element::make("proceed", std::string(ns::tls)));
    const bool handshake_ok = co_await channel_->starttls(svc_.tls.default_context().native_handle());
    if (!handshake_ok) {
        spdlog::info("[{}] STARTTLS handshake with {} failed", id(), channel_->remote_address());
        state_ = State::closed;
        co_return;
    }
    state_ = State::wait_header;
    restart_ = true;
}

asio::awaitable<void> C2sSession::on_auth(const xml::Element& el) {
    if (svc_.config.require_encryption && !secure()) {
        // RFC 6120 §6.4.5 encryption-required: no SASL before TLS here.
        auto f = xml::Element::make("failure", std::string(ns::sasl));
        f->add("encryption-required", std::string(ns::sasl));
        send(*f);
        co_return;
    }
    if (svc_.auth_failures.blocked("ip:" + channel_->remote_address())) {
        sasl_fail(auth::SaslFailure::temporary_auth_failure, "too many failed logins from this address");
        co_return;
    }
    auto name = el.attr_or("mechanism");
    const auto cb = channel_bindings();
    sasl_ = auth::make_mechanism(name, secure(), cb);
    if (!sasl_) {
        sasl_fail(auth::SaslFailure::invalid_mechanism, fmt::format("mechanism '{}'", name));
        co_return;
    }
    state_ = State::authenticating;
    auto text = el.text();
    if (text.empty()) {
        // No initial response: ask for it with an empty challenge (RFC 6120 §6.4.2).
        send(*sasl_element("challenge", {}, false));
        co_return;
    }
    auto data = text == "=" ? std::optional<std::string>("") : auth::base64_decode(text);
    if (!data) {
        sasl_fail(auth::SaslFailure::incorrect_encoding, "bad base64");
        co_return;
    }
    co_await sasl_continue(sasl_->step(*data));
}

asio::awaitable<void> C2sSession::on_sasl_response(const xml::Element& el) {
    auto text = el.text();
    auto data = text.empty() || text == "=" ? std::optional<std::string>("")
                                            : auth::base64_decode(text);
    if (!data) {
        sasl_fail(auth::SaslFailure::incorrect_encoding, "bad base64");
        co_return;
    }
    co_await sasl_continue(sasl_->step(*data));
}

asio::awaitable<void> C2sSession::sasl_continue(auth::SaslStep step) {
    for (;;) {
        switch (step.kind) {
            case auth::SaslStep::Kind::need_credentials: {
                sasl_user_ = step.username;
                auto bare = sasl_user_ + "@" + host_;
                if (svc_.auth_failures.blocked("user:" + bare)) {
                    sasl_fail(auth::SaslFailure::temporary_auth_failure,
                              "too many failed logins for " + bare);
                    co_return;
                }
                auto creds = co_await svc_.storage.accounts().credentials(bare);
                if (!creds) {
                    spdlog::error("[{}] credentials of {}: {}", id(), bare, creds.error().message);
                    sasl_fail(auth::SaslFailure::temporary_auth_failure, "storage failure");
                    co_return;
                }
                if (state_ == State::closed) {
                    co_return;
                }
                step = sasl_->credentials(*creds);
                continue;
            }
            case auth::SaslStep::Kind::challenge:
                send(*sasl_element("challenge", step.data, false));
                co_return;
            case auth::SaslStep::Kind::success: {
                auto bare = step.username + "@" + host_;
                if (!step.authzid.empty()) {
                    auto az = xmpp::Jid::parse(step.authzid);
                    if (!az || az->bare_str() != bare) {
                        sasl_fail(auth::SaslFailure::invalid_authzid, "authzid " + step.authzid);
                        co_return;
                    }
                }
                user_ = step.username;
                sasl_.reset();
                send(*sasl_element("success", step.data, false));
                spdlog::info("[{}] {} authenticated from {}{}", id(), bare,
                             channel_->remote_address(), secure() ? " (TLS)" : "");
                state_ = State::wait_header;
                restart_ = true;
                co_return;
            }
            case auth::SaslStep::Kind::failure:
                sasl_fail(step.failure, step.text);
                co_return;
        }
    }
}

void C2sSession::sasl_fail(auth::SaslFailure f, const std::string& why) {
    sasl_.reset();
    state_ = State::negotiating;
    auto failure = xml::Element::make("failure", std::string(ns::sasl));
    failure->add(std::string(auth::to_string(f)), std::string(ns::sasl));
    send(*failure);
    auto who = sasl_user_.empty() ? std::string("(unknown user)") : sasl_user_ + "@" + host_;
    spdlog::info("[{}] authentication of {} from {} failed: <{}/> {}", id(), who,
                 channel_->remote_address(), auth::to_string(f), why);
    if (f == auth::SaslFailure::not_authorized) {
        svc_.auth_failures.hit("ip:" + channel_->remote_address());
        if (!sasl_user_.empty()) {
            svc_.auth_failures.hit("user:" + sasl_user_ + "@" + host_);
        }
    }
    sasl_user_.clear();
    if (f != auth::SaslFailure::aborted && ++sasl_failures_ >= kMaxSaslFailuresPerStream) {
        close({StreamCondition::policy_violation, "too many failed authentication attempts"});
    }
}

void C2sSession::send_iq_error(const xml::Element& iq, StanzaError err) {
    if (auto reply = xmpp::make_error_reply(iq, err)) {
        if (state_ == State::bound) {
            send_stanza(std::move(reply));
        } else {
            send(*reply);
        }
    }
}

asio::awaitable<void> C2sSession::on_pre_bind_iq(const xml::Element& iq) {
    auto* payload = iq.first_child();
    if (!user_.empty()) {
        if (payload && payload->is("bind", ns::bind)) {
            co_await on_bind(iq);
        } else if (payload && payload->is("session", ns::session)) {
            send_iq_error(iq, StanzaError(Condition::not_allowed, "bind a resource first"));
        } else {
            close({StreamCondition::not_authorized, "bind a resource first (RFC 6120 §7.1)"});
        }
        co_return;
    }
    // XEP-0077 in-band registration and similar pre-authentication services.
    auto type = iq.attr_or("type");
    const IqHandler* h = nullptr;
    if (payload && (type == "get" || type == "set") &&
        (secure() || !svc_.config.require_encryption)) {
        h = table_->iq(type == "set" ? IqType::set : IqType::get, IqScope::pre_auth,
                       payload->ns(), payload->name());
    }
    if (!h) {
        close({StreamCondition::not_authorized, "authenticate first (RFC 6120 §6)"});
        co_return;
    }
    auto stanza = iq.shallow_copy();
    auto self = std::static_pointer_cast<C2sSession>(shared_from_this());
    IqRequest req(stanza, *payload, xmpp::Jid{}, xmpp::Jid::parse(host_).value(), this,
                  svc_.router, [self](xml::ElementRef reply) { self->send(*reply); });
    co_await (*h)(req);
    if (!req.answered()) {
        req.reply_error(StanzaError(Condition::internal_server_error));
    }
}

asio::awaitable<void> C2sSession::on_bind(const xml::Element& iq) {
    if (iq.attr_or("type") != "set") {
        send_iq_error(iq, StanzaError(Condition::bad_request));
        co_return;
    }
    const auto* bind = iq.child("bind", ns::bind);
    auto requested = bind->child_text("resource", ns::bind).value_or("");
    std::string resource;
    if (requested.empty()) {
        resource = "parley-" + random_hex(6);  // RFC 6120 §7.6.2.1: server-generated
    } else if (auto r = xmpp::normalize_resourcepart(requested)) {
        resource = *r;
    } else {
        send_iq_error(iq, StanzaError(Condition::bad_request, "invalid resourcepart (RFC 7622 §3.4)"));
        co_return;
    }
    auto full = xmpp::Jid::from_parts(user_, host_, resource);
    if (!full) {
        send_iq_error(iq, StanzaError(Condition::bad_request, full.error().reason));
        co_return;
    }
    set_jid(*full);
    auto policy = svc_.config.resource_conflict == "refuse" ? ConflictPolicy::refuse_new
                                                             : ConflictPolicy::replace_old;
    auto result = svc_.router.sessions().bind(*full, shared_from_this(), policy);
    if (!result.bound) {
        // RFC 6120 §7.7.2.2: the resource is in use and the policy keeps the old session.
        set_jid({});
        send_iq_error(iq, StanzaError(Condition::conflict));
        co_return;
    }
    if (result.replaced) {
        asio::post(result.replaced->executor(), [old = result.replaced] {
            old->close({StreamCondition::conflict, "replaced by a new session with this resource"});
        });
    }
    state_ = State::bound;
    auto reply = xml::Element::make("iq", std::string(ns::client));
    reply->set_attr("type", "result");
    reply->set_attr("id", std::string(iq.attr_or("id")));
    reply->add("bind", std::string(ns::bind)).add_text_child("jid", std::string(ns::bind), full->str());
    send(*reply);
    spdlog::info("[{}] bound {}", id(), full->str());
    co_await table_->run(SessionHook::bound, *this);
}

asio::awaitable<void> C2sSession::on_stanza(xml::ElementPtr el) {
    if (sm_) {
        sm_->received();  // XEP-0198 §4: every stanza counts, whatever becomes of it
    }
    if (!is_stanza(*el)) {
        close({StreamCondition::unsupported_stanza_type,
               fmt::format("<{}/> in '{}' is not a stanza", el->name(), el->ns())});
        co_return;
    }
    auto type = el->attr_or("type");
    if (el->name() == "iq") {
        if (auto* p = el->first_child(); p && p->is("bind", ns::bind)) {
            // RFC 6120 §7.7.2.1: one resource per stream.
            send_iq_error(*el, StanzaError(Condition::not_allowed, "a resource is bound already"));
            co_return;
        }
        if (auto* p = el->first_child(); p && p->is("session", ns::session) && !el->attr("to")) {
            // RFC 3921 §3: the legacy session iq, now a no-op (RFC 6121 Appendix E).
            auto reply = xml::Element::make("iq", std::string(ns::client));
            reply->set_attr("type", "result");
            reply->set_attr("id", std::string(el->attr_or("id")));
            send_stanza(std::move(reply));
            co_return;
        }
        if (!el->attr("id") ||
            (type != "get" && type != "set" && type != "result" && type != "error")) {
            send_iq_error(*el, StanzaError(Condition::bad_request,
                                           "an iq needs an id and a type (RFC 6120 §8.2.3)"));
            co_return;
        }
    }
    // RFC 6120 §8.1.2.1: the server stamps 'from'; a client may only claim its own JID.
    if (auto from = el->attr("from")) {
        auto j = xmpp::Jid::parse(*from);
        if (!j || (*j != jid() && *j != jid().bare())) {
            close({StreamCondition::invalid_from, fmt::format("'from' is not {}", jid().str())});
            co_return;
        }
    }
    el->set_attr("from", jid().str());
    xmpp::Jid to;
    if (auto to_attr = el->attr("to")) {
        auto j = xmpp::Jid::parse(*to_attr);
        if (!j) {
            send_iq_error(*el, StanzaError(Condition::jid_malformed, j.error().reason));
            co_return;
        }
        to = std::move(*j);
        if (to.str() != *to_attr) {
            el->set_attr("to", to.str());  // normalized (RFC 7622)
        }
    }
    xml::ElementRef stanza = std::move(el);
    const StanzaKind kind = stanza_kind(*stanza);
    StanzaEvent ev{stanza, kind, stanza->attr_or("type"), jid(),
                   to.empty() ? jid().bare() : std::move(to), this, svc_.router};
    const StanzaHook hook = kind == StanzaKind::message    ? StanzaHook::message_from_client
                            : kind == StanzaKind::presence ? StanzaHook::presence_from_client
                                                           : StanzaHook::iq_from_client;
    if (table_->hooked(hook)) {
        const Handled handled = co_await table_->run(hook, ev);
        if (handled == Handled::yes) {
            co_return;
        }
    }
    co_await svc_.router.route(ev);
}

asio::awaitable<void> C2sSession::on_closed() {
    if (state_ != State::closed && state_ != State::hibernating) {
        channel_->write_close();
        channel_->close_after_write();
    }
    bool was_bound = state_ == State::bound || state_ == State::hibernating ||
                     (state_ == State::closed && !jid().empty());
    state_ = State::closed;
    if (was_bound && !unbound_) {
        unbound_ = true;
        svc_.router.sessions().unbind(jid(), this);
        co_await table_->run(SessionHook::closed, *this);
        spdlog::info("[{}] {} disconnected", id(), jid().str());
        if (sm_) {
            svc_.resumable.remove(sm_->id(), this);
            co_await settle_unacked();
        }
    }
}


// --- XEP-0198 stream management ----------------------------------------------

void C2sSession::on_sm_element(const xml::Element& el) {
    if (el.name() == "enable") {
        on_enable(el);
        return;
    }
    if (!sm_) {
        send(*sm_failed("unexpected-request"));  // §3: not enabled on this stream
        return;
    }
    if (el.name() == "r") {
        // §4: how many stanzas we have handled from the client.
        auto a = sm_element("a");
        a->set_attr("h", std::to_string(sm_->handled()));
        send(*a);
        return;
    }
    if (el.name() == "a") {
        auto h = parse_count(el.attr_or("h"));
        if (!h || !sm_->acknowledge(*h)) {
            // §4: an 'h' above what was sent ends the stream.
            auto err = StreamError{StreamCondition::undefined_condition,
                                   fmt::format("acknowledged {} stanzas, {} were sent",
                                               el.attr_or("h"), sm_->sent_count())};
            auto too_high = sm_element("handled-count-too-high");
            too_high->set_attr("h", std::string(el.attr_or("h")));
            too_high->set_attr("send-count", std::to_string(sm_->sent_count()));
            err.app_condition = std::move(too_high);
            close(std::move(err));
            return;
        }
        sm_->awaiting_ack = false;
        if (!sm_->unacked().empty()) {
            request_ack();  // stanzas sent after our last <r/>
        }
        return;
    }
    send(*sm_failed("feature-not-implemented"));
}

void C2sSession::on_enable(const xml::Element& el) {
    if (sm_) {
        send(*sm_failed("unexpected-request"));  // §3: once per stream
        return;
    }
    const auto resume_attr = el.attr_or("resume");
    const bool resumable =
        (resume_attr == "true" || resume_attr == "1") && svc_.config.sm_resume_timeout > 0;
    sm_ = std::make_unique<StreamManagement>(random_hex(16), resumable);
    auto enabled = sm_element("enabled");
    if (resumable) {
        enabled->set_attr("id", sm_->id());
        enabled->set_attr("resume", "true");
        enabled->set_attr("max", std::to_string(svc_.config.sm_resume_timeout));
        svc_.resumable.add(sm_->id(), jid().bare_str(),
                           std::static_pointer_cast<C2sSession>(shared_from_this()));
    }
    send(*enabled);
    spdlog::debug("[{}] stream management enabled{}", id(), resumable ? ", resumable" : "");
}

void C2sSession::request_ack() {
    if (!sm_->awaiting_ack && state_ == State::bound) {
        sm_->awaiting_ack = true;
        send(*sm_element("r"));
    }
}

asio::awaitable<void> C2sSession::hibernate() {
    state_ = State::hibernating;
    channel_->close();
    spdlog::info("[{}] {} lost its connection; keeping the session {} s for it to resume "
                 "(XEP-0198), {} stanzas unacknowledged",
                 id(), jid().str(), svc_.config.sm_resume_timeout, sm_->unacked().size());
    hibernation_.emplace(executor(), std::chrono::seconds(svc_.config.sm_resume_timeout));
    boost::system::error_code ec;
    co_await hibernation_->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    hibernation_.reset();
    if (!handed_over_) {
        spdlog::info("[{}] {} was not resumed{}; ending the session", id(), jid().str(),
                     ec ? " (too many stanzas waiting)" : " in time");
    }
}

std::optional<C2sSession::Handover> C2sSession::hand_over(
    const std::shared_ptr<C2sSession>& successor) {
    if (handed_over_ || !sm_ || (state_ != State::bound && state_ != State::hibernating)) {
        return std::nullopt;
    }
    // From here the router finds the successor for this resource; what it
    // already sent our way is forwarded by deliver().
    if (!svc_.router.sessions().rebind(jid(), this, successor)) {
        return std::nullopt;
    }
    handed_over_ = true;
    successor_ = successor;
    if (state_ == State::bound) {
        // The old connection is still open (the client noticed the drop first).
        spdlog::info("[{}] {} resumed on another connection; closing this one", id(), jid().str());
        channel_->close();
    }
    state_ = State::closed;
    if (hibernation_) {
        hibernation_->cancel();
    }
    return Handover{jid(), std::move(sm_), take_ext(), take_filter()};
}

asio::awaitable<void> C2sSession::on_resume(const xml::Element& el) {
    const std::string previd(el.attr_or("previd"));
    const auto h = parse_count(el.attr_or("h"));
    const std::string bare = user_ + "@" + host_;
    auto old = h ? svc_.resumable.find(previd, bare) : nullptr;
    if (!old) {
        // §5: unknown, expired or someone else's session; the client binds afresh.
        send(*sm_failed("item-not-found"));
        co_return;
    }
    state_ = State::resuming;
    auto self = std::static_pointer_cast<C2sSession>(shared_from_this());
    auto take = [old, self]() { return old->hand_over(self); };
    const auto old_executor = old->executor();  // named: no temporaries in a co_await (GCC 12)
    auto handover = co_await run_on(old_executor, std::move(take));
    if (state_ != State::resuming) {
        co_return;  // this connection ended meanwhile
    }
    if (!handover) {
        state_ = State::negotiating;
        send(*sm_failed("item-not-found"));
        co_return;
    }
    set_jid(std::move(handover->jid));
    set_ext(std::move(handover->ext));
    set_delivery_filter(std::move(handover->filter));
    sm_ = std::move(handover->sm);
    svc_.resumable.add(sm_->id(), bare, self);
    state_ = State::bound;
    if (!sm_->acknowledge(*h)) {
        close({StreamCondition::undefined_condition,
               fmt::format("resumed acknowledging {} stanzas, {} were sent", *h, sm_->sent_count())});
        co_await on_closed();
        co_return;
    }
    auto resumed = sm_element("resumed");
    resumed->set_attr("h", std::to_string(sm_->handled()));
    resumed->set_attr("previd", sm_->id());
    send(*resumed);
    // §5: everything the client did not acknowledge, again, in order.
    for (const auto& s : sm_->unacked()) {
        send(*s.stanza);
    }
    sm_->awaiting_ack = false;
    spdlog::info("[{}] {} resumed from {} (XEP-0198), {} stanzas sent again", id(), jid().str(),
                 channel_->remote_address(), sm_->unacked().size());
    auto backlog = std::move(resume_backlog_);
    for (const auto& stanza : backlog) {
        send_stanza(stanza);
    }
    if (!sm_->unacked().empty()) {
        request_ack();
    }
}

asio::awaitable<void> C2sSession::settle_unacked() {
    auto unacked = sm_->take_unacked();
    std::size_t redelivered = 0;
    std::size_t bounced = 0;
    for (const auto& s : unacked) {
        const auto& st = *s.stanza;
        const auto type = st.attr_or("type");
        if (st.name() == "message" && type != "groupchat" && type != "error" &&
            type != "headline") {
            // Delivered again to the account (other resources or offline
            // storage), stamped with when it first came (XEP-0203).
            auto copy = st.shallow_copy();
            if (!copy->child("delay", ns::delay)) {
                auto& delay = copy->add("delay", std::string(ns::delay));
                delay.set_attr("from", host_);
                delay.set_attr("stamp", xmpp::datetime::format_utc(
                                            std::chrono::time_point_cast<std::chrono::seconds>(s.when)));
            }
            auto from = xmpp::Jid::parse(copy->attr_or("from"));
            xml::ElementRef stanza = std::move(copy);
            StanzaEvent ev{stanza, StanzaKind::message, stanza->attr_or("type"),
                           from ? std::move(*from) : xmpp::Jid::parse(host_).value(),
                           jid().bare(), nullptr, svc_.router};
            co_await svc_.router.redeliver(ev);
            ++redelivered;
        } else if (st.name() == "iq" && (type == "get" || type == "set")) {
            svc_.router.bounce(st, StanzaError(Condition::recipient_unavailable));
            ++bounced;
        }
    }
    if (!unacked.empty()) {
        spdlog::info("[{}] {}: {} unacknowledged stanzas: {} messages delivered again, {} iqs "
                     "bounced, the rest dropped (XEP-0198 §5)",
                     id(), jid().str(), unacked.size(), redelivered, bounced);
    }
}

}  // namespace parley
