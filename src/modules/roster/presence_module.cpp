// RFC 6121 §4 Exchanging Presence Information: §4.2 initial presence (probes,
// broadcast, the other resources' presence, pending requests of §3.1.3),
// §4.3 probes, §4.4 subsequent presence, §4.5 unavailable presence (also for
// a dropped connection), §4.6 directed presence, §4.7.2.3 priority; §3.4 the
// pre-approval stream feature. Subscription stanzas: subscription_flow.cpp.
#include "modules/roster/presence_module.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>

#include "modules/roster/contact_store.hpp"
#include "modules/roster/presence_send.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod {

namespace roster {

using xmpp::Condition;
using xmpp::StanzaError;

namespace {

xml::ElementPtr addressed(const xml::ElementRef& stanza, const std::string& to) {
    auto copy = stanza->shallow_copy();
    copy->set_attr("to", to);
    return copy;
}

std::string full_of(const std::string& bare, const ResourceEntry& r) {
    return bare + "/" + r.resource;
}

std::string bare_of(const std::string& jid) {
    auto j = xmpp::Jid::parse(jid);
    return j ? j->bare_str() : jid;
}

}  // namespace

int presence_priority(const xml::Element& presence) {
    auto text = presence.child_text("priority", presence.ns());
    if (!text) {
        return 0;
    }
    std::string_view s = *text;
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n')) {
        s.remove_suffix(1);
    }
    if (!s.empty() && s.front() == '+') {
        s.remove_prefix(1);
    }
    long long v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || end != s.data() + s.size()) {
        return 0;
    }
    if (ec == std::errc::result_out_of_range) {
        return s.front() == '-' ? -128 : 127;
    }
    return static_cast<int>(std::clamp<long long>(v, -128, 127));
}

Result<void> PresenceModule::start(ModuleContext& ctx) {
    router_ = &ctx.router();
    storage_ = &ctx.storage();
    log_ = &ctx.log();
    table_ = &ctx.table();
    // §3.4: subscription pre-approval is supported (implemented in subscription_flow.cpp).
    ctx.add_stream_feature(xml::Element::make("sub", std::string(ns::pre_approval)));
    ctx.hook(StanzaHook::presence_from_client, Priority::deliver,
             [this](StanzaEvent& ev) { return on_client_presence(ev); });
    ctx.hook(StanzaHook::presence_to_bare, Priority::deliver,
             [this](StanzaEvent& ev) { return on_presence_to_user(ev, false); });
    ctx.hook(StanzaHook::presence_to_full, Priority::deliver,
             [this](StanzaEvent& ev) { return on_presence_to_user(ev, true); });
    ctx.on_session(SessionHook::closed, [this](Session& s) { return on_closed(s); });
    return {};
}

// Presence a local client sends (its 'from' already its full JID).
Awaitable<Handled> PresenceModule::on_client_presence(StanzaEvent& ev) {
    if (ev.kind != StanzaKind::presence || ev.origin == nullptr) {
        co_return Handled::no;
    }
    const bool has_to = ev.stanza->attr("to").has_value();
    if (auto sub = parse_sub_type(ev.type)) {
        if (has_to) {
            co_await outbound_subscription(ev, *sub);
        }  // else: a subscription stanza needs a contact; nothing to do
        co_return Handled::yes;
    }
    if (ev.type.empty() || ev.type == "unavailable") {
        if (!has_to) {
            if (ev.type.empty()) {
                co_await available(ev, *ev.origin);
            } else {
                co_await unavailable(ev, *ev.origin);
            }
            co_return Handled::yes;
        }
        // §4.6.2 directed presence: remember who got it, for §4.6.3. Targets
        // that turn out to be subscribers are skipped when unavailable is sent.
        auto& st = ev.origin->ext<PresenceSessionState>();
        if (ev.type.empty()) {
            if (st.directed.size() < kMaxDirectedPresence) {
                st.directed.insert(ev.to.str());
            }
        } else {
            st.directed.erase(ev.to.str());
        }
        co_return Handled::no;  // the router delivers it
    }
    if (ev.type == "probe" || ev.type == "error") {
        co_return Handled::no;
    }
    router_->bounce(*ev.stanza,
                    StanzaError(Condition::bad_request, "unknown presence type (RFC 6121 §4.7.1)"));
    co_return Handled::yes;
}

// §4.2.2 initial presence and §4.4.2 subsequent presence.
Awaitable<void> PresenceModule::available(StanzaEvent& ev, Session& origin) {
    const xmpp::Jid full = origin.jid();
    const std::string user = full.bare_str();
    const int priority = presence_priority(*ev.stanza);
    bool initial = false;
    bool was_negative = false;
    bool online = router_->sessions().update(full, [&](ResourceEntry& e) {
        initial = !e.available;
        was_negative = e.available && e.priority < 0;
        e.available = true;
        e.priority = priority;
        e.presence = ev.stanza;
    });
    if (!online) {
        co_return;
    }
    origin.ext<PresenceSessionState>().available = true;

    auto roster = co_await storage_->roster().get(user);
    if (!roster) {
        // Without the roster only the user's own resources can be told.
        log_->error("presence: roster of {} unavailable, presence not broadcast to contacts: {}",
                    user, roster.error().message);
    }
    auto entry = router_->sessions().find(full);
    if (!entry || !entry->available) {
        co_return;  // went unavailable or away meanwhile; the unavailable was broadcast
    }
    if (roster) {
        if (initial) {
            // §4.2.2 / §4.3.1: probe the contacts we are subscribed to, from the bare JID.
            for (const auto& item : roster->items) {
                if (has_to(item.subscription) && item.jid != user) {
                    co_await router_->route(make_presence("probe", user, item.jid));
                }
            }
        }
        // §4.2.2 / §4.4.2: broadcast to the contacts subscribed to us.
        for (const auto& item : roster->items) {
            if (has_from(item.subscription) && item.jid != user) {
                co_await router_->route(addressed(ev.stanza, item.jid));
            }
        }
    }
    // ... and to the user's available resources, this one included.
    for (const auto& r : router_->sessions().resources(user)) {
        if (r.available) {
            co_await router_->route(addressed(ev.stanza, full_of(user, r)));
        }
    }
    if (initial) {
        co_await initial_presence(full, origin, roster ? &*roster : nullptr);
    } else if (was_negative && priority >= 0) {
        // XEP-0160 §2: stored messages go to the resource that "next sends
        // non-negative available presence", which may be a subsequent presence
        // raising a negative priority; the offline module delivers them now.
        co_await table_->run(SessionHook::available, origin);
    }
}

// What a resource gets when it becomes available, after the broadcast.
Awaitable<void> PresenceModule::initial_presence(const xmpp::Jid& full, Session& origin,
                                                 const storage::Roster* roster) {
    const std::string user = full.bare_str();
    // §4.2.2: the presence of the user's other available resources.
    for (const auto& r : router_->sessions().resources(user)) {
        if (r.available && r.resource != full.resource() && r.presence) {
            auto copy = addressed(r.presence, full.str());
            copy->set_attr("from", full_of(user, r));
            co_await router_->route(std::move(copy));
        }
    }
    // §3.1.3: subscription requests still unanswered go to the new resource.
    if (roster) {
        auto pending = co_await pending_requests(*storage_, user, *roster);
        if (!pending) {
            log_->error("presence: pending subscription requests of {} unreadable: {}", user,
                        pending.error().message);
        } else {
            auto self = origin.shared_from_this();
            for (const auto& item : *pending) {
                router_->deliver(self, pending_request_stanza(item, user));
            }
        }
    }
    // The time for stored messages and the like (SessionHook::available).
    co_await table_->run(SessionHook::available, origin);
}

// §4.5.2 unavailable presence from the client.
Awaitable<void> PresenceModule::unavailable(StanzaEvent& ev, Session& origin) {
    const xmpp::Jid full = origin.jid();
    bool was_available = false;
    router_->sessions().update(full, [&](ResourceEntry& e) {
        was_available = e.available;
        e.available = false;
        e.presence = ev.stanza;
    });
    auto& st = origin.ext<PresenceSessionState>();
    st.available = false;
    auto directed = std::move(st.directed);
    st.directed.clear();
    co_await broadcast_unavailable(full, ev.stanza, was_available, true, std::move(directed));
}

// §4.5.2 / §4.6.3 for a session that ends without unavailable presence. The
// registry entry is gone already; the session slot says what was sent.
Awaitable<void> PresenceModule::on_closed(Session& session) {
    auto& st = session.ext<PresenceSessionState>();
    if (!st.available && st.directed.empty()) {
        co_return;
    }
    auto stanza = xml::Element::make("presence", std::string(ns::client));
    stanza->set_attr("from", session.jid().str());
    stanza->set_attr("type", "unavailable");
    const bool was_available = st.available;
    st.available = false;
    auto directed = std::move(st.directed);
    st.directed.clear();
    co_await broadcast_unavailable(session.jid(), stanza, was_available, false,
                                   std::move(directed));
}

// Unavailable presence from `full` to the subscribed contacts and the user's
// available resources (when it was available; `to_self` includes the sender,
// which still has a stream), then to every directed-presence target not told
// already (§4.6.3).
Awaitable<void> PresenceModule::broadcast_unavailable(const xmpp::Jid& full,
                                                      const xml::ElementRef& stanza,
                                                      bool to_subscribers, bool to_self,
                                                      std::set<std::string> directed) {
    const std::string user = full.bare_str();
    std::set<std::string> told;  // bare JIDs
    if (to_subscribers) {
        auto roster = co_await storage_->roster().get(user);
        if (!roster) {
            log_->error("presence: roster of {} unavailable, unavailable not broadcast: {}", user,
                        roster.error().message);
        } else {
            for (const auto& item : roster->items) {
                if (has_from(item.subscription) && item.jid != user) {
                    co_await router_->route(addressed(stanza, item.jid));
                    told.insert(item.jid);
                }
            }
        }
        for (const auto& r : router_->sessions().resources(user)) {
            if (r.available || (to_self && r.resource == full.resource())) {
                co_await router_->route(addressed(stanza, full_of(user, r)));
            }
        }
    }
    for (const auto& target : directed) {
        const std::string bare = bare_of(target);
        if (bare == user || told.count(bare)) {
            continue;
        }
        co_await router_->route(addressed(stanza, target));
    }
}

// Presence addressed to a local account, before the router's delivery rules.
Awaitable<Handled> PresenceModule::on_presence_to_user(StanzaEvent& ev, bool to_full) {
    if (auto sub = parse_sub_type(ev.type)) {
        // §8.5.3.1: subscription stanzas to a full JID are handled as if to the bare JID.
        co_await inbound_subscription(ev, *sub);
        co_return Handled::yes;
    }
    if (ev.type == "probe") {
        co_await answer_probe(ev, to_full);
        co_return Handled::yes;
    }
    co_return Handled::no;  // available, unavailable, error: delivered by the router
}

// §4.3.2: only a subscriber (From or Both) learns the user's presence. To a
// bare JID: the last presence of each available resource, or unavailable
// when there is none; to a full JID: that resource's.
Awaitable<void> PresenceModule::answer_probe(StanzaEvent& ev, bool to_full) {
    if (ev.from.empty()) {
        co_return;
    }
    const std::string user = ev.to.bare_str();
    auto item = co_await storage_->roster().item(user, ev.from.bare_str());
    if (!item) {
        log_->error("presence: probe of {} not answered, roster look-up failed: {}", user,
                    item.error().message);
        co_return;
    }
    if (!*item || !has_from((*item)->subscription)) {
        co_return;  // not a subscriber: nothing is revealed
    }
    const std::string prober = ev.from.str();
    if (to_full) {
        auto entry = router_->sessions().find(ev.to);
        if (entry && entry->available && entry->presence) {
            auto copy = addressed(entry->presence, prober);
            copy->set_attr("from", ev.to.str());
            co_await router_->route(std::move(copy));
        } else {
            co_await router_->route(make_presence("unavailable", ev.to.str(), prober));
        }
        co_return;
    }
    const auto sent = co_await send_current_presence(*router_, user, prober);
    if (sent == 0) {
        co_await router_->route(make_presence("unavailable", user, prober));
    }
}

}  // namespace roster

std::unique_ptr<Module> make_presence_module() {
    return std::make_unique<roster::PresenceModule>();
}

}  // namespace parley::mod
