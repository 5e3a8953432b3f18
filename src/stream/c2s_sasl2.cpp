// C2sSession's XEP-0388 SASL2 exchange (v0.4), with what may be negotiated
// inside it: XEP-0386 Bind 2 (v1.0), XEP-0198 resumption and enabling (the
// SASL2/Bind 2 integration of XEP-0198 v1.6), and XEP-0484 FAST tokens
// (v0.2). The SASL mechanisms themselves are the ones of RFC 6120 SASL
// (auth/), plus the HT-* token mechanisms (auth/fast.hpp). No stream restart
// follows a SASL2 <success/> (XEP-0388 §2.6.1): the stream features of the
// authenticated stream follow it at once.
#include <boost/asio/post.hpp>

#include <chrono>

#include <spdlog/spdlog.h>

#include "auth/fast.hpp"
#include "core/config.hpp"
#include "core/throttle.hpp"
#include "router/router.hpp"
#include "storage/stores.hpp"
#include "stream/c2s_session.hpp"
#include "stream/sasl2.hpp"
#include "stream/stream_util.hpp"
#include "xmpp/datetime.hpp"
#include "xmpp/ns.hpp"

namespace parley {

namespace asio = boost::asio;
using xmpp::StreamCondition;

namespace {

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string xep0082(std::int64_t unix_seconds) {
    return xmpp::datetime::format_utc(std::chrono::sys_seconds{std::chrono::seconds{unix_seconds}});
}

}  // namespace

bool C2sSession::fast_store_ok(const Error* err, const std::string& bare, bool fail_auth) {
    if (state_ == State::closed) {
        return false;
    }
    if (err) {
        spdlog::error("[{}] FAST tokens of {}: {}", id(), bare, err->message);
        if (fail_auth) {
            sasl_fail(auth::SaslFailure::temporary_auth_failure, "storage failure");
        }
        return false;
    }
    return true;
}

bool C2sSession::fast_offered() const {
    // XEP-0484 §7: FAST only over an encrypted connection.
    return secure() && svc_.config.fast_token_lifetime > 0;
}

void C2sSession::add_sasl2_feature(xml::Element& features, const std::vector<std::string>& mechanisms,
                                   const auth::ChannelBindings& cb) {
    // XEP-0388 §2.1: the same mechanisms as RFC 6120 SASL, and what may be
    // negotiated inline.
    auto& a = features.add("authentication", std::string(sasl2::kNs));
    for (const auto& m : mechanisms) {
        a.add_text_child("mechanism", std::string(sasl2::kNs), m);
    }
    auto& inline_ = a.add("inline", std::string(sasl2::kNs));
    // XEP-0386 §2.1: Bind 2 and the features its request may enable.
    auto& bind_inline = inline_.add("bind", std::string(sasl2::kBindNs)).add("inline", std::string(sasl2::kBindNs));
    bind_inline.add("feature", std::string(sasl2::kBindNs)).set_attr("var", std::string(ns::sm));
    for (const auto& var : table_->bind_inline_features()) {
        bind_inline.add("feature", std::string(sasl2::kBindNs)).set_attr("var", var);
    }
    // XEP-0198: resumption inside <authenticate/>.
    inline_.add("sm", std::string(ns::sm));
    if (fast_offered()) {
        // XEP-0484 §4.1.
        auto& fast = inline_.add("fast", std::string(sasl2::kFastNs));
        for (const auto& m : auth::fast::offered_mechanisms(cb)) {
            fast.add_text_child("mechanism", std::string(sasl2::kFastNs), m);
        }
    }
}

asio::awaitable<void> C2sSession::on_sasl2_authenticate(const xml::ElementPtr& el) {
    if (svc_.config.require_encryption && !secure()) {
        send(*sasl2::failure(auth::SaslFailure::encryption_required, {}));
        co_return;
    }
    auto parsed = sasl2::parse_authenticate(*el);
    if (auto* err = std::get_if<sasl2::ParseError>(&parsed)) {
        sasl2_.emplace(sasl2::Exchange{el, {}});
        sasl_fail(err->condition, err->text);
        co_return;
    }
    sasl2_.emplace(sasl2::Exchange{el, std::move(std::get<sasl2::Authenticate>(parsed))});
    if (svc_.auth_failures.blocked("ip:" + remote_address())) {
        sasl_fail(auth::SaslFailure::temporary_auth_failure, "too many failed logins from this address");
        co_return;
    }
    const auto& a = sasl2_->auth;
    const auto cb = channel_bindings();
    if (auto ht = auth::fast::parse_mechanism(a.mechanism)) {
        co_await sasl2_fast(*ht, cb);
        co_return;
    }
    sasl_ = auth::make_mechanism(a.mechanism, secure(), cb);
    if (!sasl_) {
        sasl_fail(auth::SaslFailure::invalid_mechanism, fmt::format("mechanism '{}'", a.mechanism));
        co_return;
    }
    state_ = State::authenticating;
    if (!a.initial_response) {
        send(*sasl2::challenge({}));  // §2.2: no initial response; the mechanism starts
        co_return;
    }
    const std::string initial = *a.initial_response;
    co_await sasl_continue(sasl_->step(initial));
}

asio::awaitable<void> C2sSession::on_sasl2_response(const xml::Element& el) {
    if (!sasl_) {
        sasl_fail(auth::SaslFailure::malformed_request, "no challenge to respond to");
        co_return;
    }
    auto data = sasl2::decode_payload(el);
    if (!data) {
        sasl_fail(auth::SaslFailure::incorrect_encoding, "bad base64");
        co_return;
    }
    co_await sasl_continue(sasl_->step(*data));
}

// XEP-0484 §4.3 with the HT-* mechanisms: one round trip, checked against the
// tokens of this account and client.
asio::awaitable<void> C2sSession::sasl2_fast(const auth::fast::HtMechanism& m,
                                             const auth::ChannelBindings& cb) {
    const auto& a = sasl2_->auth;
    if (!fast_offered()) {
        sasl_fail(auth::SaslFailure::invalid_mechanism, "FAST is not offered on this stream");
        co_return;
    }
    auto cb_data = auth::fast::binding_data(m, cb);
    if (!cb_data) {
        sasl_fail(auth::SaslFailure::invalid_mechanism,
                  fmt::format("{}: no such channel binding on this connection", m.name));
        co_return;
    }
    if (!a.fast || a.user_agent_id.empty()) {
        // §5.1: a token login names itself with <fast/> and a <user-agent id/>.
        sasl_fail(auth::SaslFailure::malformed_request, "a token login needs <fast/> and <user-agent id=.../>");
        co_return;
    }
    auto initial = a.initial_response ? auth::fast::parse_initial_response(*a.initial_response)
                                      : std::nullopt;
    if (!initial) {
        sasl_fail(auth::SaslFailure::malformed_request, "HT initial response is authcid NUL proof");
        co_return;
    }
    auto user = xmpp::normalize_localpart(initial->authcid);
    if (!user) {
        sasl_fail(auth::SaslFailure::not_authorized, "username is not a valid localpart");
        co_return;
    }
    sasl_user_ = *user;
    const std::string bare = sasl_user_ + "@" + host_;
    if (svc_.auth_failures.blocked("user:" + bare)) {
        sasl_fail(auth::SaslFailure::temporary_auth_failure, "too many failed logins for " + bare);
        co_return;
    }
    state_ = State::authenticating;
    const std::string client = a.user_agent_id;
    auto slots = co_await svc_.storage.fast_tokens().get(bare, client);
    if (!fast_store_ok(slots ? nullptr : &slots.error(), bare, true)) {
        co_return;
    }
    const auto now = unix_now();
    const auto match = auth::fast::verify(*slots, m, initial->proof, *cb_data, now);
    if (match == auth::fast::Match::none) {
        sasl_fail(auth::SaslFailure::not_authorized, "FAST token not valid (unknown, expired or another mechanism)");
        co_return;
    }
    const auto used = auth::fast::used_token(*slots, match);
    auto after = a.fast_invalidate ? auth::fast::TokenSlots{} : auth::fast::after_use(*slots, match);
    // §4.4: a token in the second half of its life is replaced (unless the
    // client is logging out with it, §4.5).
    const auto lifetime = static_cast<std::int64_t>(svc_.config.fast_token_lifetime);
    const bool rotate = !a.fast_invalidate && a.request_token.empty() &&
                        auth::fast::due_for_rotation(used, now, lifetime / 2);
    SaslOutcome outcome;
    outcome.additional_data = auth::fast::responder_proof(m.hash, used.secret, *cb_data);
    if (rotate) {
        auto t = auth::fast::make_token(used.mechanism, now, lifetime);
        outcome.token = t;
        after.next = std::move(t);
    }
    if (a.fast_invalidate || match == auth::fast::Match::next || rotate) {
        auto stored = co_await svc_.storage.fast_tokens().put(bare, client, after);
        if (!fast_store_ok(stored ? nullptr : &stored.error(), bare, true)) {
            co_return;
        }
    }
    if (a.fast_invalidate) {
        spdlog::info("[{}] {} invalidated its FAST token (XEP-0484 §4.5)", id(), bare);
    }
    outcome.token_slots = std::move(after);
    const std::string username = sasl_user_;
    co_await sasl2_succeeded(username, outcome);
}

// After the mechanism succeeded: a requested token, resumption, binding,
// then <success/> and the features (XEP-0388 §2.6.1).
asio::awaitable<void> C2sSession::sasl2_succeeded(const std::string& username, SaslOutcome& outcome) {
    const auto& a = sasl2_->auth;
    user_ = username;  // may be sasl_user_, cleared next
    sasl_.reset();
    sasl_user_.clear();
    state_ = State::negotiating;
    const std::string bare = user_ + "@" + host_;
    spdlog::info("[{}] {} authenticated from {} with SASL2 {}{}", id(), bare, remote_address(),
                 a.mechanism, a.software.empty() ? "" : " (" + a.software + ")");

    // XEP-0484 §4.2: a token for the next logins.
    if (!a.request_token.empty()) {
        co_await issue_fast_token(bare, outcome);
        if (state_ == State::closed) {
            co_return;
        }
    }

    // XEP-0198 with SASL2: resumption first; on success no binding (XEP-0386 §2.2 note).
    xml::ElementPtr sm_answer;
    if (a.resume) {
        sm_answer = co_await resume_session(*a.resume);
        if (state_ == State::closed || !sm_answer) {
            co_return;
        }
    }
    const bool resumed = state_ == State::bound;

    xml::ElementPtr bound;
    if (!resumed && a.bind) {
        bound = bind2(*a.bind);  // state_ is bound from here
    }
    auto success = sasl2::success(outcome.additional_data, state_ == State::bound ? jid().str() : bare);
    if (sm_answer) {
        success->add_child(std::move(sm_answer));
    }
    if (bound) {
        success->add_child(std::move(bound));
    }
    if (outcome.token) {
        auto& t = success->add("token", std::string(sasl2::kFastNs));
        t.set_attr("expiry", xep0082(outcome.token->expiry));
        t.set_attr("token", outcome.token->secret);
    }
    sasl2_.reset();
    send(*success);
    send_features();
    if (resumed) {
        resend_after_resume();
    } else if (state_ == State::bound) {
        spdlog::info("[{}] bound {} (XEP-0386)", id(), jid().str());
        co_await table_->run(SessionHook::bound, *this);
    }
}

asio::awaitable<void> C2sSession::issue_fast_token(const std::string& bare, SaslOutcome& outcome) {
    const auto& a = sasl2_->auth;
    auto m = auth::fast::parse_mechanism(a.request_token);
    const auto offered = auth::fast::offered_mechanisms(channel_bindings());
    if (!fast_offered() || !m || std::find(offered.begin(), offered.end(), m->name) == offered.end() ||
        a.user_agent_id.empty()) {
        // Authentication succeeded already; the request is ignored (logged).
        spdlog::info("[{}] {}: no FAST token: mechanism '{}' not offered or no <user-agent id/>", id(),
                     bare, a.request_token);
        co_return;
    }
    const std::string client = a.user_agent_id;
    auth::fast::TokenSlots slots;
    if (outcome.token_slots) {
        slots = std::move(*outcome.token_slots);
    } else {
        auto got = co_await svc_.storage.fast_tokens().get(bare, client);
        if (!fast_store_ok(got ? nullptr : &got.error(), bare, false)) {
            co_return;
        }
        slots = std::move(*got);
    }
    // §4.4: a new token goes to the 'new' slot (replacing one never used);
    // the current one stays valid until the new one is used.
    auto t = auth::fast::make_token(m->name, unix_now(),
                                    static_cast<std::int64_t>(svc_.config.fast_token_lifetime));
    slots.next = t;
    auto stored = co_await svc_.storage.fast_tokens().put(bare, client, slots);
    if (!fast_store_ok(stored ? nullptr : &stored.error(), bare, false)) {
        co_return;
    }
    outcome.token = std::move(t);
}

// XEP-0386 §2.2: binds a resource made from the tag and the client's id,
// enables the requested features; returns <bound/>. Synchronous from the
// registry's bind to the caller's <success/>, so nothing reaches the client
// before it.
xml::ElementPtr C2sSession::bind2(const sasl2::BindRequest& req) {
    const std::string bare = user_ + "@" + host_;
    const auto policy = svc_.config.resource_conflict == "refuse" ? ConflictPolicy::refuse_new
                                                                   : ConflictPolicy::replace_old;
    auto resource = sasl2::make_resource(bare, req.tag, sasl2_->auth.user_agent_id);
    auto full = xmpp::Jid::from_parts(user_, host_, resource);
    set_jid(*full);
    auto result = svc_.router.sessions().bind(*full, shared_from_this(), policy);
    if (!result.bound) {
        // The client's stable resource is taken and the policy keeps the old
        // session: a random one instead.
        full = xmpp::Jid::from_parts(user_, host_, sasl2::make_resource(bare, req.tag, {}));
        set_jid(*full);
        result = svc_.router.sessions().bind(*full, shared_from_this(), policy);
        if (!result.bound) {
            set_jid({});
            spdlog::info("[{}] Bind 2 for {} refused: resource in use", id(), bare);
            return nullptr;  // authenticated, not bound: the client may bind with an iq
        }
    }
    if (result.replaced) {
        // §2.2: an earlier session of the same client ends.
        asio::post(result.replaced->executor(), [old = result.replaced] {
            old->close({StreamCondition::conflict, "replaced by a new session of this client (XEP-0386)"});
        });
    }
    state_ = State::bound;
    auto bound = xml::Element::make("bound", std::string(sasl2::kBindNs));
    for (const auto* f : req.features) {
        if (f->is("enable", ns::sm)) {
            bound->add_child(enable_sm(*f));  // XEP-0198 <enabled/> or <failed/>
        } else if (const BindInlineHandler* h = table_->bind_inline(f->ns())) {
            (*h)(*this, *f, *bound);
        } else {
            spdlog::debug("[{}] Bind 2: no inline feature <{} xmlns='{}'/>", id(), f->name(), f->ns());
        }
    }
    return bound;
}

}  // namespace parley
