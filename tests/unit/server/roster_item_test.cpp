// The roster item codec (RFC 6121 §2.1.2, §2.3.3): literal XML in, typed value
// out, every error branch with its condition, and serialization back.
#include "modules/roster/roster_item.hpp"

#include <gtest/gtest.h>

#include <string>

#include "xml/serializer.hpp"
#include "xml/stream_parser.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod::roster {
namespace {

using xmpp::Condition;

Result<ItemRequest, xmpp::StanzaError> parse(std::string_view xml) {
    auto e = xml::parse_element(xml);
    if (!e) {
        ADD_FAILURE() << "test XML does not parse: " << xml;
        return fail(xmpp::StanzaError(Condition::undefined_condition));
    }
    return parse_item(*e);
}

// The condition of a rejected item, or "accepted".
std::string condition_of(std::string_view xml) {
    auto r = parse(xml);
    return r ? "accepted" : std::string(xmpp::to_string(r.error().condition));
}

xml::ElementPtr element(std::string_view xml) {
    auto e = xml::parse_element(xml);
    EXPECT_TRUE(e) << xml;
    return e;
}

TEST(RosterItem, Rfc6121_2_1_2_ParsesJidNameAndGroups) {
    auto r = parse(
        "<item xmlns='jabber:iq:roster' jid='Nurse@Example.com' name='Nurse'>"
        "<group>Servants</group><group>Capulets</group></item>");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->jid.str(), "nurse@example.com");  // normalized (RFC 7622)
    EXPECT_EQ(r->name, "Nurse");
    EXPECT_EQ(r->subscription, ItemSubscription::none);
    EXPECT_EQ(r->groups, (std::vector<std::string>{"Servants", "Capulets"}));
}

TEST(RosterItem, Rfc6121_2_1_2_4_NameAndGroupsAreOptional) {
    auto r = parse("<item xmlns='jabber:iq:roster' jid='nurse@example.com'/>");
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->name.empty());
    EXPECT_TRUE(r->groups.empty());
}

TEST(RosterItem, Rfc6121_2_1_2_5_SubscriptionValues) {
    struct Case {
        const char* value;
        ItemSubscription expected;
    };
    for (auto [value, expected] :
         {Case{"none", ItemSubscription::none}, Case{"to", ItemSubscription::to},
          Case{"from", ItemSubscription::from}, Case{"both", ItemSubscription::both},
          Case{"remove", ItemSubscription::remove}}) {
        auto r = parse(std::string("<item xmlns='jabber:iq:roster' jid='a@b' subscription='") +
                       value + "'/>");
        ASSERT_TRUE(r) << value;
        EXPECT_EQ(r->subscription, expected) << value;
    }
    EXPECT_EQ(condition_of("<item xmlns='jabber:iq:roster' jid='a@b' subscription='maybe'/>"),
              "bad-request");
}

TEST(RosterItem, Rfc6121_2_1_2_3_JidIsRequired) {
    EXPECT_EQ(condition_of("<item xmlns='jabber:iq:roster' name='x'/>"), "bad-request");
}

TEST(RosterItem, Rfc6121_2_1_2_3_JidMustBeValid) {
    EXPECT_EQ(condition_of("<item xmlns='jabber:iq:roster' jid='@example.com'/>"), "jid-malformed");
    EXPECT_EQ(condition_of("<item xmlns='jabber:iq:roster' jid=''/>"), "jid-malformed");
}

TEST(RosterItem, RosterItemsAreBareJids) {
    EXPECT_EQ(condition_of("<item xmlns='jabber:iq:roster' jid='a@b/phone'/>"), "bad-request");
    // A domain is a valid contact (gateways, services).
    EXPECT_EQ(condition_of("<item xmlns='jabber:iq:roster' jid='gateway.example.com'/>"),
              "accepted");
}

TEST(RosterItem, Rfc6121_2_3_3_DuplicateGroupIsBadRequest) {
    EXPECT_EQ(condition_of("<item xmlns='jabber:iq:roster' jid='a@b'>"
                           "<group>Friends</group><group>Friends</group></item>"),
              "bad-request");
    // Group names are case-sensitive: these are two groups.
    EXPECT_EQ(condition_of("<item xmlns='jabber:iq:roster' jid='a@b'>"
                           "<group>Friends</group><group>friends</group></item>"),
              "accepted");
}

TEST(RosterItem, Rfc6121_2_3_3_EmptyGroupIsNotAcceptable) {
    EXPECT_EQ(condition_of("<item xmlns='jabber:iq:roster' jid='a@b'><group/></item>"),
              "not-acceptable");
    EXPECT_EQ(condition_of("<item xmlns='jabber:iq:roster' jid='a@b'><group></group></item>"),
              "not-acceptable");
}

TEST(RosterItem, Rfc6121_2_3_3_OverlongNameOrGroupIsNotAcceptable) {
    const std::string longest(kMaxNameBytes, 'n');
    const std::string too_long(kMaxNameBytes + 1, 'n');
    EXPECT_EQ(condition_of("<item xmlns='jabber:iq:roster' jid='a@b' name='" + longest + "'/>"),
              "accepted");
    EXPECT_EQ(condition_of("<item xmlns='jabber:iq:roster' jid='a@b' name='" + too_long + "'/>"),
              "not-acceptable");
    EXPECT_EQ(condition_of("<item xmlns='jabber:iq:roster' jid='a@b'><group>" + too_long +
                           "</group></item>"),
              "not-acceptable");
}

TEST(RosterItem, TooManyGroupsAreRefused) {
    std::string xml = "<item xmlns='jabber:iq:roster' jid='a@b'>";
    for (std::size_t i = 0; i <= kMaxGroups; ++i) {
        xml += "<group>g" + std::to_string(i) + "</group>";
    }
    xml += "</item>";
    EXPECT_EQ(condition_of(xml), "not-acceptable");
}

TEST(RosterItem, GroupsInAnotherNamespaceAreIgnored) {
    auto r = parse(
        "<item xmlns='jabber:iq:roster' jid='a@b'><group xmlns='urn:other'>X</group>"
        "<group>Y</group></item>");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->groups, (std::vector<std::string>{"Y"}));
}

TEST(RosterItem, OnlyAnItemInTheRosterNamespaceIsAnItem) {
    EXPECT_EQ(condition_of("<item xmlns='urn:other' jid='a@b'/>"), "bad-request");
    EXPECT_EQ(condition_of("<query xmlns='jabber:iq:roster' jid='a@b'/>"), "bad-request");
}

TEST(RosterItem, Rfc6121_2_1_2_SerializesAnItem) {
    storage::RosterItem item;
    item.jid = "romeo@example.net";
    item.name = "Romeo";
    item.subscription = storage::Subscription::both;
    item.groups = {"Friends", "Lovers"};
    auto expected = element(
        "<item xmlns='jabber:iq:roster' jid='romeo@example.net' name='Romeo' "
        "subscription='both'><group>Friends</group><group>Lovers</group></item>");
    EXPECT_EQ(*serialize_item(item), *expected) << xml::to_string(*serialize_item(item));
}

TEST(RosterItem, Rfc6121_2_1_2_2_AskOnlyForPendingOut) {
    storage::RosterItem item;
    item.jid = "romeo@example.net";
    item.ask = true;
    item.pending_in = true;  // Pending In is not shown (§3.1.3)
    item.pending_in_stanza = "<presence/>";
    auto expected = element(
        "<item xmlns='jabber:iq:roster' jid='romeo@example.net' subscription='none' "
        "ask='subscribe'/>");
    EXPECT_EQ(*serialize_item(item), *expected) << xml::to_string(*serialize_item(item));
}

TEST(RosterItem, Rfc6121_3_4_ApprovedOnlyBeforeTheContactIsSubscribed) {
    storage::RosterItem item;
    item.jid = "romeo@example.net";
    item.approved = true;
    item.subscription = storage::Subscription::to;
    EXPECT_EQ(*serialize_item(item),
              *element("<item xmlns='jabber:iq:roster' jid='romeo@example.net' subscription='to' "
                       "approved='true'/>"));
    item.subscription = storage::Subscription::both;
    EXPECT_EQ(*serialize_item(item),
              *element("<item xmlns='jabber:iq:roster' jid='romeo@example.net' "
                       "subscription='both'/>"));
}

TEST(RosterItem, Rfc6121_2_5_2_RemovalPushItem) {
    EXPECT_EQ(*serialize_removed_item("nurse@example.com"),
              *element("<item xmlns='jabber:iq:roster' jid='nurse@example.com' "
                       "subscription='remove'/>"));
}

TEST(RosterItem, RoundTripKeepsNameAndGroups) {
    storage::RosterItem item;
    item.jid = "juliet@example.com";
    item.name = "J & <R>";
    item.groups = {"a\"b", "c'd"};
    auto text = xml::to_string(*serialize_item(item));
    auto r = parse(text);
    ASSERT_TRUE(r) << text;
    EXPECT_EQ(r->jid.str(), item.jid);
    EXPECT_EQ(r->name, item.name);
    EXPECT_EQ(r->groups, item.groups);
    EXPECT_EQ(r->subscription, ItemSubscription::none);
}

}  // namespace
}  // namespace parley::mod::roster
