// BlockingPool: threads that run blocking driver calls (SQLite, libpq) off the
// network threads (DESIGN.md "Threads and memory"). run() is awaited from a
// coroutine on any executor; the call runs on a pool thread and the coroutine
// resumes on its own executor (an io_context, a strand, ...), never on the pool.
//
// Owned by the storage backend. run() may be called from any thread. While a
// call is in flight the caller's executor counts it as outstanding work, so
// io_context::run() does not return under it; the caller's execution context
// must outlive the call. Destroying the pool waits for queued calls to finish.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

namespace parley::storage {

namespace asio = boost::asio;

class BlockingPool {
public:
    explicit BlockingPool(std::size_t threads = 1) : pool_(threads) {}
    ~BlockingPool() { stop(); }

    BlockingPool(const BlockingPool&) = delete;
    BlockingPool& operator=(const BlockingPool&) = delete;

    // Runs f() on a pool thread; the awaiting coroutine resumes on its own
    // executor with f's result. If f throws, the exception is rethrown in the
    // awaiting coroutine (it never reaches the pool thread's loop).
    template <class F>
    auto run(F f) -> asio::awaitable<std::invoke_result_t<F&>> {
        using R = std::invoke_result_t<F&>;
        static_assert(!std::is_reference_v<R>, "BlockingPool::run: f must return by value");
        if constexpr (std::is_void_v<R>) {
            co_await asio::async_initiate<const asio::use_awaitable_t<>,
                                          void(std::exception_ptr)>(
                Initiate<F>{this}, asio::use_awaitable, std::move(f));
        } else {
            // The result travels as an optional: the completion signature must
            // carry a value even when f threw, and R need not be default
            // constructible (Result<T> is not).
            std::optional<R> r =
                co_await asio::async_initiate<const asio::use_awaitable_t<>,
                                              void(std::exception_ptr, std::optional<R>)>(
                    Initiate<F>{this}, asio::use_awaitable, std::move(f));
            co_return std::move(*r);
        }
    }

    // Runs f() on a pool thread and does not wait for it; f must not throw.
    template <class F>
    void post(F f) {
        asio::post(pool_, std::move(f));
    }

    // True on a pool thread: a debug check that a driver call is not made on
    // a network thread (STYLE.md b.5).
    bool on_pool_thread() const { return pool_.get_executor().running_in_this_thread(); }

    // Waits for queued calls to finish and joins the threads. Idempotent.
    void stop() { pool_.join(); }

private:
    template <class F>
    struct Initiate {
        BlockingPool* self;

        template <class Handler>
        void operator()(Handler handler, F fn) const {
            // The handler's executor is the awaiting coroutine's: resume there.
            // Tracking work keeps its io_context::run() from returning meanwhile.
            auto caller = asio::prefer(asio::get_associated_executor(handler),
                                       asio::execution::outstanding_work.tracked);
            asio::post(self->pool_, [handler = std::move(handler), fn = std::move(fn),
                                     caller = std::move(caller)]() mutable {
                using R = std::invoke_result_t<F&>;
                std::exception_ptr error;
                if constexpr (std::is_void_v<R>) {
                    try {
                        fn();
                    } catch (...) {
                        error = std::current_exception();
                    }
                    asio::post(caller, [handler = std::move(handler), error]() mutable {
                        std::move(handler)(error);
                    });
                } else {
                    std::optional<R> result;
                    try {
                        result.emplace(fn());
                    } catch (...) {
                        error = std::current_exception();
                    }
                    asio::post(caller, [handler = std::move(handler), error,
                                        result = std::move(result)]() mutable {
                        std::move(handler)(error, std::move(result));
                    });
                }
            });
        }
    };

    // mutable: thread_pool::get_executor() is not const, and on_pool_thread()
    // only asks the executor a question.
    mutable asio::thread_pool pool_;
};

}  // namespace parley::storage
