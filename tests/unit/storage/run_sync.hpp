// run_sync(): drives one awaitable to completion on an io_context, for tests
// of coroutine APIs. Runs the io_context on the calling thread until the task
// is done (the BlockingPool keeps it busy while a call is in flight) and
// returns the task's value, rethrowing anything it threw.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <exception>
#include <optional>
#include <stdexcept>
#include <utility>

namespace parley::storage::test {

namespace asio = boost::asio;

template <class T>
T run_sync(asio::io_context& ioc, asio::awaitable<T> task) {
    // co_spawn's own completion would need T() on failure; Result<T> has no
    // default constructor, so the value comes back through an optional.
    std::optional<T> result;
    std::exception_ptr error;
    asio::co_spawn(
        ioc, [&]() -> asio::awaitable<void> { result.emplace(co_await std::move(task)); },
        [&](std::exception_ptr e) { error = e; });
    ioc.restart();
    ioc.run();
    if (error) {
        std::rethrow_exception(error);
    }
    if (!result) {
        throw std::logic_error("run_sync: the io_context stopped before the task finished");
    }
    return std::move(*result);
}

}  // namespace parley::storage::test
