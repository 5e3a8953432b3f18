#include "core/worker_pool.hpp"

#include <boost/asio/post.hpp>

#include <spdlog/spdlog.h>

namespace parley {

namespace {
thread_local boost::asio::io_context* t_current = nullptr;
}

WorkerPool::WorkerPool(std::size_t threads) {
    if (threads == 0) {
        threads = 1;
    }
    for (std::size_t i = 0; i < threads; ++i) {
        contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
        sweeps_.push_back(std::make_unique<IdleSweep>(*contexts_.back()));
        guards_.emplace_back(contexts_.back()->get_executor());
    }
}

WorkerPool::~WorkerPool() {
    stop();
    join();
}

void WorkerPool::start() {
    for (std::size_t i = 0; i < contexts_.size(); ++i) {
        threads_.emplace_back([c = contexts_[i].get(), sweep = sweeps_[i].get()] {
            t_current = c;
            IdleSweep::set_current(sweep);
            sweep->start();
            for (;;) {
                try {
                    c->run();
                    break;
                } catch (const std::exception& e) {
                    // A handler threw: a bug. Log it and keep the worker alive
                    // (STYLE.md b.8: PARLEY_BUG, carry on).
                    spdlog::critical("worker: unexpected exception: {}", e.what());
                }
            }
            IdleSweep::set_current(nullptr);
            t_current = nullptr;
        });
    }
}

void WorkerPool::stop() {
    for (std::size_t i = 0; i < contexts_.size(); ++i) {
        boost::asio::post(*contexts_[i], [sweep = sweeps_[i].get()] { sweep->stop(); });
    }
    for (auto& g : guards_) {
        g.reset();
    }
}

void WorkerPool::join() {
    for (auto& t : threads_) {
        if (t.joinable()) {
            t.join();
        }
    }
    threads_.clear();
}

bool on_worker_thread() { return t_current != nullptr; }

boost::asio::any_io_executor current_executor(const boost::asio::any_io_executor& fallback) {
    if (t_current) {
        return t_current->get_executor();
    }
    return fallback;
}

}  // namespace parley
