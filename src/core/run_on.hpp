// run_on: runs a function on another executor (another worker's thread) and
// resumes the awaiting coroutine on its own executor with the result. For
// the rare hand-overs between threads (XEP-0198 resumption takes a session's
// state from the thread that owns it); the hot paths post instead.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <type_traits>
#include <utility>

namespace parley {

// Not a coroutine itself: GCC 12 may destroy a coroutine's by-value
// parameters twice, and `f` usually owns shared pointers.
template <class F>
auto run_on(const boost::asio::any_io_executor& ex, F f)
    -> boost::asio::awaitable<std::invoke_result_t<F&>> {
    using R = std::invoke_result_t<F&>;
    auto task = [f = std::move(f)]() mutable -> boost::asio::awaitable<R> { co_return f(); };
    return boost::asio::co_spawn(ex, std::move(task), boost::asio::use_awaitable);
}

}  // namespace parley
