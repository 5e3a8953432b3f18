// RFC 6121 §3 Managing Presence Subscriptions, applied with the state machine
// of Appendix A (subscription.hpp): outbound stanzas from the user (§3.1.2,
// §3.1.5, §3.2.2, §3.3.2, §3.4.2) and inbound stanzas to the contact (§3.1.3,
// §3.1.6, §3.2.3, §3.3.3, §3.4). A contact on this server is reached through
// Router::route like any other, so both ends run the same code.
#include <spdlog/spdlog.h>

#include "modules/roster/contact_store.hpp"
#include "modules/roster/presence_module.hpp"
#include "modules/roster/presence_send.hpp"
#include "modules/roster/roster_push.hpp"
#include "xml/serializer.hpp"

namespace parley::mod::roster {

// A subscription stanza from a local client, 'to' present.
Awaitable<void> PresenceModule::outbound_subscription(StanzaEvent& ev, SubType type) {
    const std::string user = ev.from.bare_str();
    const std::string contact = ev.to.bare_str();
    auto rec = co_await load_contact(*storage_, user, contact);
    if (!rec) {
        log_->error("presence: {} from {} to {} dropped, roster look-up failed: {}",
                    to_string(type), user, contact, rec.error().message);
        co_return;
    }
    const Contact before = rec->contact();
    const SubscriptionChange change = outbound(before, type);
    ContactRecord after = *rec;
    after.listed = change.listed;
    apply(change.state, after.item);
    if (change.changed) {
        auto version = co_await save_contact(*storage_, after);
        if (!version) {
            log_->error("presence: {} from {} to {} dropped, roster update failed: {}",
                        to_string(type), user, contact, version.error().message);
            co_return;
        }
        if (change.push && *version) {
            push_item(*router_, user, after.item, **version);  // before routing (§3.1.2)
        }
    }
    if (!change.forward) {
        co_return;
    }
    const bool lost_from =
        has_from(before.state.subscription) && !has_from(change.state.subscription);
    const bool gained_from =
        !has_from(before.state.subscription) && has_from(change.state.subscription);
    if (type == SubType::unsubscribed && lost_from) {
        // §3.2.2: unavailable while the contact is still subscribed, then unsubscribed.
        co_await send_unavailable(*router_, user, contact);
    }
    // §3.1.2: stamped with the user's bare JID, addressed to the contact's bare JID.
    auto out = ev.stanza->shallow_copy();
    out->set_attr("from", user);
    out->set_attr("to", contact);
    co_await router_->route(std::move(out), ev.origin);
    if (type == SubType::subscribed && gained_from) {
        // §3.1.5: the new subscriber gets the user's current presence.
        co_await send_current_presence(*router_, user, contact);
    }
}

// A subscription stanza addressed to a local account.
Awaitable<void> PresenceModule::inbound_subscription(StanzaEvent& ev, SubType type) {
    if (ev.from.empty()) {
        co_return;
    }
    const std::string user = ev.to.bare_str();
    const std::string contact = ev.from.bare_str();
    auto rec = co_await load_contact(*storage_, user, contact);
    if (!rec) {
        log_->error("presence: {} from {} to {} dropped, roster look-up failed: {}",
                    to_string(type), contact, user, rec.error().message);
        co_return;
    }
    if (type == SubType::subscribe && !rec->listed && !rec->aside) {
        // Nothing is kept for an account that does not exist; the requester
        // learns that the request is refused (A.3.4 clears its Pending Out).
        auto exists = co_await storage_->accounts().exists(user);
        if (!exists) {
            log_->error("presence: subscribe to {} dropped, account look-up failed: {}", user,
                        exists.error().message);
            co_return;
        }
        if (!*exists) {
            co_await send_subscription(*router_, SubType::unsubscribed, user, contact);
            co_return;
        }
    }
    const Contact before = rec->contact();
    const SubscriptionChange change = inbound(before, type);
    ContactRecord after = *rec;
    after.listed = change.listed;
    apply(change.state, after.item);
    if (type == SubType::subscribe && change.state.pending_in && !before.state.pending_in) {
        // §3.1.3: kept, and delivered again at each login until answered.
        after.item.pending_in_stanza = xml::to_string(*ev.stanza);
    }
    if (change.changed) {
        auto version = co_await save_contact(*storage_, after);
        if (!version) {
            log_->error("presence: {} from {} to {} dropped, roster update failed: {}",
                        to_string(type), contact, user, version.error().message);
            co_return;
        }
        if (change.push && *version) {
            push_item(*router_, user, after.item, **version);
        }
    }
    if (change.forward) {
        // §3.1.3, §3.1.6, §3.2.3, §3.3.3: to every available resource. A
        // subscribe that finds none waits in pending_in_stanza.
        for (const auto& r : router_->sessions().resources(user)) {
            if (r.available) {
                router_->deliver(r, ev.stanza);
            }
        }
    }
    if (change.auto_subscribed) {
        // §3.1.3 (already subscribed) and §3.4 (pre-approved): the server
        // answers for the user, then sends the user's presence (§3.1.5).
        co_await send_subscription(*router_, SubType::subscribed, user, contact);
        co_await send_current_presence(*router_, user, contact);
    }
    if (has_from(before.state.subscription) && !has_from(change.state.subscription)) {
        // §3.3.3: the contact cancelled its subscription; it sees us go offline.
        co_await send_unavailable(*router_, user, contact);
    }
}

}  // namespace parley::mod::roster
