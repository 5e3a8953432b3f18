// BlockingPool: the call runs on a pool thread and the awaiting coroutine
// resumes on its own executor (DESIGN.md "Threads and memory").

#include "storage/blocking_pool.hpp"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include <memory>
#include <set>
#include <stdexcept>
#include <thread>

#include "core/result.hpp"
#include "unit/storage/run_sync.hpp"

namespace parley::storage::test {
namespace {

namespace asio = boost::asio;

void rethrow(std::exception_ptr e) {
    if (e) {
        std::rethrow_exception(e);
    }
}

TEST(BlockingPool, Run_RunsOnPoolThreadAndResumesOnTheCallersStrand) {
    BlockingPool pool;
    asio::io_context ioc(2);
    auto strand = asio::make_strand(ioc);
    std::thread::id before, in_pool, after;
    bool ran_on_pool = false;
    bool on_strand_after = false;
    bool on_pool_after = true;
    asio::co_spawn(
        strand,
        [&]() -> asio::awaitable<void> {
            before = std::this_thread::get_id();
            in_pool = co_await pool.run([&] {
                ran_on_pool = pool.on_pool_thread();
                return std::this_thread::get_id();
            });
            after = std::this_thread::get_id();
            on_strand_after = strand.running_in_this_thread();
            on_pool_after = pool.on_pool_thread();
        },
        rethrow);
    std::thread::id second_io_thread;
    std::thread other([&] {
        second_io_thread = std::this_thread::get_id();
        ioc.run();
    });
    ioc.run();
    other.join();

    std::set<std::thread::id> io_threads = {std::this_thread::get_id(), second_io_thread};
    EXPECT_TRUE(ran_on_pool);
    EXPECT_EQ(io_threads.count(in_pool), 0u) << "the call ran on a network thread";
    EXPECT_EQ(io_threads.count(before), 1u);
    EXPECT_EQ(io_threads.count(after), 1u) << "resumed outside the caller's io_context";
    EXPECT_TRUE(on_strand_after);
    EXPECT_FALSE(on_pool_after);
}

TEST(BlockingPool, Run_ResumesOnTheSameSingleThreadedIoContext) {
    BlockingPool pool;
    asio::io_context ioc;
    auto main_thread = std::this_thread::get_id();
    auto in_pool = run_sync(ioc, [&]() -> asio::awaitable<std::thread::id> {
        auto id = co_await pool.run([] { return std::this_thread::get_id(); });
        EXPECT_TRUE(ioc.get_executor().running_in_this_thread());
        EXPECT_EQ(std::this_thread::get_id(), main_thread);
        co_return id;
    }());
    EXPECT_NE(in_pool, main_thread);
}

TEST(BlockingPool, Run_EachOfTwoIoContextsGetsItsOwnCoroutineBack) {
    BlockingPool pool(2);
    asio::io_context a;
    asio::io_context b;
    std::atomic<int> wrong{0};
    std::atomic<int> done{0};
    auto spawn_on = [&](asio::io_context& ioc) {
        for (int i = 0; i < 20; ++i) {
            asio::co_spawn(
                ioc,
                [&, i]() -> asio::awaitable<void> {
                    int v = co_await pool.run([i] { return i * 2; });
                    wrong += (v == i * 2 && ioc.get_executor().running_in_this_thread()) ? 0 : 1;
                    ++done;
                },
                rethrow);
        }
    };
    spawn_on(a);
    spawn_on(b);
    std::thread ta([&] { a.run(); });
    std::thread tb([&] { b.run(); });
    ta.join();
    tb.join();
    EXPECT_EQ(done.load(), 40);
    EXPECT_EQ(wrong.load(), 0);
}

TEST(BlockingPool, Run_VoidFunction) {
    BlockingPool pool;
    asio::io_context ioc;
    bool ran = false;
    bool ok = run_sync(ioc, [&]() -> asio::awaitable<bool> {
        co_await pool.run([&] { ran = true; });
        co_return true;
    }());
    EXPECT_TRUE(ok);
    EXPECT_TRUE(ran);
}

TEST(BlockingPool, Run_ExceptionReachesTheAwaitingCoroutine) {
    BlockingPool pool;
    asio::io_context ioc;
    std::string caught = run_sync(ioc, [&]() -> asio::awaitable<std::string> {
        try {
            co_await pool.run([]() -> int { throw std::runtime_error("boom"); });
        } catch (const std::runtime_error& e) {
            co_return e.what();
        }
        co_return "no exception";
    }());
    EXPECT_EQ(caught, "boom");
    // The pool survived: its thread still runs calls.
    EXPECT_EQ(run_sync(ioc, pool.run([] { return 7; })), 7);
}

TEST(BlockingPool, Run_ResultWithoutDefaultConstructorOrCopy) {
    BlockingPool pool;
    asio::io_context ioc;
    using Owned = Result<std::unique_ptr<int>>;
    Owned r = run_sync(ioc, pool.run([] { return Owned(std::make_unique<int>(5)); }));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(**r, 5);
    Result<int> failed = run_sync(ioc, pool.run([]() -> Result<int> { return fail("nope"); }));
    ASSERT_FALSE(failed.ok());
    EXPECT_EQ(failed.error().message, "nope");
}

TEST(BlockingPool, OnPoolThread_FalseElsewhere) {
    BlockingPool pool;
    EXPECT_FALSE(pool.on_pool_thread());
}

}  // namespace
}  // namespace parley::storage::test
