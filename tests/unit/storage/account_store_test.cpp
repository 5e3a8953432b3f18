// AccountStore conformance suite, run against every backend.

#include <gtest/gtest.h>

#include "unit/storage/storage_fixture.hpp"

namespace parley::storage::test {
namespace {

class AccountStoreTest : public StorageTest {};

TEST_P(AccountStoreTest, Create_NewAccountExists) {
    EXPECT_FALSE(run(accounts().exists("alice@example.org")));
    EXPECT_TRUE(run(accounts().create("alice@example.org", fake_credentials(1))));
    EXPECT_TRUE(run(accounts().exists("alice@example.org")));
    EXPECT_FALSE(run(accounts().exists("bob@example.org")));
}

TEST_P(AccountStoreTest, Create_DuplicateReturnsFalseAndKeepsCredentials) {
    ASSERT_TRUE(run(accounts().create("alice@example.org", fake_credentials(1))));
    EXPECT_FALSE(run(accounts().create("alice@example.org", fake_credentials(2))));
    auto creds = run(accounts().credentials("alice@example.org"));
    ASSERT_TRUE(creds.has_value());
    expect_same_credentials(*creds, fake_credentials(1));
}

TEST_P(AccountStoreTest, Credentials_RoundTripAllThreeKeySetsAsBytes) {
    auto stored = fake_credentials(7);
    ASSERT_TRUE(run(accounts().create("alice@example.org", stored)));
    auto creds = run(accounts().credentials("alice@example.org"));
    ASSERT_TRUE(creds.has_value());
    expect_same_credentials(*creds, stored);
    EXPECT_EQ(creds->sha1.salt.size(), 16u);  // embedded NULs survive
    EXPECT_EQ(creds->sha512.stored_key.size(), 64u);
}

TEST_P(AccountStoreTest, Credentials_UnknownUserIsNullopt) {
    EXPECT_FALSE(run(accounts().credentials("nobody@example.org")).has_value());
}

TEST_P(AccountStoreTest, Credentials_EmptyKeysRoundTrip) {
    ASSERT_TRUE(run(accounts().create("alice@example.org", auth::Credentials{})));
    auto creds = run(accounts().credentials("alice@example.org"));
    ASSERT_TRUE(creds.has_value());
    expect_same_credentials(*creds, auth::Credentials{});
}

TEST_P(AccountStoreTest, SetCredentials_ReplacesKeys) {
    ASSERT_TRUE(run(accounts().create("alice@example.org", fake_credentials(1))));
    EXPECT_TRUE(run(accounts().set_credentials("alice@example.org", fake_credentials(2))));
    auto creds = run(accounts().credentials("alice@example.org"));
    ASSERT_TRUE(creds.has_value());
    expect_same_credentials(*creds, fake_credentials(2));
}

TEST_P(AccountStoreTest, SetCredentials_UnknownUserReturnsFalseAndCreatesNothing) {
    EXPECT_FALSE(run(accounts().set_credentials("nobody@example.org", fake_credentials(1))));
    EXPECT_FALSE(run(accounts().exists("nobody@example.org")));
    EXPECT_FALSE(run(accounts().credentials("nobody@example.org")).has_value());
}

TEST_P(AccountStoreTest, Remove_ExistingThenMissing) {
    ASSERT_TRUE(run(accounts().create("alice@example.org", fake_credentials(1))));
    EXPECT_TRUE(run(accounts().remove("alice@example.org")));
    EXPECT_FALSE(run(accounts().exists("alice@example.org")));
    EXPECT_FALSE(run(accounts().credentials("alice@example.org")).has_value());
    EXPECT_FALSE(run(accounts().remove("alice@example.org")));
}

TEST_P(AccountStoreTest, Remove_ThenCreateAgainWithNewCredentials) {
    ASSERT_TRUE(run(accounts().create("alice@example.org", fake_credentials(1))));
    ASSERT_TRUE(run(accounts().remove("alice@example.org")));
    EXPECT_TRUE(run(accounts().create("alice@example.org", fake_credentials(3))));
    auto creds = run(accounts().credentials("alice@example.org"));
    ASSERT_TRUE(creds.has_value());
    expect_same_credentials(*creds, fake_credentials(3));
}

TEST_P(AccountStoreTest, Remove_WipesEveryStoreOfThatUserOnly) {
    for (std::string user : {"alice@example.org", "bob@example.org"}) {
        ASSERT_TRUE(run(accounts().create(user, fake_credentials(1))));
        RosterItem item;
        item.jid = "carol@example.net";
        item.groups = {"Friends"};
        run(roster().put(user, item));
        ASSERT_TRUE(run(offline().push(user, "<message/>", 10)));
        run(keyval().set(user, "private", "jabber:iq:private", "<x/>"));
        run(keyval().set(user, "vcard", "", "<vCard/>"));
    }

    EXPECT_TRUE(run(accounts().remove("alice@example.org")));

    EXPECT_FALSE(run(accounts().exists("alice@example.org")));
    auto alice_roster = run(roster().get("alice@example.org"));
    EXPECT_TRUE(alice_roster.items.empty());
    EXPECT_EQ(alice_roster.version, 0u);
    EXPECT_FALSE(run(roster().item("alice@example.org", "carol@example.net")).has_value());
    EXPECT_EQ(run(offline().count("alice@example.org")), 0u);
    EXPECT_TRUE(run(keyval().list("alice@example.org", "private")).empty());
    EXPECT_TRUE(run(keyval().list("alice@example.org", "vcard")).empty());

    EXPECT_TRUE(run(accounts().exists("bob@example.org")));
    auto bob_roster = run(roster().get("bob@example.org"));
    ASSERT_EQ(bob_roster.items.size(), 1u);
    EXPECT_EQ(bob_roster.items[0].groups, std::vector<std::string>{"Friends"});
    EXPECT_EQ(bob_roster.version, 1u);
    EXPECT_EQ(run(offline().count("bob@example.org")), 1u);
    EXPECT_EQ(run(keyval().get("bob@example.org", "vcard", "")), "<vCard/>");
}

TEST_P(AccountStoreTest, Remove_AfterReopenStillWipesEverything) {
    ASSERT_TRUE(run(accounts().create("alice@example.org", fake_credentials(1))));
    ASSERT_TRUE(run(offline().push("alice@example.org", "<message/>", 10)));
    reopen();
    EXPECT_TRUE(run(accounts().remove("alice@example.org")));
    reopen();
    EXPECT_FALSE(run(accounts().exists("alice@example.org")));
    EXPECT_EQ(run(offline().count("alice@example.org")), 0u);
}

TEST_P(AccountStoreTest, List_OnlyThatDomainSorted) {
    for (std::string user : {"zoe@example.org", "alice@example.org", "bob@other.example",
                             "mallory@sub.example.org", "carol@example.org"}) {
        ASSERT_TRUE(run(accounts().create(user, fake_credentials(1))));
    }
    EXPECT_EQ(run(accounts().list("example.org")),
              (std::vector<std::string>{"alice@example.org", "carol@example.org",
                                        "zoe@example.org"}));
    EXPECT_EQ(run(accounts().list("other.example")),
              std::vector<std::string>{"bob@other.example"});
    EXPECT_TRUE(run(accounts().list("nowhere.example")).empty());
    // Suffix match on "@domain", not on the domain alone.
    EXPECT_EQ(run(accounts().list("sub.example.org")),
              std::vector<std::string>{"mallory@sub.example.org"});
}

TEST_P(AccountStoreTest, List_ForgetsRemovedAccounts) {
    ASSERT_TRUE(run(accounts().create("alice@example.org", fake_credentials(1))));
    ASSERT_TRUE(run(accounts().create("bob@example.org", fake_credentials(1))));
    ASSERT_TRUE(run(accounts().remove("alice@example.org")));
    EXPECT_EQ(run(accounts().list("example.org")),
              std::vector<std::string>{"bob@example.org"});
}

TEST_P(AccountStoreTest, Reopen_KeepsAccountsAndCredentials) {
    ASSERT_TRUE(run(accounts().create("alice@example.org", fake_credentials(4))));
    reopen();
    EXPECT_TRUE(run(accounts().exists("alice@example.org")));
    auto creds = run(accounts().credentials("alice@example.org"));
    ASSERT_TRUE(creds.has_value());
    expect_same_credentials(*creds, fake_credentials(4));
    EXPECT_EQ(run(accounts().list("example.org")),
              std::vector<std::string>{"alice@example.org"});
}

TEST_P(AccountStoreTest, CreateMany_CreatesAllInOneCallAndCountsThem) {
    std::vector<std::pair<std::string, auth::Credentials>> list;
    for (int i = 1; i <= 500; ++i) {
        list.emplace_back("bench" + std::to_string(i) + "@example.org", fake_credentials(5));
    }
    EXPECT_EQ(run(accounts().create_many(list)), 500u);
    EXPECT_EQ(run(accounts().list("example.org")).size(), 500u);
    auto creds = run(accounts().credentials("bench250@example.org"));
    ASSERT_TRUE(creds.has_value());
    expect_same_credentials(*creds, fake_credentials(5));
}

TEST_P(AccountStoreTest, CreateMany_SkipsExistingAccountsAndKeepsTheirCredentials) {
    ASSERT_TRUE(run(accounts().create("alice@example.org", fake_credentials(1))));
    std::vector<std::pair<std::string, auth::Credentials>> list = {
        {"alice@example.org", fake_credentials(2)},
        {"bob@example.org", fake_credentials(3)},
        {"bob@example.org", fake_credentials(4)},  // listed twice: the first wins
    };
    EXPECT_EQ(run(accounts().create_many(list)), 1u);
    expect_same_credentials(*run(accounts().credentials("alice@example.org")),
                            fake_credentials(1));
    expect_same_credentials(*run(accounts().credentials("bob@example.org")), fake_credentials(3));
    // Running the same import again creates nothing.
    EXPECT_EQ(run(accounts().create_many(list)), 0u);
}

TEST_P(AccountStoreTest, CreateMany_EmptyListCreatesNothing) {
    EXPECT_EQ(run(accounts().create_many({})), 0u);
    EXPECT_TRUE(run(accounts().list("example.org")).empty());
}

TEST_P(AccountStoreTest, CreateMany_AccountsSurviveReopenAndCanBeRemoved) {
    ASSERT_EQ(run(accounts().create_many({{"alice@example.org", fake_credentials(1)},
                                          {"bob@example.org", fake_credentials(1)}})),
              2u);
    reopen();
    EXPECT_TRUE(run(accounts().exists("alice@example.org")));
    EXPECT_TRUE(run(accounts().remove("bob@example.org")));
    EXPECT_FALSE(run(accounts().credentials("bob@example.org")).has_value());
}

PARLEY_STORAGE_SUITE(AccountStoreTest);

}  // namespace
}  // namespace parley::storage::test
