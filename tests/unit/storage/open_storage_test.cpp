// Storage-wide conformance tests, run against every backend: reopening,
// coroutine executors, concurrent callers, two processes on one database.

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <thread>

#include "unit/storage/storage_fixture.hpp"

namespace parley::storage::test {
namespace {

namespace asio = boost::asio;

class OpenStorageTest : public StorageTest {};

TEST_P(OpenStorageTest, Reopen_KeepsEveryStoresData) {
    ASSERT_TRUE(run(accounts().create("alice@example.org", fake_credentials(1))));
    run(roster().put("alice@example.org", roster_item("bob@example.org")));
    ASSERT_TRUE(run(offline().push("alice@example.org", "<message/>", 10)));
    run(keyval().set("alice@example.org", "private", "ns", "<x/>"));
    reopen();
    reopen();  // a second open of an up-to-date database migrates nothing
    EXPECT_TRUE(run(accounts().exists("alice@example.org")));
    EXPECT_EQ(run(roster().get("alice@example.org")).version, 1u);
    EXPECT_EQ(run(offline().count("alice@example.org")), 1u);
    EXPECT_EQ(run(keyval().get("alice@example.org", "private", "ns")), "<x/>");
}

TEST_P(OpenStorageTest, StoreCalls_ResumeOnTheCallersStrand) {
    asio::io_context ioc(2);
    auto strand = asio::make_strand(ioc);
    std::atomic<int> off_strand{0};
    std::atomic<int> failures{0};
    std::atomic<int> done{0};
    for (int c = 0; c < 4; ++c) {
        asio::co_spawn(
            strand,
            [&, c]() -> asio::awaitable<void> {
                std::string user = "user" + std::to_string(c) + "@example.org";
                for (int i = 0; i < 5; ++i) {
                    auto set = co_await keyval().set(user, "s", std::to_string(i), "v");
                    off_strand += strand.running_in_this_thread() ? 0 : 1;
                    auto n = co_await offline().count(user);
                    off_strand += strand.running_in_this_thread() ? 0 : 1;
                    failures += (set.ok() && n.ok()) ? 0 : 1;
                }
            },
            [&](std::exception_ptr e) { done += e ? 100 : 1; });
    }
    std::thread other([&] { ioc.run(); });
    ioc.run();
    other.join();
    EXPECT_EQ(done.load(), 4);
    EXPECT_EQ(off_strand.load(), 0);
    EXPECT_EQ(failures.load(), 0);
}

TEST_P(OpenStorageTest, Offline_ConcurrentPushesNeverOvershootTheLimit) {
    std::atomic<int> stored{0};
    std::atomic<int> refused{0};
    for (int i = 0; i < 40; ++i) {
        asio::co_spawn(
            ioc_,
            [&, i]() -> asio::awaitable<void> {
                auto r = co_await offline().push("alice@example.org",
                                                 "<message id='" + std::to_string(i) + "'/>", 25);
                if (r.ok()) {
                    (*r ? stored : refused) += 1;
                }
            },
            [](std::exception_ptr e) {
                if (e) {
                    std::rethrow_exception(e);
                }
            });
    }
    ioc_.restart();
    ioc_.run();
    EXPECT_EQ(stored.load(), 25);
    EXPECT_EQ(refused.load(), 15);
    EXPECT_EQ(run(offline().count("alice@example.org")), 25u);
}

// parleyctl adds a user while parleyd runs: two storages on one database.
TEST_P(OpenStorageTest, TwoOpenStorages_SeeEachOthersWrites) {
    auto second = open_storage(options());
    ASSERT_TRUE(second.ok()) << second.error().message;
    Storage& ctl = **second;

    ASSERT_TRUE(run(ctl.accounts().create("alice@example.org", fake_credentials(1))));
    EXPECT_TRUE(run(accounts().exists("alice@example.org")));
    EXPECT_FALSE(run(accounts().create("alice@example.org", fake_credentials(2))));

    EXPECT_EQ(run(roster().put("alice@example.org", roster_item("a@example.net"))), 1u);
    EXPECT_EQ(run(ctl.roster().put("alice@example.org", roster_item("b@example.net"))), 2u);
    EXPECT_EQ(run(roster().get("alice@example.org")).items.size(), 2u);

    EXPECT_TRUE(run(ctl.accounts().remove("alice@example.org")));
    EXPECT_FALSE(run(accounts().exists("alice@example.org")));
    EXPECT_TRUE(run(roster().get("alice@example.org")).items.empty());
}

PARLEY_STORAGE_SUITE(OpenStorageTest);

TEST(OpenStorage, UnknownBackend_NamesTheSupportedOnes) {
    StorageOptions opts;
    opts.backend = "mongodb";
    opts.sqlite_path = "/tmp/unused.sqlite";
    auto r = open_storage(opts);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "unknown storage backend 'mongodb' (supported: sqlite)");
}

}  // namespace
}  // namespace parley::storage::test
