// FastTokenStore conformance suite (XEP-0484 §6.1 token slots), run against every backend.

#include <gtest/gtest.h>

#include "unit/storage/storage_fixture.hpp"

namespace parley::storage::test {
namespace {

using auth::fast::Token;
using auth::fast::TokenSlots;

constexpr const char* kAlice = "alice@example.org";
constexpr const char* kPhone = "d4565fa7-4d72-4749-b3d3-740edbf87770";
constexpr const char* kLaptop = "8e1c1f4a-0000-4000-8000-000000000001";

class FastTokenStoreTest : public StorageTest {};

TEST_P(FastTokenStoreTest, Get_UnknownClientHasNoTokens) {
    EXPECT_TRUE(run(fast_tokens().get(kAlice, kPhone)).empty());
}

TEST_P(FastTokenStoreTest, Put_ThenGet_BothSlots) {
    std::string secret("tok\0en\xff", 7);  // any bytes round-trip
    TokenSlots s{Token{"current-token", "HT-SHA-256-NONE", 100},
                 Token{secret, "HT-SHA-256-ENDP", 200}};
    run(fast_tokens().put(kAlice, kPhone, s));
    auto got = run(fast_tokens().get(kAlice, kPhone));
    ASSERT_TRUE(got.current && got.next);
    EXPECT_EQ(got.current->secret, "current-token");
    EXPECT_EQ(got.current->mechanism, "HT-SHA-256-NONE");
    EXPECT_EQ(got.current->expiry, 100);
    EXPECT_EQ(got.next->secret, secret);
    EXPECT_EQ(got.next->mechanism, "HT-SHA-256-ENDP");
    EXPECT_EQ(got.next->expiry, 200);
}

TEST_P(FastTokenStoreTest, Put_ReplacesAndClears) {
    run(fast_tokens().put(kAlice, kPhone, TokenSlots{std::nullopt, Token{"a", "HT-SHA-256-NONE", 1}}));
    run(fast_tokens().put(kAlice, kPhone, TokenSlots{Token{"a", "HT-SHA-256-NONE", 1}, std::nullopt}));
    auto got = run(fast_tokens().get(kAlice, kPhone));
    EXPECT_TRUE(got.current.has_value());
    EXPECT_FALSE(got.next.has_value());
    run(fast_tokens().put(kAlice, kPhone, TokenSlots{}));  // §4.5 invalidation
    EXPECT_TRUE(run(fast_tokens().get(kAlice, kPhone)).empty());
}

TEST_P(FastTokenStoreTest, Clients_AreSeparate_AndRemovedWithTheAccount) {
    ASSERT_TRUE(run(accounts().create(kAlice, fake_credentials('a'))));
    run(fast_tokens().put(kAlice, kPhone, TokenSlots{Token{"p", "HT-SHA-256-NONE", 1}, std::nullopt}));
    run(fast_tokens().put(kAlice, kLaptop, TokenSlots{Token{"l", "HT-SHA-256-NONE", 1}, std::nullopt}));
    EXPECT_EQ(run(fast_tokens().get(kAlice, kPhone)).current->secret, "p");
    EXPECT_EQ(run(fast_tokens().get(kAlice, kLaptop)).current->secret, "l");
    reopen();
    EXPECT_EQ(run(fast_tokens().get(kAlice, kPhone)).current->secret, "p");
    ASSERT_TRUE(run(accounts().remove(kAlice)));
    EXPECT_TRUE(run(fast_tokens().get(kAlice, kPhone)).empty());
    EXPECT_TRUE(run(fast_tokens().get(kAlice, kLaptop)).empty());
}

PARLEY_STORAGE_SUITE(FastTokenStoreTest);

}  // namespace
}  // namespace parley::storage::test
