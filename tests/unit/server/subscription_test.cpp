// The subscription state machine of RFC 6121 Appendix A, row by row: A.2.1-A.2.4
// (the user's server, outbound subscribe / unsubscribe / subscribed /
// unsubscribed) and A.3.1-A.3.4 (the contact's server, inbound), plus the
// pre-approvals of §3.4 and contacts that are not in the roster.
#include "modules/roster/subscription.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace parley::mod::roster {
namespace {

using storage::Subscription;

// The nine states of Appendix A.1.
constexpr SubState kNone{Subscription::none, false, false, false};
constexpr SubState kNonePendingOut{Subscription::none, true, false, false};
constexpr SubState kNonePendingIn{Subscription::none, false, true, false};
constexpr SubState kNonePendingOutIn{Subscription::none, true, true, false};
constexpr SubState kTo{Subscription::to, false, false, false};
constexpr SubState kToPendingIn{Subscription::to, false, true, false};
constexpr SubState kFrom{Subscription::from, false, false, false};
constexpr SubState kFromPendingOut{Subscription::from, true, false, false};
constexpr SubState kBoth{Subscription::both, false, false, false};

std::string describe(const SubState& s) {
    std::string out;
    switch (s.subscription) {
        case Subscription::none:
            out = "None";
            break;
        case Subscription::to:
            out = "To";
            break;
        case Subscription::from:
            out = "From";
            break;
        case Subscription::both:
            out = "Both";
            break;
    }
    if (s.pending_out && s.pending_in) {
        out += " + Pending Out+In";
    } else if (s.pending_out) {
        out += " + Pending Out";
    } else if (s.pending_in) {
        out += " + Pending In";
    }
    if (s.approved) {
        out += " (approved)";
    }
    return out;
}

// One row of an Appendix A table: EXISTING STATE | ROUTE?/DELIVER? | NEW STATE.
struct Row {
    SubState existing;
    bool forward;
    SubState after;  // == existing for "no state change"
};

using Machine = SubscriptionChange (*)(const Contact&, SubType);

void check_table(Machine machine, SubType type, const std::vector<Row>& rows) {
    ASSERT_EQ(rows.size(), 9u) << "every state of A.1 has a row";
    for (const auto& row : rows) {
        SCOPED_TRACE("existing state: " + describe(row.existing));
        auto c = machine(Contact{true, row.existing}, type);
        EXPECT_EQ(c.forward, row.forward);
        EXPECT_EQ(describe(c.state), describe(row.after));
        EXPECT_TRUE(c.listed);
        EXPECT_EQ(c.changed, row.after != row.existing);
    }
}

// --- A.2: the user's server, stanzas from the user -----------------------------

TEST(Subscription, Rfc6121_A_2_1_OutboundSubscribe) {
    check_table(outbound, SubType::subscribe,
                {
                    {kNone, true, kNonePendingOut},
                    {kNonePendingOut, true, kNonePendingOut},
                    {kNonePendingIn, true, kNonePendingOutIn},
                    {kNonePendingOutIn, true, kNonePendingOutIn},
                    {kTo, true, kTo},
                    {kToPendingIn, true, kToPendingIn},
                    {kFrom, true, kFromPendingOut},
                    {kFromPendingOut, true, kFromPendingOut},
                    {kBoth, true, kBoth},
                });
}

TEST(Subscription, Rfc6121_A_2_2_OutboundUnsubscribe) {
    check_table(outbound, SubType::unsubscribe,
                {
                    {kNone, true, kNone},
                    {kNonePendingOut, true, kNone},
                    {kNonePendingIn, true, kNonePendingIn},
                    {kNonePendingOutIn, true, kNonePendingIn},
                    {kTo, true, kNone},
                    {kToPendingIn, true, kNonePendingIn},
                    {kFrom, true, kFrom},
                    {kFromPendingOut, true, kFrom},
                    {kBoth, true, kFrom},
                });
}

// The rows marked "no state change" for None, None + Pending Out and To are
// where §3.4.2 notes a pre-approval instead (tested below).
TEST(Subscription, Rfc6121_A_2_3_OutboundSubscribed) {
    auto approved = [](SubState s) {
        s.approved = true;
        return s;
    };
    check_table(outbound, SubType::subscribed,
                {
                    {kNone, false, approved(kNone)},
                    {kNonePendingOut, false, approved(kNonePendingOut)},
                    {kNonePendingIn, true, kFrom},
                    {kNonePendingOutIn, true, kFromPendingOut},
                    {kTo, false, approved(kTo)},
                    {kToPendingIn, true, kBoth},
                    {kFrom, false, kFrom},
                    {kFromPendingOut, false, kFromPendingOut},
                    {kBoth, false, kBoth},
                });
}

TEST(Subscription, Rfc6121_A_2_4_OutboundUnsubscribed) {
    check_table(outbound, SubType::unsubscribed,
                {
                    {kNone, false, kNone},
                    {kNonePendingOut, false, kNonePendingOut},
                    {kNonePendingIn, true, kNone},
                    {kNonePendingOutIn, true, kNonePendingOut},
                    {kTo, false, kTo},
                    {kToPendingIn, true, kTo},
                    {kFrom, true, kNone},
                    {kFromPendingOut, true, kNonePendingOut},
                    {kBoth, true, kTo},
                });
}

// --- A.3: the contact's server, stanzas to the contact ---------------------------

TEST(Subscription, Rfc6121_A_3_1_InboundSubscribe) {
    check_table(inbound, SubType::subscribe,
                {
                    {kNone, true, kNonePendingIn},
                    {kNonePendingOut, true, kNonePendingOutIn},
                    {kNonePendingIn, false, kNonePendingIn},
                    {kNonePendingOutIn, false, kNonePendingOutIn},
                    {kTo, true, kToPendingIn},
                    {kToPendingIn, false, kToPendingIn},
                    {kFrom, false, kFrom},
                    {kFromPendingOut, false, kFromPendingOut},
                    {kBoth, false, kBoth},
                });
}

TEST(Subscription, Rfc6121_A_3_1_AlreadySubscribedIsAnsweredByTheServer) {
    for (auto s : {kFrom, kFromPendingOut, kBoth}) {
        SCOPED_TRACE(describe(s));
        auto c = inbound(Contact{true, s}, SubType::subscribe);
        EXPECT_TRUE(c.auto_subscribed);
        EXPECT_FALSE(c.forward);
        EXPECT_FALSE(c.push);
    }
    for (auto s : {kNone, kNonePendingOut, kNonePendingIn, kTo, kToPendingIn}) {
        SCOPED_TRACE(describe(s));
        EXPECT_FALSE(inbound(Contact{true, s}, SubType::subscribe).auto_subscribed);
    }
}

TEST(Subscription, Rfc6121_A_3_2_InboundUnsubscribe) {
    check_table(inbound, SubType::unsubscribe,
                {
                    {kNone, false, kNone},
                    {kNonePendingOut, false, kNonePendingOut},
                    {kNonePendingIn, true, kNone},
                    {kNonePendingOutIn, true, kNonePendingOut},
                    {kTo, false, kTo},
                    {kToPendingIn, true, kTo},
                    {kFrom, true, kNone},
                    {kFromPendingOut, true, kNonePendingOut},
                    {kBoth, true, kTo},
                });
}

TEST(Subscription, Rfc6121_A_3_3_InboundSubscribed) {
    check_table(inbound, SubType::subscribed,
                {
                    {kNone, false, kNone},
                    {kNonePendingOut, true, kTo},
                    {kNonePendingIn, false, kNonePendingIn},
                    {kNonePendingOutIn, true, kToPendingIn},
                    {kTo, false, kTo},
                    {kToPendingIn, false, kToPendingIn},
                    {kFrom, false, kFrom},
                    {kFromPendingOut, true, kBoth},
                    {kBoth, false, kBoth},
                });
}

TEST(Subscription, Rfc6121_A_3_4_InboundUnsubscribed) {
    check_table(inbound, SubType::unsubscribed,
                {
                    {kNone, false, kNone},
                    {kNonePendingOut, true, kNone},
                    {kNonePendingIn, false, kNonePendingIn},
                    {kNonePendingOutIn, true, kNonePendingIn},
                    {kTo, true, kNone},
                    {kToPendingIn, true, kNonePendingIn},
                    {kFrom, false, kFrom},
                    {kFromPendingOut, true, kFrom},
                    {kBoth, true, kFrom},
                });
}

// --- Roster pushes (§2.1.6): only what a client sees of the item ---------------

TEST(Subscription, Rfc6121_2_1_6_PushOnlyWhenTheVisibleItemChanges) {
    // Pending In has no attribute in the roster item: nothing to push.
    auto in = inbound(Contact{true, kNone}, SubType::subscribe);
    EXPECT_TRUE(in.changed);
    EXPECT_FALSE(in.push);
    // ask='subscribe' appears.
    EXPECT_TRUE(outbound(Contact{true, kNone}, SubType::subscribe).push);
    // The subscription attribute changes.
    EXPECT_TRUE(inbound(Contact{true, kNonePendingOut}, SubType::subscribed).push);
    // No change, no push.
    auto same = outbound(Contact{true, kTo}, SubType::subscribe);
    EXPECT_FALSE(same.changed);
    EXPECT_FALSE(same.push);
}

// --- Contacts not in the roster ---------------------------------------------------

TEST(Subscription, Rfc6121_3_1_2_SubscribeAddsTheContactWithPendingOut) {
    auto c = outbound(Contact{}, SubType::subscribe);
    EXPECT_TRUE(c.forward);
    EXPECT_TRUE(c.listed);
    EXPECT_EQ(describe(c.state), describe(kNonePendingOut));
    EXPECT_TRUE(c.changed);
    EXPECT_TRUE(c.push);
}

TEST(Subscription, Rfc6121_3_1_3_RequestFromAStrangerIsKeptOutOfTheRoster) {
    auto c = inbound(Contact{}, SubType::subscribe);
    EXPECT_TRUE(c.forward);
    EXPECT_FALSE(c.listed);
    EXPECT_EQ(describe(c.state), describe(kNonePendingIn));
    EXPECT_TRUE(c.changed);
    EXPECT_FALSE(c.push);
    // A second request is not delivered again.
    auto again = inbound(Contact{false, kNonePendingIn}, SubType::subscribe);
    EXPECT_FALSE(again.forward);
    EXPECT_FALSE(again.changed);
}

TEST(Subscription, Rfc6121_3_1_5_ApprovingAStrangerAddsItWithFrom) {
    auto c = outbound(Contact{false, kNonePendingIn}, SubType::subscribed);
    EXPECT_TRUE(c.forward);
    EXPECT_TRUE(c.listed);
    EXPECT_EQ(describe(c.state), describe(kFrom));
    EXPECT_TRUE(c.push);
}

TEST(Subscription, Rfc6121_3_1_4_DenyingAStrangerLeavesNoItem) {
    auto c = outbound(Contact{false, kNonePendingIn}, SubType::unsubscribed);
    EXPECT_TRUE(c.forward);
    EXPECT_FALSE(c.listed);
    EXPECT_EQ(describe(c.state), describe(kNone));
    EXPECT_TRUE(c.changed);
    EXPECT_FALSE(c.push);
}

TEST(Subscription, AppendixA_NothingHappensForAnUnknownContact) {
    for (auto t : {SubType::unsubscribe, SubType::subscribed, SubType::unsubscribed}) {
        SCOPED_TRACE(std::string(to_string(t)));
        auto c = inbound(Contact{}, t);
        EXPECT_FALSE(c.forward);
        EXPECT_FALSE(c.changed);
        EXPECT_FALSE(c.listed);
    }
    auto unsubscribed = outbound(Contact{}, SubType::unsubscribed);
    EXPECT_FALSE(unsubscribed.forward);
    EXPECT_FALSE(unsubscribed.changed);
    // A.2.2: unsubscribe is routed whatever the state, and adds nothing.
    auto unsubscribe = outbound(Contact{}, SubType::unsubscribe);
    EXPECT_TRUE(unsubscribe.forward);
    EXPECT_FALSE(unsubscribe.changed);
    EXPECT_FALSE(unsubscribe.listed);
}

// --- §3.4 pre-approval --------------------------------------------------------------

TEST(Subscription, Rfc6121_3_4_2_PreApprovalOfAContactNotInTheRoster) {
    // Rule 4: an item with state None and approved, pushed, not routed.
    auto c = outbound(Contact{}, SubType::subscribed);
    EXPECT_FALSE(c.forward);
    EXPECT_TRUE(c.listed);
    EXPECT_TRUE(c.state.approved);
    EXPECT_EQ(c.state.subscription, Subscription::none);
    EXPECT_TRUE(c.push);
}

TEST(Subscription, Rfc6121_3_4_2_PreApprovalIsPushedNotRouted) {
    // Rule 3: To, None, None + Pending Out.
    for (auto s : {kNone, kNonePendingOut, kTo}) {
        SCOPED_TRACE(describe(s));
        auto c = outbound(Contact{true, s}, SubType::subscribed);
        EXPECT_FALSE(c.forward);
        EXPECT_TRUE(c.state.approved);
        EXPECT_TRUE(c.push);
    }
    // Pre-approving twice changes nothing.
    SubState approved = kNone;
    approved.approved = true;
    auto twice = outbound(Contact{true, approved}, SubType::subscribed);
    EXPECT_FALSE(twice.changed);
    EXPECT_FALSE(twice.forward);
}

TEST(Subscription, Rfc6121_3_4_PreApprovedRequestIsGrantedWithoutAskingTheUser) {
    struct Case {
        SubState existing;
        SubState after;
    };
    for (auto [existing, after] :
         {Case{kNone, kFrom}, Case{kNonePendingOut, kFromPendingOut}, Case{kTo, kBoth}}) {
        SCOPED_TRACE(describe(existing));
        existing.approved = true;
        auto c = inbound(Contact{true, existing}, SubType::subscribe);
        EXPECT_TRUE(c.auto_subscribed);
        EXPECT_FALSE(c.forward);
        EXPECT_EQ(describe(c.state), describe(after));  // 'approved' is spent
        EXPECT_TRUE(c.push);
    }
}

TEST(Subscription, Rfc6121_3_4_UnsubscribedCancelsAPreApproval) {
    for (auto s : {kNone, kNonePendingOut, kTo}) {
        SCOPED_TRACE(describe(s));
        SubState approved = s;
        approved.approved = true;
        auto c = outbound(Contact{true, approved}, SubType::unsubscribed);
        EXPECT_FALSE(c.forward);
        EXPECT_EQ(describe(c.state), describe(s));
        EXPECT_TRUE(c.push);
    }
}

TEST(Subscription, Rfc6121_3_4_ApprovalOfAPendingRequestClearsApproved) {
    // A request that arrives while pre-approved never becomes Pending In, but a
    // stored state with both must not keep 'approved' once From is granted.
    SubState s = kNonePendingIn;
    s.approved = true;
    auto c = outbound(Contact{true, s}, SubType::subscribed);
    EXPECT_TRUE(c.forward);
    EXPECT_EQ(describe(c.state), describe(kFrom));
}

// --- Helpers --------------------------------------------------------------------------

TEST(Subscription, ParsesOnlyTheFourSubscriptionTypes) {
    EXPECT_EQ(parse_sub_type("subscribe"), SubType::subscribe);
    EXPECT_EQ(parse_sub_type("subscribed"), SubType::subscribed);
    EXPECT_EQ(parse_sub_type("unsubscribe"), SubType::unsubscribe);
    EXPECT_EQ(parse_sub_type("unsubscribed"), SubType::unsubscribed);
    for (auto t : {"", "probe", "unavailable", "error", "Subscribe"}) {
        EXPECT_FALSE(parse_sub_type(t).has_value()) << t;
    }
}

TEST(Subscription, StateRoundTripsThroughTheRosterItem) {
    storage::RosterItem item;
    item.pending_in_stanza = "<presence type='subscribe'/>";
    apply(kNonePendingOutIn, item);
    EXPECT_EQ(state_of(item), kNonePendingOutIn);
    EXPECT_TRUE(item.ask);
    EXPECT_FALSE(item.pending_in_stanza.empty());
    apply(kNonePendingOut, item);  // the request was answered: the stored stanza goes
    EXPECT_TRUE(item.pending_in_stanza.empty());
}

}  // namespace
}  // namespace parley::mod::roster
