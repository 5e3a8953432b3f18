// WorkerPool: N network threads, each running its own io_context (DESIGN.md
// "Threads and memory") and its IdleSweep. A connection accepted on a worker
// stays there for its life. current_executor() names the worker the calling thread runs, for
// code that must start work "here" without an executor at hand.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <memory>

#include "core/idle_sweep.hpp"
#include <thread>
#include <vector>

namespace parley {

class WorkerPool {
public:
    explicit WorkerPool(std::size_t threads);
    ~WorkerPool();

    std::size_t size() const { return contexts_.size(); }
    boost::asio::io_context& context(std::size_t i) { return *contexts_[i]; }

    void start();  // starts the threads
    void stop();   // lets the contexts run out of work, then joins (call after closing sessions)
    void join();

private:
    using Guard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
    std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
    std::vector<std::unique_ptr<IdleSweep>> sweeps_;  // one per context
    std::vector<Guard> guards_;
    std::vector<std::thread> threads_;
};

// The executor of the worker this thread runs, or `fallback` on any other thread.
boost::asio::any_io_executor current_executor(const boost::asio::any_io_executor& fallback);
// True on a worker thread.
bool on_worker_thread();

}  // namespace parley
