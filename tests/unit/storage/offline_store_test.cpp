// OfflineStore conformance suite (XEP-0160), run against every backend.

#include <gtest/gtest.h>

#include "unit/storage/storage_fixture.hpp"

namespace parley::storage::test {
namespace {

constexpr const char* kAlice = "alice@example.org";
constexpr const char* kBob = "bob@example.org";

std::string message(int n) { return "<message id='m" + std::to_string(n) + "'/>"; }

class OfflineStoreTest : public StorageTest {};

TEST_P(OfflineStoreTest, PopAll_EmptyForNewUser) {
    EXPECT_TRUE(run(offline().pop_all(kAlice)).empty());
    EXPECT_EQ(run(offline().count(kAlice)), 0u);
}

TEST_P(OfflineStoreTest, Xep0160_PopAllReturnsOldestFirstAndDeletes) {
    for (int i = 0; i < 5; ++i) {
        ASSERT_TRUE(run(offline().push(kAlice, message(i), 100)));
    }
    EXPECT_EQ(run(offline().count(kAlice)), 5u);
    EXPECT_EQ(run(offline().pop_all(kAlice)),
              (std::vector<std::string>{message(0), message(1), message(2), message(3),
                                        message(4)}));
    EXPECT_EQ(run(offline().count(kAlice)), 0u);
    EXPECT_TRUE(run(offline().pop_all(kAlice)).empty());
}

TEST_P(OfflineStoreTest, Push_LimitReachedStoresNothing) {
    ASSERT_TRUE(run(offline().push(kAlice, message(1), 2)));
    ASSERT_TRUE(run(offline().push(kAlice, message(2), 2)));
    EXPECT_FALSE(run(offline().push(kAlice, message(3), 2)));
    EXPECT_EQ(run(offline().count(kAlice)), 2u);
    // A larger limit lets it through again.
    EXPECT_TRUE(run(offline().push(kAlice, message(3), 3)));
    EXPECT_EQ(run(offline().pop_all(kAlice)),
              (std::vector<std::string>{message(1), message(2), message(3)}));
}

TEST_P(OfflineStoreTest, Push_LimitZeroStoresNothing) {
    EXPECT_FALSE(run(offline().push(kAlice, message(1), 0)));
    EXPECT_EQ(run(offline().count(kAlice)), 0u);
}

TEST_P(OfflineStoreTest, Push_LimitIsPerUser) {
    ASSERT_TRUE(run(offline().push(kAlice, message(1), 1)));
    EXPECT_FALSE(run(offline().push(kAlice, message(2), 1)));
    EXPECT_TRUE(run(offline().push(kBob, message(3), 1)));
}

TEST_P(OfflineStoreTest, PopAll_OnlyThatUsersMessages) {
    ASSERT_TRUE(run(offline().push(kAlice, message(1), 10)));
    ASSERT_TRUE(run(offline().push(kBob, message(2), 10)));
    ASSERT_TRUE(run(offline().push(kAlice, message(3), 10)));
    EXPECT_EQ(run(offline().pop_all(kAlice)),
              (std::vector<std::string>{message(1), message(3)}));
    EXPECT_EQ(run(offline().count(kBob)), 1u);
    EXPECT_EQ(run(offline().pop_all(kBob)), std::vector<std::string>{message(2)});
}

TEST_P(OfflineStoreTest, Push_AfterPopAllStaysInOrder) {
    ASSERT_TRUE(run(offline().push(kAlice, message(1), 10)));
    ASSERT_TRUE(run(offline().push(kBob, message(2), 10)));
    run(offline().pop_all(kAlice));
    ASSERT_TRUE(run(offline().push(kAlice, message(3), 10)));
    ASSERT_TRUE(run(offline().push(kAlice, message(4), 10)));
    EXPECT_EQ(run(offline().pop_all(kAlice)),
              (std::vector<std::string>{message(3), message(4)}));
}

TEST_P(OfflineStoreTest, Push_KeepsStanzaTextExactly) {
    std::string stanza =
        "<message xmlns='jabber:client' from='bob@example.org/x' to='alice@example.org'>"
        "<body>h\xc3\xa9llo &amp; \"bye\"\n</body></message>";
    ASSERT_TRUE(run(offline().push(kAlice, stanza, 10)));
    EXPECT_EQ(run(offline().pop_all(kAlice)), std::vector<std::string>{stanza});
}

TEST_P(OfflineStoreTest, Reopen_KeepsMessagesInOrder) {
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(run(offline().push(kAlice, message(i), 10)));
    }
    reopen();
    EXPECT_EQ(run(offline().count(kAlice)), 3u);
    ASSERT_TRUE(run(offline().push(kAlice, message(3), 10)));
    EXPECT_EQ(run(offline().pop_all(kAlice)),
              (std::vector<std::string>{message(0), message(1), message(2), message(3)}));
}

PARLEY_STORAGE_SUITE(OfflineStoreTest);

}  // namespace
}  // namespace parley::storage::test
