// XEP-0077 In-Band Registration v2.5:
//   §3.1   registration fields (<instructions/>, <username/>, <password/>),
//          account creation, conflict and not-acceptable errors,
//          service-unavailable when registration is off;
//   §3.1.1 registration with a server: before authentication only, limited
//          per IP address and to one account per stream (not-acceptable);
//   §3.2   cancellation (<remove/>): bad-request unless <remove/> is alone,
//          result, account removal, the roster's presence subscriptions
//          cancelled, <not-authorized/> stream error to every session of the
//          account;
//   §3.3   password change (bad-request when incomplete or for another user);
//   "Stream Feature": <register xmlns='http://jabber.org/features/iq-register'/>
//          before authentication, only when registration is allowed;
//   "Determining Support": the "jabber:iq:register" server disco feature.
// Not offered: §4 Extensibility (data forms), §5 Alternative Registration
// Medium (a web registration URL).
//
// Config ([modules.register]):
//   allow_registration (bool, default false) — let unauthenticated clients
//       create accounts (XEP-0077 "Security Considerations": a policy choice).
//   registrations_per_minute_per_ip (int, default 3) — accounts one IP address
//       may create per minute; 0 = no limit.
//   instructions (string) — the text of <instructions/>.
//
// Encryption: the c2s stream refuses pre-authentication iqs on a plaintext
// stream when require_encryption is on, so registration and password changes
// travel over TLS unless the administrator turned that off.
#include <boost/asio/post.hpp>

#include <spdlog/spdlog.h>

#include <memory>
#include <optional>
#include <string>

#include "auth/credentials.hpp"
#include "core/module.hpp"
#include "core/throttle.hpp"
#include "router/router.hpp"
#include "storage/stores.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod {

namespace {

namespace asio = boost::asio;
using xmpp::Condition;
using xmpp::ErrorType;
using xmpp::StanzaError;
using xmpp::StreamCondition;

constexpr std::string_view kDefaultInstructions =
    "Choose a username and password to register with this server.";

// Session slot: this (unauthenticated) stream created an account already.
struct RegisterState {
    bool registered = false;
};

std::string who(const Session* s) {
    if (s == nullptr) {
        return "(unknown address)";
    }
    auto ip = s->remote_address();
    return ip.empty() ? std::string("(unknown address)") : ip;
}

// The text of a child of <query/>, or nullopt when the child is absent.
std::optional<std::string> field(const xml::Element& query, std::string_view name) {
    return query.child_text(name, ns::register_);
}

class RegisterModule final : public Module {
public:
    Result<void> start(ModuleContext& ctx) override {
        allow_ = ctx.config().get_bool("allow_registration", false);
        auto per_minute = ctx.config().get_int("registrations_per_minute_per_ip", 3);
        if (per_minute < 0) {
            return fail("registrations_per_minute_per_ip must be 0 (no limit) or more");
        }
        per_ip_ = std::make_unique<Throttle>(static_cast<std::size_t>(per_minute));
        instructions_ = ctx.config().get_string("instructions", kDefaultInstructions);
        host_ = ctx.host();
        storage_ = &ctx.storage();
        router_ = &ctx.router();
        table_ = &ctx.table();

        ctx.add_feature(std::string(ns::register_));
        if (allow_) {
            ctx.add_pre_auth_stream_feature(
                xml::Element::make("register", std::string(ns::register_feature)));
        }
        // Before authentication (§3.1.1).
        ctx.on_iq(IqType::get, IqScope::pre_auth, ns::register_, "query",
                  [this](IqRequest& req) { return pre_auth_get(req); });
        ctx.on_iq(IqType::set, IqScope::pre_auth, ns::register_, "query",
                  [this](IqRequest& req) { return pre_auth_set(req); });
        // After authentication: with no 'to' (account scope) or to the server
        // (host scope, as in the §3.3 example).
        for (auto scope : {IqScope::account, IqScope::host}) {
            ctx.on_iq(IqType::get, scope, ns::register_, "query",
                      [this](IqRequest& req) { return account_get(req); });
            ctx.on_iq(IqType::set, scope, ns::register_, "query",
                      [this](IqRequest& req) { return account_set(req); });
        }
        return {};
    }

private:
    // --- before authentication ------------------------------------------------

    Awaitable<void> pre_auth_get(IqRequest& req) {
        if (!allow_) {
            req.reply_error(StanzaError(Condition::service_unavailable));  // §3.1
            co_return;
        }
        auto query = xml::Element::make("query", std::string(ns::register_));
        query->add_text_child("instructions", std::string(ns::register_), instructions_);
        query->add("username", std::string(ns::register_));
        query->add("password", std::string(ns::register_));
        req.reply(std::move(query));
    }

    Awaitable<void> pre_auth_set(IqRequest& req) {
        if (!allow_) {
            req.reply_error(StanzaError(Condition::service_unavailable));  // §3.1
            co_return;
        }
        const auto& query = req.payload();
        if (query.child("remove", ns::register_)) {
            // §3.2 table: nothing to cancel before authenticating.
            req.reply_error(StanzaError(Condition::unexpected_request, ErrorType::cancel,
                                        "authenticate before cancelling a registration"));
            co_return;
        }
        Session* origin = req.origin();
        if (origin && origin->ext<RegisterState>().registered) {
            // §3.1.1: one account per stream.
            req.reply_error(StanzaError(Condition::not_acceptable,
                                        "an account was registered on this stream already"));
            co_return;
        }
        auto username = field(query, "username");
        auto password = field(query, "password");
        if (!username || username->empty() || !password || password->empty()) {
            // §3.1: every field asked for, and a non-empty password.
            req.reply_error(StanzaError(Condition::not_acceptable,
                                        "a username and a password are required"));
            co_return;
        }
        auto local = xmpp::normalize_localpart(*username);
        if (!local) {
            req.reply_error(StanzaError(Condition::jid_malformed,
                                        "the username is not a valid localpart (RFC 7622 §3.3)"));
            co_return;
        }
        const auto ip = who(origin);
        const auto ip_key = origin ? origin->remote_address() : std::string();
        if (!ip_key.empty() && per_ip_->blocked(ip_key)) {
            spdlog::info("register: refused a registration from {}: too many from this address",
                         ip);
            req.reply_error(StanzaError(Condition::not_acceptable, ErrorType::wait,
                                        "too many registrations from this address; try later"));
            co_return;
        }
        auto creds = auth::derive_credentials(*password);
        if (!creds) {
            req.reply_error(StanzaError(Condition::not_acceptable,
                                        "the password has characters that are not allowed"));
            co_return;
        }
        const auto bare = *local + "@" + host_;
        auto created = co_await storage_->accounts().create(bare, *creds);
        if (!created) {
            spdlog::error("register: creating {} failed: {}", bare, created.error().message);
            req.reply_error(StanzaError(Condition::internal_server_error));
            co_return;
        }
        if (!*created) {
            req.reply_error(StanzaError(Condition::conflict, "this username is taken"));  // §3.1
            co_return;
        }
        if (!ip_key.empty()) {
            per_ip_->hit(ip_key);  // counts accounts created, not attempts
        }
        if (origin) {
            origin->ext<RegisterState>().registered = true;
        }
        spdlog::info("register: account {} created from {}", bare, ip);
        req.reply();
    }

    // --- after authentication ---------------------------------------------------

    // The sender's account when it is a user of this host asking about itself;
    // nullopt otherwise (another user's JID, a remote entity).
    std::optional<std::string> own_account(const IqRequest& req) const {
        const auto& from = req.from();
        if (from.local().empty() || from.domain() != host_) {
            return std::nullopt;
        }
        if (!req.to().local().empty() && !req.from_self()) {
            return std::nullopt;
        }
        return from.bare_str();
    }

    // §3.1: an entity already registered gets <registered/> and its username.
    Awaitable<void> account_get(IqRequest& req) {
        if (!own_account(req)) {
            req.reply_error(StanzaError(Condition::service_unavailable));
            co_return;
        }
        auto query = xml::Element::make("query", std::string(ns::register_));
        query->add("registered", std::string(ns::register_));
        query->add_text_child("instructions", std::string(ns::register_),
                              "You are registered. Send a new password to change it, or "
                              "<remove/> to delete your account.");
        query->add_text_child("username", std::string(ns::register_),
                              std::string(req.from().local()));
        query->add("password", std::string(ns::register_));
        req.reply(std::move(query));
    }

    Awaitable<void> account_set(IqRequest& req) {
        auto bare = own_account(req);
        if (!bare) {
            req.reply_error(StanzaError(Condition::service_unavailable));
            co_return;
        }
        if (req.payload().child("remove", ns::register_)) {
            co_await remove_account(req, *bare);
        } else {
            co_await change_password(req, *bare);
        }
    }

    // §3.3. Errors do not echo the request (xmpp::make_error_reply leaves an
    // iq's payload out), so the new password is never sent back.
    Awaitable<void> change_password(IqRequest& req, const std::string& bare) {
        const auto& query = req.payload();
        auto username = field(query, "username");
        auto password = field(query, "password");
        if (!username || !password || password->empty()) {
            // Incomplete; an empty password never replaces the current one.
            req.reply_error(StanzaError(Condition::bad_request,
                                        "a password change needs <username/> and <password/>"));
            co_return;
        }
        auto local = xmpp::normalize_localpart(*username);
        if (!local || *local != req.from().local()) {
            req.reply_error(StanzaError(Condition::bad_request,
                                        "<username/> is not the name of this account"));
            co_return;
        }
        auto creds = auth::derive_credentials(*password);
        if (!creds) {
            req.reply_error(StanzaError(Condition::not_acceptable,
                                        "the password has characters that are not allowed"));
            co_return;
        }
        auto changed = co_await storage_->accounts().set_credentials(bare, *creds);
        if (!changed || !*changed) {
            spdlog::error("register: changing the password of {} failed: {}", bare,
                          changed ? "no such account" : changed.error().message);
            req.reply_error(StanzaError(Condition::internal_server_error));
            co_return;
        }
        // The reply is an empty result: the server SHOULD NOT echo the
        // password back (§3.3).
        spdlog::info("register: password of {} changed from {}", bare, who(req.origin()));
        req.reply();
    }

    // §3.2, scenario 1 (the user's home server).
    Awaitable<void> remove_account(IqRequest& req, const std::string& bare) {
        if (req.payload().children().size() != 1) {
            req.reply_error(StanzaError(Condition::bad_request,
                                        "<remove/> must be the only child of <query/>"));
            co_return;
        }
        // Read before removal: removing the account deletes the roster too.
        auto roster = co_await storage_->roster().get(bare);
        if (!roster) {
            spdlog::warn("register: roster of {} before removal: {}", bare, roster.error().message);
        }
        auto removed = co_await storage_->accounts().remove(bare);
        if (!removed) {
            spdlog::error("register: removing {} failed: {}", bare, removed.error().message);
            req.reply_error(StanzaError(Condition::internal_server_error));
            co_return;
        }
        if (!*removed) {
            req.reply_error(StanzaError(Condition::registration_required));
            co_return;
        }
        spdlog::info("register: account {} removed by its owner from {}", bare, who(req.origin()));
        if (roster) {
            cancel_subscriptions(bare, *roster);
        }
        co_await table_->user_removed(bare);

        // The result must reach the requesting resource before its stream
        // error. A routed reply is a separate task that could lose the race
        // with the close, so the requesting session (whose thread this is)
        // gets the result written directly, then closes. req.reply() below
        // only marks the request answered: its routed copy meets a closed
        // stream and is dropped.
        const StreamCondition cond = StreamCondition::not_authorized;
        Session* origin = req.origin();
        if (origin) {
            auto result = xml::Element::make("iq", std::string(ns::client));
            result->set_attr("type", "result");
            result->set_attr("id", std::string(req.stanza().attr_or("id")));
            result->set_attr("to", origin->jid().str());
            origin->deliver(result);
            origin->close({cond, "the account was removed"});
        }
        req.reply();
        for (const auto& r : router_->sessions().resources(bare)) {
            auto s = r.session.lock();
            if (!s || s.get() == origin) {
                continue;
            }
            asio::post(r.executor, [w = r.session, cond] {
                if (auto s = w.lock()) {
                    s->close({cond, "the account was removed"});
                }
            });
        }
    }

    // §3.2: "the server SHOULD also cancel all existing presence
    // subscriptions related to that entity (as stored in the entity's
    // roster)": unavailable presence from each available resource and
    // 'unsubscribed' to contacts that saw the user's presence (RFC 6121
    // §3.2.3), 'unsubscribe' to contacts whose presence the user saw (§3.3.1).
    void cancel_subscriptions(const std::string& bare, const storage::Roster& roster) {
        auto resources = router_->sessions().resources(bare);
        auto send = [this](std::string_view type, const std::string& from, const std::string& to) {
            auto p = xml::Element::make("presence", std::string(ns::client));
            p->set_attr("type", std::string(type));
            p->set_attr("from", from);
            p->set_attr("to", to);
            router_->send(std::move(p));
        };
        for (const auto& item : roster.items) {
            using storage::Subscription;
            const auto sub = item.subscription;
            if (sub == Subscription::from || sub == Subscription::both) {
                for (const auto& r : resources) {
                    if (r.available) {
                        send("unavailable", bare + "/" + r.resource, item.jid);
                    }
                }
                send("unsubscribed", bare, item.jid);
            }
            if (sub == Subscription::to || sub == Subscription::both || item.ask) {
                send("unsubscribe", bare, item.jid);
            }
        }
    }

    bool allow_ = false;
    std::unique_ptr<Throttle> per_ip_;
    std::string instructions_;
    std::string host_;
    storage::Storage* storage_ = nullptr;
    Router* router_ = nullptr;
    const HookTable* table_ = nullptr;
};

}  // namespace

std::unique_ptr<Module> make_register_module() { return std::make_unique<RegisterModule>(); }

}  // namespace parley::mod
