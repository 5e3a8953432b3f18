// KeyValStore conformance suite, run against every backend.

#include <gtest/gtest.h>

#include "unit/storage/storage_fixture.hpp"

namespace parley::storage::test {
namespace {

constexpr const char* kAlice = "alice@example.org";
constexpr const char* kBob = "bob@example.org";

using Pairs = std::vector<std::pair<std::string, std::string>>;

class KeyValStoreTest : public StorageTest {};

TEST_P(KeyValStoreTest, Get_MissingIsNullopt) {
    EXPECT_FALSE(run(keyval().get(kAlice, "private", "jabber:iq:roster")).has_value());
}

TEST_P(KeyValStoreTest, Set_ThenGet) {
    run(keyval().set(kAlice, "private", "storage:bookmarks", "<storage/>"));
    EXPECT_EQ(run(keyval().get(kAlice, "private", "storage:bookmarks")), "<storage/>");
}

TEST_P(KeyValStoreTest, Set_OverwritesValue) {
    run(keyval().set(kAlice, "vcard", "", "<vCard>1</vCard>"));
    run(keyval().set(kAlice, "vcard", "", "<vCard>2</vCard>"));
    EXPECT_EQ(run(keyval().get(kAlice, "vcard", "")), "<vCard>2</vCard>");
    EXPECT_EQ(run(keyval().list(kAlice, "vcard")).size(), 1u);
}

TEST_P(KeyValStoreTest, Set_EmptyAndBinaryValuesRoundTrip) {
    std::string binary("a\0b\xff\x01", 5);
    run(keyval().set(kAlice, "s", "binary", binary));
    run(keyval().set(kAlice, "s", "empty", ""));
    EXPECT_EQ(run(keyval().get(kAlice, "s", "binary")), binary);
    auto empty = run(keyval().get(kAlice, "s", "empty"));
    ASSERT_TRUE(empty.has_value());  // an empty value is not a missing one
    EXPECT_EQ(*empty, "");
}

TEST_P(KeyValStoreTest, Keys_AreScopedByUserAndStore) {
    run(keyval().set(kAlice, "blocklist", "eve@example.net", "1"));
    run(keyval().set(kAlice, "other", "eve@example.net", "2"));
    run(keyval().set(kBob, "blocklist", "eve@example.net", "3"));
    EXPECT_EQ(run(keyval().get(kAlice, "blocklist", "eve@example.net")), "1");
    EXPECT_EQ(run(keyval().get(kAlice, "other", "eve@example.net")), "2");
    EXPECT_EQ(run(keyval().get(kBob, "blocklist", "eve@example.net")), "3");
    EXPECT_FALSE(run(keyval().get(kBob, "other", "eve@example.net")).has_value());
}

TEST_P(KeyValStoreTest, Remove_ExistingThenMissing) {
    run(keyval().set(kAlice, "blocklist", "eve@example.net", ""));
    run(keyval().set(kAlice, "blocklist", "mallory@example.net", ""));
    EXPECT_TRUE(run(keyval().remove(kAlice, "blocklist", "eve@example.net")));
    EXPECT_FALSE(run(keyval().remove(kAlice, "blocklist", "eve@example.net")));
    EXPECT_FALSE(run(keyval().get(kAlice, "blocklist", "eve@example.net")).has_value());
    EXPECT_TRUE(run(keyval().get(kAlice, "blocklist", "mallory@example.net")).has_value());
    EXPECT_FALSE(run(keyval().remove(kBob, "blocklist", "mallory@example.net")));
}

TEST_P(KeyValStoreTest, List_SortedByKeyAndScoped) {
    run(keyval().set(kAlice, "blocklist", "zed@example.net", "z"));
    run(keyval().set(kAlice, "blocklist", "amy@example.net", "a"));
    run(keyval().set(kAlice, "blocklist", "bob@example.net", "b"));
    run(keyval().set(kAlice, "other", "aaa", "x"));
    run(keyval().set(kBob, "blocklist", "aaa", "y"));
    EXPECT_EQ(run(keyval().list(kAlice, "blocklist")),
              (Pairs{{"amy@example.net", "a"}, {"bob@example.net", "b"},
                     {"zed@example.net", "z"}}));
    EXPECT_TRUE(run(keyval().list(kAlice, "nothing")).empty());
}

TEST_P(KeyValStoreTest, Clear_RemovesOnlyThatStore) {
    run(keyval().set(kAlice, "blocklist", "a", "1"));
    run(keyval().set(kAlice, "blocklist", "b", "2"));
    run(keyval().set(kAlice, "other", "a", "3"));
    run(keyval().set(kBob, "blocklist", "a", "4"));
    EXPECT_EQ(run(keyval().clear(kAlice, "blocklist")), 2u);
    EXPECT_TRUE(run(keyval().list(kAlice, "blocklist")).empty());
    EXPECT_EQ(run(keyval().list(kAlice, "other")), (Pairs{{"a", "3"}}));
    EXPECT_EQ(run(keyval().list(kBob, "blocklist")), (Pairs{{"a", "4"}}));
    EXPECT_EQ(run(keyval().clear(kAlice, "blocklist")), 0u);
}

TEST_P(KeyValStoreTest, Reopen_KeepsValues) {
    std::string binary("\0\x01\x02", 3);
    run(keyval().set(kAlice, "private", "ns", "<x/>"));
    run(keyval().set(kAlice, "private", "bin", binary));
    reopen();
    EXPECT_EQ(run(keyval().list(kAlice, "private")), (Pairs{{"bin", binary}, {"ns", "<x/>"}}));
}

PARLEY_STORAGE_SUITE(KeyValStoreTest);

}  // namespace
}  // namespace parley::storage::test
