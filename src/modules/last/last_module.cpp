// XEP-0012 Last Activity v2.0: §3 offline user query (to a bare JID, answered
// by the server: "0" while the user has an available resource, else seconds
// since the last logout and the status of the last unavailable presence;
// "forbidden" to anyone not allowed to see the user's presence), §5 server
// query (uptime), §6 the "jabber:iq:last" disco feature, §8 security (only
// self and contacts with a presence subscription learn anything). §4 (a full
// JID) is the client's: those iqs are routed to the resource untouched.
#include <spdlog/spdlog.h>

#include <chrono>

#include "core/module.hpp"
#include "modules/last/last_record.hpp"
#include "router/router.hpp"
#include "storage/stores.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod {

namespace {

using xmpp::Condition;
using xmpp::StanzaError;

constexpr const char* kStore = "last";
constexpr const char* kKey = "logout";

// Per-session: the <status/> of the unavailable presence this session
// broadcast last (cleared by a later available one).
struct LastStatus {
    std::string status;
};

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

xml::ElementPtr last_query(std::int64_t seconds, const std::string& status = {}) {
    auto q = xml::Element::make("query", std::string(ns::last));
    q->set_attr("seconds", std::to_string(seconds));
    q->add_text(status);  // add_text ignores ""
    return q;
}

class LastModule final : public Module {
public:
    Result<void> start(ModuleContext& ctx) override {
        started_ = std::chrono::steady_clock::now();
        router_ = &ctx.router();
        storage_ = &ctx.storage();
        log_ = std::make_shared<spdlog::logger>(ctx.log());  // ctx does not outlive start()

        ctx.add_feature(std::string(ns::last));
        ctx.add_account_feature(std::string(ns::last));
        ctx.on_iq(IqType::get, IqScope::host, ns::last, "query",
                  [this](IqRequest& req) { return uptime(req); });
        ctx.on_iq(IqType::get, IqScope::account, ns::last, "query",
                  [this](IqRequest& req) { return account_last(req); });
        // An observer, placed above the filter band so that no handler that
        // consumes presence can hide a logout status from it; never handles.
        ctx.hook(StanzaHook::presence_from_client, Priority::filter + 50,
                 [](StanzaEvent& ev) -> Awaitable<Handled> {
                     note_presence(ev);
                     co_return Handled::no;
                 });
        ctx.on_session(SessionHook::closed, [this](Session& s) { return record_logout(s); });
        return {};
    }

private:
    // §5: a query to the server's domain is answered with the uptime.
    Awaitable<void> uptime(IqRequest& req) {
        const auto up = std::chrono::duration_cast<std::chrono::seconds>(
            std::chrono::steady_clock::now() - started_);
        req.reply(last_query(up.count()));
        co_return;
    }

    // §3 (and §8 for who may ask).
    Awaitable<void> account_last(IqRequest& req) {
        const std::string user = req.to().bare_str();
        auto allowed = co_await may_see_presence(req);
        if (!allowed) {
            log_->error("last: roster look-up for {} failed: {}", user, allowed.error().message);
            req.reply_error(StanzaError(Condition::internal_server_error));
            co_return;
        }
        if (!*allowed) {
            req.reply_error(StanzaError(Condition::forbidden));  // §3: MUST be "forbidden"
            co_return;
        }
        for (const auto& r : router_->sessions().resources(user)) {
            if (r.available) {
                req.reply(last_query(0));  // §3: online now
                co_return;
            }
        }
        auto stored = co_await storage_->keyval().get(user, kStore, kKey);
        if (!stored) {
            log_->error("last: reading the last logout of {} failed: {}", user,
                        stored.error().message);
            req.reply_error(StanzaError(Condition::internal_server_error));
            co_return;
        }
        if (!stored->has_value()) {
            // Never logged out since the record was kept (§3 defines no
            // condition for this; item-not-found is what Prosody returns).
            req.reply_error(StanzaError(Condition::item_not_found));
            co_return;
        }
        auto record = last::decode(**stored);
        if (!record) {
            log_->error("last: the stored logout record of {} is malformed ({} bytes)", user,
                        (*stored)->size());
            req.reply_error(StanzaError(Condition::internal_server_error));
            co_return;
        }
        req.reply(last_query(last::seconds_since(record->when, unix_now()), record->status));
    }

    // The status of the last unavailable broadcast (§3: "the status message
    // of the last unavailable presence received from the user"). Runs on the
    // sending session's thread.
    static void note_presence(StanzaEvent& ev) {
        if (ev.kind != StanzaKind::presence || ev.origin == nullptr || ev.stanza->attr("to")) {
            return;  // only broadcasts (no 'to') count, not directed presence
        }
        auto& slot = ev.origin->ext<LastStatus>();
        if (ev.type == "unavailable") {
            slot.status = ev.stanza->child_text("status", ev.stanza->ns()).value_or("");
        } else if (ev.type.empty()) {
            slot.status.clear();
        }
    }

    // When the user's last resource goes, the logout time is kept.
    Awaitable<void> record_logout(Session& s) {
        if (s.jid().empty()) {
            co_return;
        }
        const std::string user = s.jid().bare_str();
        if (!router_->sessions().resources(user).empty()) {
            co_return;  // another resource is still connected
        }
        const last::LogoutRecord record{unix_now(), s.ext<LastStatus>().status};
        auto saved = co_await storage_->keyval().set(user, kStore, kKey, last::encode(record));
        if (!saved) {
            log_->error("last: storing the logout of {} failed: {}", user, saved.error().message);
        }
    }

    // True for the account itself and for contacts the account's roster
    // shows with a subscription "from" or "both" (they receive its presence).
    Awaitable<Result<bool>> may_see_presence(const IqRequest& req) {
        if (req.from_self()) {
            co_return true;
        }
        auto item = co_await storage_->roster().item(req.to().bare_str(), req.from().bare_str());
        if (!item) {
            co_return fail(item.error().message);
        }
        co_return item->has_value() && ((*item)->subscription == storage::Subscription::from ||
                                        (*item)->subscription == storage::Subscription::both);
    }

    std::chrono::steady_clock::time_point started_;
    Router* router_ = nullptr;
    storage::Storage* storage_ = nullptr;
    std::shared_ptr<spdlog::logger> log_;
};

}  // namespace

std::unique_ptr<Module> make_last_module() { return std::make_unique<LastModule>(); }

}  // namespace parley::mod
