// RosterStore conformance suite (RFC 6121 §2; versioning §2.6), run against
// every backend.

#include <gtest/gtest.h>

#include "unit/storage/storage_fixture.hpp"

namespace parley::storage::test {
namespace {

constexpr const char* kAlice = "alice@example.org";
constexpr const char* kBob = "bob@example.org";

void expect_same_item(const RosterItem& a, const RosterItem& b) {
    EXPECT_EQ(a.jid, b.jid);
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.subscription, b.subscription);
    EXPECT_EQ(a.ask, b.ask);
    EXPECT_EQ(a.pending_in, b.pending_in);
    EXPECT_EQ(a.approved, b.approved);
    EXPECT_EQ(a.groups, b.groups);
    EXPECT_EQ(a.pending_in_stanza, b.pending_in_stanza);
}

class RosterStoreTest : public StorageTest {};

TEST_P(RosterStoreTest, Get_NeverUsedRosterIsEmptyWithVersionZero) {
    auto r = run(roster().get(kAlice));
    EXPECT_EQ(r.version, 0u);
    EXPECT_TRUE(r.items.empty());
    EXPECT_FALSE(run(roster().item(kAlice, "carol@example.net")).has_value());
}

TEST_P(RosterStoreTest, Rfc6121_2_6_PutIncrementsVersion) {
    EXPECT_EQ(run(roster().put(kAlice, roster_item("carol@example.net"))), 1u);
    EXPECT_EQ(run(roster().put(kAlice, roster_item("dave@example.net"))), 2u);
    // Replacing an existing item is a change too.
    EXPECT_EQ(run(roster().put(kAlice, roster_item("carol@example.net", {"Work"}))), 3u);
    EXPECT_EQ(run(roster().get(kAlice)).version, 3u);
}

TEST_P(RosterStoreTest, Rfc6121_2_6_RemoveIncrementsVersion) {
    run(roster().put(kAlice, roster_item("carol@example.net")));
    run(roster().put(kAlice, roster_item("dave@example.net")));
    EXPECT_EQ(run(roster().remove(kAlice, "carol@example.net")), std::optional<std::uint64_t>(3));
    auto r = run(roster().get(kAlice));
    EXPECT_EQ(r.version, 3u);
    ASSERT_EQ(r.items.size(), 1u);
    EXPECT_EQ(r.items[0].jid, "dave@example.net");
}

TEST_P(RosterStoreTest, Remove_MissingItemIsNulloptAndKeepsVersion) {
    run(roster().put(kAlice, roster_item("carol@example.net")));
    EXPECT_FALSE(run(roster().remove(kAlice, "nobody@example.net")).has_value());
    EXPECT_FALSE(run(roster().remove(kBob, "carol@example.net")).has_value());
    EXPECT_EQ(run(roster().get(kAlice)).version, 1u);
    EXPECT_EQ(run(roster().get(kBob)).version, 0u);
}

TEST_P(RosterStoreTest, Version_IsPerUser) {
    run(roster().put(kAlice, roster_item("carol@example.net")));
    run(roster().put(kAlice, roster_item("dave@example.net")));
    EXPECT_EQ(run(roster().put(kBob, roster_item("carol@example.net"))), 1u);
    EXPECT_EQ(run(roster().get(kAlice)).version, 2u);
    EXPECT_EQ(run(roster().get(kBob)).version, 1u);
}

TEST_P(RosterStoreTest, Version_NeverGoesBackAfterRemovingEveryItem) {
    run(roster().put(kAlice, roster_item("carol@example.net")));
    run(roster().remove(kAlice, "carol@example.net"));
    auto r = run(roster().get(kAlice));
    EXPECT_TRUE(r.items.empty());
    EXPECT_EQ(r.version, 2u);
    EXPECT_EQ(run(roster().put(kAlice, roster_item("carol@example.net"))), 3u);
}

TEST_P(RosterStoreTest, Item_RoundTripsEveryField) {
    RosterItem item = roster_item("carol@example.net", {"Friends", "Work"});
    item.name = "Carol \xc3\xa9";  // UTF-8
    item.subscription = Subscription::from;
    item.ask = true;
    item.pending_in = true;
    item.approved = true;
    item.pending_in_stanza =
        "<presence from='carol@example.net' to='alice@example.org' type='subscribe'/>";
    run(roster().put(kAlice, item));
    auto got = run(roster().item(kAlice, "carol@example.net"));
    ASSERT_TRUE(got.has_value());
    expect_same_item(*got, item);

    auto r = run(roster().get(kAlice));
    ASSERT_EQ(r.items.size(), 1u);
    expect_same_item(r.items[0], item);
}

TEST_P(RosterStoreTest, Item_EverySubscriptionStateRoundTrips) {
    const Subscription states[] = {Subscription::none, Subscription::to, Subscription::from,
                                   Subscription::both};
    for (Subscription s : states) {
        RosterItem item = roster_item("carol@example.net");
        item.subscription = s;
        run(roster().put(kAlice, item));
        auto got = run(roster().item(kAlice, "carol@example.net"));
        ASSERT_TRUE(got.has_value());
        EXPECT_EQ(got->subscription, s);
    }
}

TEST_P(RosterStoreTest, Item_FlagsClearAgain) {
    RosterItem item = roster_item("carol@example.net");
    item.ask = item.pending_in = item.approved = true;
    item.pending_in_stanza = "<presence type='subscribe'/>";
    run(roster().put(kAlice, item));
    item.ask = item.pending_in = item.approved = false;
    item.pending_in_stanza.clear();
    run(roster().put(kAlice, item));
    auto got = run(roster().item(kAlice, "carol@example.net"));
    ASSERT_TRUE(got.has_value());
    expect_same_item(*got, item);
}

TEST_P(RosterStoreTest, Get_ItemsSortedByJid) {
    for (const char* jid : {"zed@example.net", "amy@example.net", "mia@example.com",
                            "example.net", "bob@example.net"}) {
        run(roster().put(kAlice, roster_item(jid, {std::string("g-") + jid})));
    }
    auto r = run(roster().get(kAlice));
    ASSERT_EQ(r.items.size(), 5u);
    std::vector<std::string> jids;
    for (const auto& item : r.items) {
        jids.push_back(item.jid);
        // Each item got its own group (the merge of groups into items is right).
        EXPECT_EQ(item.groups, std::vector<std::string>{"g-" + item.jid});
    }
    EXPECT_EQ(jids, (std::vector<std::string>{"amy@example.net", "bob@example.net",
                                              "example.net", "mia@example.com",
                                              "zed@example.net"}));
}

TEST_P(RosterStoreTest, Get_OnlyThatUsersItems) {
    run(roster().put(kAlice, roster_item("carol@example.net", {"A"})));
    run(roster().put(kBob, roster_item("carol@example.net", {"B"})));
    run(roster().put(kBob, roster_item("dave@example.net")));
    auto r = run(roster().get(kAlice));
    ASSERT_EQ(r.items.size(), 1u);
    EXPECT_EQ(r.items[0].groups, std::vector<std::string>{"A"});
    EXPECT_EQ(run(roster().get(kBob)).items.size(), 2u);
}

TEST_P(RosterStoreTest, Groups_KeepOrderAndDropDuplicates) {
    run(roster().put(kAlice, roster_item("carol@example.net", {"Work", "Friends", "Work", "A"})));
    auto got = run(roster().item(kAlice, "carol@example.net"));
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->groups, (std::vector<std::string>{"Work", "Friends", "A"}));
}

TEST_P(RosterStoreTest, Groups_PutReplacesTheGroupSet) {
    run(roster().put(kAlice, roster_item("carol@example.net", {"Friends", "Work"})));
    run(roster().put(kAlice, roster_item("carol@example.net", {"Family"})));
    EXPECT_EQ(run(roster().item(kAlice, "carol@example.net"))->groups,
              std::vector<std::string>{"Family"});
    run(roster().put(kAlice, roster_item("carol@example.net")));
    EXPECT_TRUE(run(roster().item(kAlice, "carol@example.net"))->groups.empty());
}

TEST_P(RosterStoreTest, Groups_GoneWithTheRemovedItem) {
    run(roster().put(kAlice, roster_item("carol@example.net", {"Friends"})));
    ASSERT_TRUE(run(roster().remove(kAlice, "carol@example.net")).has_value());
    run(roster().put(kAlice, roster_item("carol@example.net")));
    EXPECT_TRUE(run(roster().item(kAlice, "carol@example.net"))->groups.empty());
}

TEST_P(RosterStoreTest, Reopen_KeepsItemsGroupsFlagsAndVersion) {
    RosterItem carol = roster_item("carol@example.net", {"Friends", "Work"});
    carol.name = "Carol";
    carol.subscription = Subscription::both;
    carol.approved = true;
    RosterItem dave = roster_item("dave@example.net");
    dave.subscription = Subscription::none;
    dave.pending_in = true;
    dave.pending_in_stanza = "<presence type='subscribe'/>";
    run(roster().put(kAlice, carol));
    run(roster().put(kAlice, dave));
    run(roster().put(kAlice, roster_item("erin@example.net")));
    run(roster().remove(kAlice, "erin@example.net"));

    reopen();

    auto r = run(roster().get(kAlice));
    EXPECT_EQ(r.version, 4u);
    ASSERT_EQ(r.items.size(), 2u);
    expect_same_item(r.items[0], carol);
    expect_same_item(r.items[1], dave);
    // The counter continues where it was, so clients' cached versions stay valid.
    EXPECT_EQ(run(roster().put(kAlice, roster_item("erin@example.net"))), 5u);
}

TEST_P(RosterStoreTest, PutMany_WritesEveryItemAndBumpsEachVersionOnce) {
    RosterItem carol = roster_item("carol@example.net", {"Friends"});
    carol.subscription = Subscription::both;
    RosterItem dave = roster_item("dave@example.net");
    dave.subscription = Subscription::both;
    run(roster().put(kBob, roster_item("erin@example.net")));  // bob's version is 1
    std::vector<std::pair<std::string, RosterItem>> items = {
        {kAlice, carol}, {kAlice, dave}, {kBob, carol}};
    EXPECT_EQ(run(roster().put_many(items)), 3u);

    auto a = run(roster().get(kAlice));
    EXPECT_EQ(a.version, 1u);
    ASSERT_EQ(a.items.size(), 2u);
    expect_same_item(a.items[0], carol);
    expect_same_item(a.items[1], dave);
    auto b = run(roster().get(kBob));
    EXPECT_EQ(b.version, 2u);
    ASSERT_EQ(b.items.size(), 2u);
    expect_same_item(b.items[0], carol);
}

TEST_P(RosterStoreTest, PutMany_ReplacesExistingItems) {
    run(roster().put(kAlice, roster_item("carol@example.net", {"Old"})));
    RosterItem carol = roster_item("carol@example.net", {"New"});
    carol.subscription = Subscription::both;
    EXPECT_EQ(run(roster().put_many({{kAlice, carol}})), 1u);
    auto r = run(roster().get(kAlice));
    ASSERT_EQ(r.items.size(), 1u);
    expect_same_item(r.items[0], carol);
    EXPECT_EQ(r.version, 2u);
}

TEST_P(RosterStoreTest, PutMany_EmptyListChangesNothing) {
    EXPECT_EQ(run(roster().put_many({})), 0u);
    EXPECT_EQ(run(roster().get(kAlice)).version, 0u);
}

PARLEY_STORAGE_SUITE(RosterStoreTest);

}  // namespace
}  // namespace parley::storage::test
