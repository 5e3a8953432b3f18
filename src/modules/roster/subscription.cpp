// RFC 6121 Appendix A (subscription states), §3.1-§3.4.
#include "modules/roster/subscription.hpp"

namespace parley::mod::roster {

using storage::Subscription;

namespace {

Subscription add_to(Subscription s) { return has_from(s) ? Subscription::both : Subscription::to; }
Subscription add_from(Subscription s) {
    return has_to(s) ? Subscription::both : Subscription::from;
}
Subscription drop_to(Subscription s) {
    return has_from(s) ? Subscription::from : Subscription::none;
}
Subscription drop_from(Subscription s) { return has_to(s) ? Subscription::to : Subscription::none; }

// What a client sees of the state in the roster item (§2.1.2): pending in
// has no attribute.
bool same_visible(const SubState& a, const SubState& b) {
    return a.subscription == b.subscription && a.pending_out == b.pending_out &&
           a.approved == b.approved;
}

SubscriptionChange finish(const Contact& before, SubscriptionChange r) {
    // §3.4: a pre-approval only means something until the contact is subscribed.
    if (has_from(r.state.subscription)) {
        r.state.approved = false;
    }
    r.changed = r.listed != before.listed || r.state != before.state;
    r.push = r.listed && (!before.listed || !same_visible(r.state, before.state));
    return r;
}

}  // namespace

std::optional<SubType> parse_sub_type(std::string_view t) {
    if (t == "subscribe") {
        return SubType::subscribe;
    }
    if (t == "subscribed") {
        return SubType::subscribed;
    }
    if (t == "unsubscribe") {
        return SubType::unsubscribe;
    }
    if (t == "unsubscribed") {
        return SubType::unsubscribed;
    }
    return std::nullopt;
}

std::string_view to_string(SubType t) {
    switch (t) {
        case SubType::subscribe:
            return "subscribe";
        case SubType::subscribed:
            return "subscribed";
        case SubType::unsubscribe:
            return "unsubscribe";
        case SubType::unsubscribed:
            return "unsubscribed";
    }
    return "subscribe";
}

SubscriptionChange outbound(const Contact& c, SubType t) {
    SubscriptionChange r{.listed = c.listed, .state = c.state};
    SubState& s = r.state;
    switch (t) {
        case SubType::subscribe:
            // A.2.1, §3.1.2: always routed; Pending Out unless already subscribed to.
            r.forward = true;
            r.listed = true;
            if (!has_to(s.subscription)) {
                s.pending_out = true;
            }
            break;
        case SubType::unsubscribe:
            // A.2.2, §3.3.2: always routed; cancels To and Pending Out.
            r.forward = true;
            s.pending_out = false;
            s.subscription = drop_to(s.subscription);
            break;
        case SubType::subscribed:
            // A.2.3, §3.1.5, §3.4.2.
            if (has_from(s.subscription)) {
                break;  // From, From + Pending Out, Both: ignored
            }
            r.listed = true;
            if (s.pending_in) {
                // Approval of the contact's request.
                s.pending_in = false;
                s.subscription = add_from(s.subscription);
                r.forward = true;
            } else {
                // §3.4.2 rules 3 and 4: pre-approval, noted and not routed.
                s.approved = true;
            }
            break;
        case SubType::unsubscribed:
            // A.2.4, §3.1.4 (deny a request), §3.2.2 (cancel From), §3.4 (cancel a pre-approval).
            if (has_from(s.subscription) || s.pending_in) {
                s.pending_in = false;
                s.subscription = drop_from(s.subscription);
                r.forward = true;
            }
            s.approved = false;
            break;
    }
    return finish(c, r);
}

SubscriptionChange inbound(const Contact& c, SubType t) {
    SubscriptionChange r{.listed = c.listed, .state = c.state};
    SubState& s = r.state;
    switch (t) {
        case SubType::subscribe:
            // A.3.1, §3.1.3, §3.4.
            if (has_from(s.subscription)) {
                r.auto_subscribed = true;  // From, From + Pending Out, Both
            } else if (s.approved && c.listed) {
                // Pre-approved: the subscription is granted without asking the user.
                s.subscription = add_from(s.subscription);
                s.pending_in = false;
                r.auto_subscribed = true;
            } else if (!s.pending_in) {
                s.pending_in = true;  // None, None + Pending Out, To
                r.forward = true;
            }
            break;
        case SubType::unsubscribe:
            // A.3.2, §3.3.3: the contact withdraws a request or cancels From.
            if (has_from(s.subscription) || s.pending_in) {
                s.pending_in = false;
                s.subscription = drop_from(s.subscription);
                r.forward = true;
            }
            break;
        case SubType::subscribed:
            // A.3.3, §3.1.6: only an answer to Pending Out.
            if (s.pending_out) {
                s.pending_out = false;
                s.subscription = add_to(s.subscription);
                r.forward = true;
            }
            break;
        case SubType::unsubscribed:
            // A.3.4, §3.2.3: denies Pending Out or cancels To.
            if (has_to(s.subscription) || s.pending_out) {
                s.pending_out = false;
                s.subscription = drop_to(s.subscription);
                r.forward = true;
            }
            break;
    }
    return finish(c, r);
}

SubState state_of(const storage::RosterItem& item) {
    return SubState{item.subscription, item.ask, item.pending_in, item.approved};
}

void apply(const SubState& s, storage::RosterItem& item) {
    item.subscription = s.subscription;
    item.ask = s.pending_out;
    item.pending_in = s.pending_in;
    item.approved = s.approved;
    if (!s.pending_in) {
        item.pending_in_stanza.clear();
    }
}

}  // namespace parley::mod::roster
