// RFC 6121 §2 Managing the Roster: §2.1.3/§2.2 roster get, §2.1.5/§2.3/§2.4
// roster set (add, update), §2.5 delete (with the cancellations of §2.5.2),
// §2.1.6 roster pushes to interested resources, §2.6 roster versioning (the
// urn:xmpp:features:rosterver stream feature of XEP-0237).
#include <spdlog/spdlog.h>

#include "core/module.hpp"
#include "modules/roster/contact_store.hpp"
#include "modules/roster/presence_send.hpp"
#include "modules/roster/roster_item.hpp"
#include "modules/roster/roster_push.hpp"
#include "router/router.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod {

namespace {

using namespace roster;
using xmpp::Condition;
using xmpp::StanzaError;

// Items per roster unless [modules.roster] max_items says otherwise.
constexpr std::int64_t kDefaultMaxItems = 5000;

class RosterModule final : public Module {
public:
    Result<void> start(ModuleContext& ctx) override {
        router_ = &ctx.router();
        storage_ = &ctx.storage();
        log_ = &ctx.log();
        max_items_ = ctx.config().get_int("max_items", kDefaultMaxItems);
        if (max_items_ < 1) {
            return fail("[modules.roster] max_items must be at least 1");
        }
        // §2.6.1: the server announces roster versioning as a stream feature.
        ctx.add_stream_feature(xml::Element::make("ver", std::string(ns::roster_ver)));
        ctx.on_iq(IqType::get, IqScope::account, ns::roster, "query",
                  [this](IqRequest& req) { return on_get(req); });
        ctx.on_iq(IqType::set, IqScope::account, ns::roster, "query",
                  [this](IqRequest& req) { return on_set(req); });
        ctx.on_user_removed([this](const std::string& bare) { return on_user_removed(bare); });
        return {};
    }

private:
    Awaitable<void> on_get(IqRequest& req);
    Awaitable<void> on_set(IqRequest& req);
    Awaitable<void> add_or_update(IqRequest& req, ContactRecord rec, ItemRequest item);
    Awaitable<void> remove(IqRequest& req, const ContactRecord& rec);
    Awaitable<void> on_user_removed(const std::string& bare);
    Awaitable<void> cancel_subscriptions(const std::string& user, const storage::RosterItem& item);

    void internal_error(IqRequest& req, std::string_view what, const Error& e) {
        log_->error("roster: {} for {} failed: {}", what, req.to().bare_view(), e.message);
        req.reply_error(StanzaError(Condition::internal_server_error));
    }

    Router* router_ = nullptr;
    storage::Storage* storage_ = nullptr;
    spdlog::logger* log_ = nullptr;
    std::int64_t max_items_ = kDefaultMaxItems;
};

// §2.1.3 roster get, §2.1.6 (the requester becomes an interested resource),
// §2.6.3 (versioned get).
Awaitable<void> RosterModule::on_get(IqRequest& req) {
    if (!req.from_self()) {
        // §2.1.5 / §2.3.3: only the user may read the roster.
        req.reply_error(StanzaError(Condition::forbidden, "not your roster"));
        co_return;
    }
    auto roster = co_await storage_->roster().get(req.to().bare_str());
    if (!roster) {
        internal_error(req, "roster get", roster.error());
        co_return;
    }
    router_->sessions().update(req.from(), [](ResourceEntry& e) { e.interested = true; });
    const std::string ver = version_string(roster->version);
    if (auto client_ver = req.payload().attr("ver"); client_ver && *client_ver == ver) {
        req.reply();  // §2.6.3: the client's copy is current; an empty result
        co_return;
    }
    auto query = xml::Element::make("query", std::string(ns::roster));
    query->set_attr("ver", ver);  // §2.6.3: servers that version MAY always include it
    for (const auto& item : roster->items) {
        query->add_child(serialize_item(item));
    }
    req.reply(std::move(query));
}

// §2.1.5 roster set; errors of §2.3.3.
Awaitable<void> RosterModule::on_set(IqRequest& req) {
    if (!req.from_self()) {
        req.reply_error(StanzaError(Condition::forbidden, "not your roster"));
        co_return;
    }
    auto items = req.payload().children("item", ns::roster);
    if (items.size() != 1) {
        req.reply_error(StanzaError(Condition::bad_request,
                                    "a roster set carries exactly one item (RFC 6121 §2.3.3)"));
        co_return;
    }
    auto item = parse_item(*items.front());
    if (!item) {
        req.reply_error(item.error());
        co_return;
    }
    auto rec = co_await load_contact(*storage_, req.to().bare_str(), item->jid.bare_str());
    if (!rec) {
        internal_error(req, "roster item look-up", rec.error());
        co_return;
    }
    if (item->subscription == ItemSubscription::remove) {
        co_await remove(req, *rec);
    } else {
        co_await add_or_update(req, std::move(*rec), std::move(*item));
    }
}

// §2.3 add, §2.4 update: the client sets the name and groups; the
// subscription state is the server's (§2.1.2.5: the client's is ignored).
Awaitable<void> RosterModule::add_or_update(IqRequest& req, ContactRecord rec, ItemRequest item) {
    const std::string& user = rec.user;
    if (!rec.listed) {
        auto roster = co_await storage_->roster().get(user);
        if (!roster) {
            internal_error(req, "roster get", roster.error());
            co_return;
        }
        if (static_cast<std::int64_t>(roster->items.size()) >= max_items_) {
            req.reply_error(StanzaError(Condition::not_allowed, "the roster is full"));
            co_return;
        }
    }
    rec.listed = true;  // a pending request kept aside moves into the item
    rec.item.jid = item.jid.bare_str();
    rec.item.name = std::move(item.name);
    rec.item.groups = std::move(item.groups);
    auto version = co_await save_contact(*storage_, rec);
    if (!version) {
        internal_error(req, "roster item update", version.error());
        co_return;
    }
    push_item(*router_, user, rec.item, version->value_or(0));
    req.reply();
}

// §2.5 delete. Unlike ejabberd, removing an item that is not there is an
// error (§2.5.3).
Awaitable<void> RosterModule::remove(IqRequest& req, const ContactRecord& rec) {
    if (!rec.listed) {
        req.reply_error(StanzaError(Condition::item_not_found));
        co_return;
    }
    auto version = co_await storage_->roster().remove(rec.user, rec.item.jid);
    if (!version) {
        internal_error(req, "roster item removal", version.error());
        co_return;
    }
    if (!*version) {
        req.reply_error(StanzaError(Condition::item_not_found));  // removed meanwhile
        co_return;
    }
    push_removed(*router_, rec.user, rec.item.jid, **version);
    req.reply();
    co_await cancel_subscriptions(rec.user, rec.item);
}

// §2.5.2: removing an item cancels the subscriptions both ways. The pending
// states are cancelled too: unsubscribe withdraws our request, unsubscribed
// denies theirs (A.2.2, A.2.4).
Awaitable<void> RosterModule::cancel_subscriptions(const std::string& user,
                                                   const storage::RosterItem& item) {
    if (has_to(item.subscription) || item.ask) {
        co_await send_subscription(*router_, SubType::unsubscribe, user, item.jid);
    }
    if (has_from(item.subscription)) {
        // §3.2.2: unavailable while the contact is still subscribed, then unsubscribed.
        co_await send_unavailable(*router_, user, item.jid);
    }
    if (has_from(item.subscription) || item.pending_in) {
        co_await send_subscription(*router_, SubType::unsubscribed, user, item.jid);
    }
}

// The account is going away: its contacts' servers learn that the
// subscriptions are over, so their rosters do not keep a dead contact
// subscribed. Does nothing when the roster is already gone.
Awaitable<void> RosterModule::on_user_removed(const std::string& bare) {
    auto roster = co_await storage_->roster().get(bare);
    if (!roster) {
        log_->error("roster: reading the roster of removed account {} failed: {}", bare,
                    roster.error().message);
        co_return;
    }
    for (const auto& item : roster->items) {
        co_await cancel_subscriptions(bare, item);
    }
}

}  // namespace

std::unique_ptr<Module> make_roster_module() { return std::make_unique<RosterModule>(); }

}  // namespace parley::mod
