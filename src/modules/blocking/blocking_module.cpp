// XEP-0191 Blocking Command v1.3:
//   §3.1 the "urn:xmpp:blocking" server disco feature;
//   §3.2 block list retrieval (own account only);
//   §3.3 block: bad-request without <item/>, result, pushes to the resources
//        that requested the list, unavailable presence to and from the blocked
//        contacts, the inbound rules (presence dropped, message and iq get/set
//        answered with service-unavailable, other iq dropped) and the outbound
//        rule (not-acceptable + <blocked xmlns='urn:xmpp:blocking:errors'/>);
//        presence the server sends for the user (broadcasts) to a blocked
//        local JID is dropped too, so the user stays offline to it;
//   §3.4 unblock (pushes; current presence to, and a probe of, the contacts);
//   §3.5 unblock all (empty <unblock/>);
//   §5   never block one of the user's resources from another;
//   §6   JID matching (blocklist.hpp).
// Storage: KeyValStore, store "blocklist", key = the normalized JID, value "".
//
// Config ([modules.blocking]):
//   max_items (int, default 1000) — the most JIDs one account may block; 0 = no limit.
//
// Not covered: an iq get/set from a blocked JID to the user's bare JID is
// answered by that payload's account handler (vCard, ...): the router offers
// no hook before account iq handlers. Presence broadcasts to a blocked JID on
// another server are not suppressed (no hook sees stanzas leaving for a
// remote domain). Directed presence the user sent to a blocked JID outside
// the roster is not revoked (nobody tracks it yet).
#include <boost/asio/post.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/module.hpp"
#include "modules/blocking/blocklist.hpp"
#include "router/router.hpp"
#include "storage/stores.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod {

namespace {

namespace asio = boost::asio;
using blocking::Blocklist;
using blocking::BlocklistRef;
using xmpp::Condition;
using xmpp::ErrorType;
using xmpp::Jid;
using xmpp::StanzaError;

constexpr std::string_view kStore = "blocklist";
constexpr std::size_t kMaxCachedUsers = 10000;

// Session slot: this resource asked for the block list, so it gets the
// pushes of §3.3/§3.4 ("all of the user's resources that have requested the
// blocklist"). Read and written on the session's thread only.
struct BlockingInterest {
    bool requested = false;
};

// The <item jid='...'/> children of <block/> or <unblock/>, parsed and
// normalized, without duplicates.
Result<std::vector<Jid>, StanzaError> parse_items(const xml::Element& payload) {
    std::vector<Jid> out;
    for (const auto* item : payload.children("item", ns::blocking)) {
        auto attr = item->attr("jid");
        if (!attr) {
            return fail(StanzaError(Condition::bad_request, "<item/> without a 'jid'"));
        }
        auto jid = Jid::parse(*attr);
        if (!jid) {
            return fail(StanzaError(Condition::jid_malformed, jid.error().reason));
        }
        if (std::find(out.begin(), out.end(), *jid) == out.end()) {
            out.push_back(std::move(*jid));
        }
    }
    return out;
}

bool sends_presence_to_contact(storage::Subscription s) {
    return s == storage::Subscription::from || s == storage::Subscription::both;
}
bool receives_presence_from_contact(storage::Subscription s) {
    return s == storage::Subscription::to || s == storage::Subscription::both;
}

xml::ElementPtr presence(std::string_view type, std::string from, std::string to) {
    auto p = xml::Element::make("presence", std::string(ns::client));
    p->set_attr("type", std::string(type));
    p->set_attr("from", std::move(from));
    p->set_attr("to", std::move(to));
    return p;
}

class BlockingModule final : public Module {
public:
    BlockingModule() : cache_(kMaxCachedUsers) {}

    Result<void> start(ModuleContext& ctx) override {
        auto max = ctx.config().get_int("max_items", 1000);
        if (max < 0) {
            return fail("max_items must be 0 (no limit) or a positive number");
        }
        max_items_ = static_cast<std::size_t>(max);
        storage_ = &ctx.storage();
        router_ = &ctx.router();

        ctx.add_feature(std::string(ns::blocking));  // §3.1
        ctx.on_iq(IqType::get, IqScope::account, ns::blocking, "blocklist",
                  [this](IqRequest& req) { return on_blocklist(req); });
        ctx.on_iq(IqType::set, IqScope::account, ns::blocking, "block",
                  [this](IqRequest& req) { return on_block(req); });
        ctx.on_iq(IqType::set, IqScope::account, ns::blocking, "unblock",
                  [this](IqRequest& req) { return on_unblock(req); });

        for (auto hook : {StanzaHook::message_from_client, StanzaHook::presence_from_client,
                          StanzaHook::iq_from_client}) {
            ctx.hook(hook, Priority::filter, [this](StanzaEvent& ev) { return outbound(ev); });
        }
        for (auto hook : {StanzaHook::message_to_bare, StanzaHook::message_to_full,
                          StanzaHook::presence_to_bare, StanzaHook::presence_to_full,
                          StanzaHook::iq_to_full}) {
            ctx.hook(hook, Priority::filter, [this](StanzaEvent& ev) { return inbound(ev); });
        }
        ctx.on_user_removed([this](const std::string& bare) { return forget(bare); });
        ctx.on_session(SessionHook::closed, [this](Session& s) { return on_session_closed(s); });
        return {};
    }

private:
    Awaitable<void> forget(const std::string& bare) {
        cache_.invalidate(bare);
        co_return;
    }

    // Keeps the cache to users who are online or were addressed recently.
    Awaitable<void> on_session_closed(Session& s) {
        auto bare = s.jid().bare_str();
        if (router_->sessions().resources(bare).empty()) {
            cache_.invalidate(bare);
        }
        co_return;
    }

    // The user's list from the cache or storage; nullptr when storage failed.
    // The user's list from the cache, or null when it must be loaded.
    BlocklistRef cached(const xmpp::Jid& user) const { return cache_.find(user.bare_view()); }

    Awaitable<BlocklistRef> load(const std::string& user) {
        if (auto list = cache_.find(user)) {
            co_return list;
        }
        auto generation = cache_.generation();
        auto rows = co_await storage_->keyval().list(user, std::string(kStore));
        if (!rows) {
            spdlog::error("blocking: reading the block list of {} failed: {}", user,
                          rows.error().message);
            co_return nullptr;
        }
        std::vector<std::string> items;
        items.reserve(rows->size());
        for (auto& [key, value] : *rows) {
            items.push_back(std::move(key));
        }
        auto list = std::make_shared<const Blocklist>(std::move(items));
        cache_.put(user, list, generation);
        co_return list;
    }

    // §3.2
    Awaitable<void> on_blocklist(IqRequest& req) {
        if (!req.from_self()) {
            req.reply_error(StanzaError(Condition::service_unavailable));
            co_return;
        }
        auto list = co_await load(req.from().bare_str());
        if (!list) {
            req.reply_error(StanzaError(Condition::internal_server_error));
            co_return;
        }
        auto payload = xml::Element::make("blocklist", std::string(ns::blocking));
        for (auto& item : list->items()) {
            payload->add("item", std::string(ns::blocking)).set_attr("jid", std::move(item));
        }
        if (auto* origin = req.origin()) {
            origin->ext<BlockingInterest>().requested = true;
        }
        req.reply(std::move(payload));
    }

    // §3.3
    Awaitable<void> on_block(IqRequest& req) {
        if (!req.from_self()) {
            req.reply_error(StanzaError(Condition::service_unavailable));
            co_return;
        }
        auto items = parse_items(req.payload());
        if (!items) {
            req.reply_error(items.error());
            co_return;
        }
        if (items->empty()) {
            req.reply_error(StanzaError(Condition::bad_request,
                                        "<block/> needs at least one <item/> (XEP-0191 §3.3)"));
            co_return;
        }
        const auto user = req.from().bare_str();
        auto list = co_await load(user);
        if (!list) {
            req.reply_error(StanzaError(Condition::internal_server_error));
            co_return;
        }
        std::vector<Jid> added;
        for (const auto& jid : *items) {
            if (!list->contains(jid.str())) {
                added.push_back(jid);
            }
        }
        if (max_items_ != 0 && list->size() + added.size() > max_items_) {
            req.reply_error(StanzaError(Condition::policy_violation,
                                        fmt::format("at most {} JIDs may be blocked", max_items_)));
            co_return;
        }
        for (const auto& jid : added) {
            auto r = co_await storage_->keyval().set(user, std::string(kStore), jid.str(), "");
            if (!r) {
                cache_.invalidate(user);  // some items may have been stored
                spdlog::error("blocking: storing a block of {} failed: {}", user,
                              r.error().message);
                req.reply_error(StanzaError(Condition::internal_server_error));
                co_return;
            }
        }
        cache_.invalidate(user);
        req.reply();
        push(user, "block", *items);
        if (!added.empty()) {
            spdlog::debug("blocking: {} blocked {} JID(s)", user, added.size());
            co_await presence_on_change(user, added, true);
        }
    }

    // §3.4, §3.5
    Awaitable<void> on_unblock(IqRequest& req) {
        if (!req.from_self()) {
            req.reply_error(StanzaError(Condition::service_unavailable));
            co_return;
        }
        auto items = parse_items(req.payload());
        if (!items) {
            req.reply_error(items.error());
            co_return;
        }
        const auto user = req.from().bare_str();
        std::vector<Jid> removed;
        bool ok = true;
        if (items->empty()) {
            // §3.5: unblock everything; the old list says whom to send presence to.
            auto list = co_await load(user);
            auto cleared = co_await storage_->keyval().clear(user, std::string(kStore));
            ok = cleared.ok();
            if (list) {
                for (const auto& item : list->items()) {
                    if (auto jid = Jid::parse(item)) {
                        removed.push_back(std::move(*jid));
                    }
                }
            }
        } else {
            for (const auto& jid : *items) {
                auto r = co_await storage_->keyval().remove(user, std::string(kStore), jid.str());
                if (!r) {
                    ok = false;
                    break;
                }
                if (*r) {
                    removed.push_back(jid);
                }
            }
        }
        cache_.invalidate(user);
        if (!ok) {
            spdlog::error("blocking: unblocking for {} failed in storage", user);
            req.reply_error(StanzaError(Condition::internal_server_error));
            co_return;
        }
        req.reply();
        push(user, "unblock", *items);
        if (!removed.empty()) {
            spdlog::debug("blocking: {} unblocked {} JID(s)", user, removed.size());
            co_await presence_on_change(user, removed, false);
        }
    }

    // The <block/> or <unblock/> push of §3.3/§3.4 to every resource of
    // `user` that requested the block list. Whether it did is in a session
    // slot, read on that session's thread.
    void push(const std::string& user, std::string_view name, const std::vector<Jid>& items) {
        auto payload = xml::Element::make(std::string(name), std::string(ns::blocking));
        for (const auto& jid : items) {
            payload->add("item", std::string(ns::blocking)).set_attr("jid", jid.str());
        }
        for (const auto& r : router_->sessions().resources(user)) {
            auto iq = xml::Element::make("iq", std::string(ns::client));
            iq->set_attr("type", "set");
            iq->set_attr("id", fmt::format("block-push-{}", next_push_.fetch_add(1)));
            iq->set_attr("to", user + "/" + r.resource);
            iq->add_child(payload);  // shared: no push changes it
            asio::post(r.executor, [w = r.session, iq = xml::ElementRef(std::move(iq))] {
                auto s = w.lock();
                if (s && s->ext<BlockingInterest>().requested) {
                    s->deliver(iq);
                }
            });
        }
    }

    // §3.3 (blocked): unavailable presence from each available resource to
    // the contacts that may see the user's presence (subscription from/both),
    // and unavailable presence from the contacts the user sees (to/both) to
    // the user's available resources (delivered directly: the inbound filter
    // would drop it now).
    // §3.4 (unblocked): the user's current presence to the contacts that may
    // see it, and a probe to those the user sees, so their presence returns.
    // Only roster contacts are covered: nobody tracks directed presence yet.
    Awaitable<void> presence_on_change(const std::string& user, const std::vector<Jid>& changed,
                                       bool blocked) {
        auto roster = co_await storage_->roster().get(user);
        if (!roster) {
            spdlog::error("blocking: roster of {}: {}", user, roster.error().message);
            co_return;
        }
        auto resources = router_->sessions().resources(user);
        std::erase_if(resources, [](const ResourceEntry& r) { return !r.available; });
        for (const auto& item : roster->items) {
            auto contact = Jid::parse(item.jid);
            if (!contact) {
                continue;
            }
            // The address the presence goes to: a full-JID block item names
            // one resource of the contact; a bare or domain item, all of them.
            std::optional<Jid> target;
            for (const auto& c : changed) {
                if (c.is_full() && c.bare() == *contact) {
                    target = c;
                    break;
                }
                if (c.is_bare() && blocking::item_matches(c, *contact)) {
                    target = *contact;
                    break;
                }
            }
            if (!target) {
                continue;
            }
            if (sends_presence_to_contact(item.subscription)) {
                for (const auto& r : resources) {
                    auto from = user + "/" + r.resource;
                    if (blocked) {
                        send_unfiltered(presence("unavailable", from, target->str()), *target);
                    } else if (r.presence) {
                        auto p = r.presence->shallow_copy();
                        p->set_attr("from", from);
                        p->set_attr("to", target->str());
                        router_->send(std::move(p));
                    }
                }
            }
            if (receives_presence_from_contact(item.subscription)) {
                if (blocked) {
                    for (const auto& r : resources) {
                        router_->deliver(r, presence("unavailable", target->str(),
                                                     user + "/" + r.resource));
                    }
                } else if (!resources.empty()) {
                    router_->send(presence("probe", user, contact->str()));
                }
            }
        }
    }

    // Presence this module sends on the user's behalf to a JID the user has
    // just blocked: a local recipient gets it straight from the registry,
    // since inbound() now drops presence from the user to that JID.
    void send_unfiltered(xml::ElementRef p, const Jid& to) {
        if (!router_->is_local_host(to.domain())) {
            router_->send(std::move(p));
            return;
        }
        if (to.local().empty()) {
            return;
        }
        for (const auto& r : router_->sessions().resources(to.bare_view())) {
            if (r.available && (to.is_bare() || r.resource == to.resource())) {
                router_->deliver(r, p);
            }
        }
    }

    // §3.3: the user sends to a blocked JID: not routed, answered with
    // not-acceptable + <blocked/> (written straight to the sending session,
    // since the error comes "from" the blocked JID and the inbound filter
    // would stop it).
    Awaitable<Handled> outbound(StanzaEvent& ev) {
        if (ev.to.empty() || ev.from.empty() || ev.to.bare_view() == ev.from.bare_view()) {
            co_return Handled::no;  // §5: the user's own resources are never blocked
        }
        auto list = cached(ev.from);
        if (!list) {
            list = co_await load(ev.from.bare_str());
        }
        if (!list || !list->blocks(ev.to)) {
            co_return Handled::no;
        }
        StanzaError err(Condition::not_acceptable, ErrorType::cancel);
        err.app_specific = xml::Element::make("blocked", std::string(ns::blocking_errors));
        if (auto reply = xmpp::make_error_reply(*ev.stanza, err)) {
            if (ev.origin) {
                ev.origin->deliver(reply);
            } else {
                ev.router.send(std::move(reply));
            }
        }
        co_return Handled::yes;
    }

    // §3.3: a stanza reaches a local user. Refused when the user blocked
    // the sender; presence is also dropped when a local sender blocked the
    // user, which catches what the server sends on the sender's behalf
    // (presence broadcasts, probe answers) and so never passes
    // the *_from_client hooks.
    Awaitable<Handled> inbound(StanzaEvent& ev) {
        if (ev.from.empty() || ev.to.local().empty() || ev.from.bare_view() == ev.to.bare_view()) {
            co_return Handled::no;
        }
        auto list = cached(ev.to);
        if (!list) {
            list = co_await load(ev.to.bare_str());
        }
        if (!list || !list->blocks(ev.from)) {
            // (A storage failure delivers rather than loses; load() logged it.)
            if (ev.kind == StanzaKind::presence && !ev.from.local().empty() &&
                router_->is_local_host(ev.from.domain())) {
                auto sender = co_await load(ev.from.bare_str());
                if (sender && sender->blocks(ev.to)) {
                    co_return Handled::yes;
                }
            }
            co_return Handled::no;
        }
        // Presence (notifications, subscriptions, probes): no answer at all.
        // Message and iq get/set: service-unavailable, so the user appears
        // offline; bounce() never answers an error or an iq result.
        if (ev.kind != StanzaKind::presence) {
            ev.router.bounce(*ev.stanza, StanzaError(Condition::service_unavailable));
        }
        co_return Handled::yes;
    }

    std::size_t max_items_ = 1000;
    storage::Storage* storage_ = nullptr;
    Router* router_ = nullptr;
    blocking::BlocklistCache cache_;
    std::atomic<std::uint64_t> next_push_{1};
};

}  // namespace

std::unique_ptr<Module> make_blocking_module() { return std::make_unique<BlockingModule>(); }

}  // namespace parley::mod
