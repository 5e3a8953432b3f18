// BlockingPool: threads that run blocking driver calls (SQLite, libpq) off the
// network threads (DESIGN.md "Threads and memory"). run() is awaited from a
// coroutine on any executor; the call runs on a pool thread and the coroutine
// resumes on its own executor.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <thread>
#include <type_traits>
#include <utility>

namespace parley::storage {

namespace asio = boost::asio;

class BlockingPool {
public:
    explicit BlockingPool(std::size_t threads = 1) : pool_(threads) {}
    ~BlockingPool() { stop(); }

    // Runs f() on a pool thread; the awaiting coroutine resumes on its own
    // executor with f's result. f must not throw.
    template <class F>
    auto run(F f) -> asio::awaitable<std::invoke_result_t<F&>> {
        using R = std::invoke_result_t<F&>;
        return asio::async_initiate<const asio::use_awaitable_t<>, void(R)>(
            [this](auto handler, F fn) {
                auto work = asio::make_work_guard(asio::get_associated_executor(handler));
                asio::post(pool_, [handler = std::move(handler), fn = std::move(fn),
                                   work = std::move(work)]() mutable {
                    R r = fn();
                    auto ex = work.get_executor();
                    asio::post(ex, [handler = std::move(handler), r = std::move(r)]() mutable {
                        std::move(handler)(std::move(r));
                    });
                });
            },
            asio::use_awaitable, std::move(f));
    }

    // True on a pool thread: a debug check that a driver call is not made on
    // a network thread (STYLE.md b.5).
    bool on_pool_thread() const { return pool_.get_executor().running_in_this_thread(); }

    void stop() {
        pool_.join();
    }

private:
    asio::thread_pool pool_;
};

}  // namespace parley::storage
