// PubSubStore conformance suite (XEP-0060 nodes and items for PEP, XEP-0163),
// run against every backend.

#include <gtest/gtest.h>

#include "unit/storage/storage_fixture.hpp"

namespace parley::storage::test {
namespace {

constexpr const char* kOwner = "juliet@capulet.lit";
constexpr const char* kNode = "urn:xmpp:omemo:2:devices";

PubSubItem item(std::string id, std::string payload = "<p/>") {
    return PubSubItem{std::move(id), "juliet@capulet.lit/balcony", std::move(payload)};
}

std::vector<std::string> ids(const std::vector<PubSubItem>& items) {
    std::vector<std::string> out;
    for (const auto& i : items) {
        out.push_back(i.id);
    }
    return out;
}

class PubSubStoreTest : public StorageTest {};

TEST_P(PubSubStoreTest, Node_AbsentUntilCreated) {
    EXPECT_FALSE(run(pubsub().node(kOwner, kNode)).has_value());
    EXPECT_TRUE(run(pubsub().create(kOwner, {kNode, "access_model=open\n"})));
    EXPECT_FALSE(run(pubsub().create(kOwner, {kNode, "other"})));  // exists: unchanged
    EXPECT_EQ(run(pubsub().node(kOwner, kNode)), "access_model=open\n");
    EXPECT_FALSE(run(pubsub().node("romeo@montague.lit", kNode)).has_value());
}

TEST_P(PubSubStoreTest, Nodes_SortedByName) {
    run(pubsub().create(kOwner, {"b", "1"}));
    run(pubsub().create(kOwner, {"a", "2"}));
    run(pubsub().create("romeo@montague.lit", {"c", "3"}));
    auto nodes = run(pubsub().nodes(kOwner));
    ASSERT_EQ(nodes.size(), 2u);
    EXPECT_EQ(nodes[0].node, "a");
    EXPECT_EQ(nodes[0].config, "2");
    EXPECT_EQ(nodes[1].node, "b");
}

TEST_P(PubSubStoreTest, Publish_NeedsTheNode) {
    EXPECT_FALSE(run(pubsub().publish(kOwner, kNode, item("1"), 10)));
}

// XEP-0060 §7.1.2: the same id replaces the item, which becomes the newest.
TEST_P(PubSubStoreTest, Publish_SameIdReplacesAndBecomesNewest) {
    run(pubsub().create(kOwner, {kNode, ""}));
    run(pubsub().publish(kOwner, kNode, item("a", "<one/>"), 10));
    run(pubsub().publish(kOwner, kNode, item("b"), 10));
    run(pubsub().publish(kOwner, kNode, item("a", "<two/>"), 10));
    auto items = run(pubsub().items(kOwner, kNode, {}, 0));
    EXPECT_EQ(ids(items), (std::vector<std::string>{"b", "a"}));
    EXPECT_EQ(items[1].payload, "<two/>");
    EXPECT_EQ(items[1].publisher, "juliet@capulet.lit/balcony");
}

// pubsub#max_items: the oldest items are dropped.
TEST_P(PubSubStoreTest, Publish_BoundedByMaxItems) {
    run(pubsub().create(kOwner, {kNode, ""}));
    for (const char* id : {"1", "2", "3", "4"}) {
        run(pubsub().publish(kOwner, kNode, item(id), 2));
    }
    EXPECT_EQ(ids(run(pubsub().items(kOwner, kNode, {}, 0))),
              (std::vector<std::string>{"3", "4"}));
}

// XEP-0060 §6.5.7 max_items (the newest N) and §6.5.8 item ids.
TEST_P(PubSubStoreTest, Items_NewestMaxOrByIds) {
    run(pubsub().create(kOwner, {kNode, ""}));
    for (const char* id : {"1", "2", "3"}) {
        run(pubsub().publish(kOwner, kNode, item(id), 0));
    }
    EXPECT_EQ(ids(run(pubsub().items(kOwner, kNode, {}, 2))),
              (std::vector<std::string>{"2", "3"}));
    EXPECT_EQ(ids(run(pubsub().items(kOwner, kNode, {"3", "nope", "1"}, 0))),
              (std::vector<std::string>{"1", "3"}));
}

TEST_P(PubSubStoreTest, Configure_ReplacesConfigAndTrims) {
    EXPECT_FALSE(run(pubsub().configure(kOwner, {kNode, "x"}, 1)));
    run(pubsub().create(kOwner, {kNode, "old"}));
    run(pubsub().publish(kOwner, kNode, item("1"), 0));
    run(pubsub().publish(kOwner, kNode, item("2"), 0));
    EXPECT_TRUE(run(pubsub().configure(kOwner, {kNode, "new"}, 1)));
    EXPECT_EQ(run(pubsub().node(kOwner, kNode)), "new");
    EXPECT_EQ(ids(run(pubsub().items(kOwner, kNode, {}, 0))), (std::vector<std::string>{"2"}));
}

TEST_P(PubSubStoreTest, RetractPurgeAndRemove) {
    run(pubsub().create(kOwner, {kNode, ""}));
    run(pubsub().publish(kOwner, kNode, item("1"), 0));
    run(pubsub().publish(kOwner, kNode, item("2"), 0));
    EXPECT_TRUE(run(pubsub().retract(kOwner, kNode, "1")));
    EXPECT_FALSE(run(pubsub().retract(kOwner, kNode, "1")));
    EXPECT_EQ(run(pubsub().purge(kOwner, kNode)), 1u);
    run(pubsub().publish(kOwner, kNode, item("3"), 0));
    EXPECT_TRUE(run(pubsub().remove(kOwner, kNode)));
    EXPECT_FALSE(run(pubsub().remove(kOwner, kNode)));
    run(pubsub().create(kOwner, {kNode, ""}));  // a new node starts empty
    EXPECT_TRUE(run(pubsub().items(kOwner, kNode, {}, 0)).empty());
}

TEST_P(PubSubStoreTest, SurvivesReopenAndAccountRemoval) {
    run(accounts().create(kOwner, fake_credentials(1)));
    run(pubsub().create(kOwner, {kNode, "c"}));
    run(pubsub().publish(kOwner, kNode, item("1"), 0));
    reopen();
    EXPECT_EQ(ids(run(pubsub().items(kOwner, kNode, {}, 0))), (std::vector<std::string>{"1"}));
    EXPECT_TRUE(run(accounts().remove(kOwner)));
    EXPECT_FALSE(run(pubsub().node(kOwner, kNode)).has_value());
    EXPECT_TRUE(run(pubsub().items(kOwner, kNode, {}, 0)).empty());
}

PARLEY_STORAGE_SUITE(PubSubStoreTest);

}  // namespace
}  // namespace parley::storage::test
