// The presence subscription state machine of RFC 6121 Appendix A (with the
// pre-approvals of §3.4), as pure functions: given where a contact stands in
// a user's roster and a subscription stanza the user sends (outbound, A.2) or
// receives (inbound, A.3), they say what the new state is, whether the roster
// item must be stored and pushed, and whether the stanza goes on. The
// presence module applies the answer; nothing here touches storage or the
// network, so the tables are tested row by row
// (tests/unit/server/subscription_test.cpp).
#pragma once

#include <optional>
#include <string_view>

#include "storage/stores.hpp"

namespace parley::mod::roster {

enum class SubType { subscribe, subscribed, unsubscribe, unsubscribed };
// nullopt for any presence type that is not a subscription type.
std::optional<SubType> parse_sub_type(std::string_view presence_type);
std::string_view to_string(SubType t);

// One of the nine states of Appendix A.1, plus the 'approved' flag (§3.4).
//   subscription  pending_out  pending_in   A.1 name
//   none          no           no           "None"
//   none          yes          no           "None + Pending Out"
//   none          no           yes          "None + Pending In"
//   none          yes          yes          "None + Pending Out+In"
//   to            no           no           "To"
//   to            no           yes          "To + Pending In"
//   from          no           no           "From"
//   from          yes          no           "From + Pending Out"
//   both          no           no           "Both"
struct SubState {
    storage::Subscription subscription = storage::Subscription::none;
    bool pending_out = false;  // the roster item's ask='subscribe'
    bool pending_in = false;
    bool approved = false;
    bool operator==(const SubState&) const = default;
};

// Where a contact stands in a user's roster. `listed` is false when the
// contact is not an item of the roster; it may still have sent a
// subscription request (state None + Pending In), which the server keeps
// aside without adding the contact to the roster (RFC 6121 §3.1.3).
struct Contact {
    bool listed = false;
    SubState state;
};

struct SubscriptionChange {
    bool listed = false;   // the contact is an item of the roster afterwards
    SubState state;        // the state afterwards
    bool changed = false;  // state or listing differs: store it
    bool push = false;     // the item as a client sees it changed: roster push (§2.1.6)
    // Outbound: route the stanza to the contact. Inbound: deliver it to the
    // user's available resources.
    bool forward = false;
    // Inbound subscribe: the server answers 'subscribed' for the user, who is
    // not asked (§3.1.3 already subscribed; §3.4 pre-approved).
    bool auto_subscribed = false;
};

inline bool has_to(storage::Subscription s) {
    return s == storage::Subscription::to || s == storage::Subscription::both;
}
inline bool has_from(storage::Subscription s) {
    return s == storage::Subscription::from || s == storage::Subscription::both;
}

// The user sends a subscription stanza to the contact (Appendix A.2, §3.1.2,
// §3.2.2, §3.3.2, §3.4.2). A contact not yet listed is added by subscribe
// (None + Pending Out) and by subscribed (approval, or a pre-approval).
SubscriptionChange outbound(const Contact& c, SubType t);
// The user receives a subscription stanza from the contact (Appendix A.3,
// §3.1.3, §3.1.6, §3.2.3, §3.3.3).
SubscriptionChange inbound(const Contact& c, SubType t);

SubState state_of(const storage::RosterItem& item);
void apply(const SubState& s, storage::RosterItem& item);

}  // namespace parley::mod::roster
