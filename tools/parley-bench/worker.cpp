#include "parley-bench/worker.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>

#include <fmt/format.h>
#include <openssl/ssl.h>

#include <latch>

#include "parley-bench/connection.hpp"

namespace parley::bench {

namespace asio = boost::asio;

std::string_view to_string(ErrorKind k) {
    switch (k) {
        case ErrorKind::connect:
            return "connect";
        case ErrorKind::tls:
            return "tls";
        case ErrorKind::stream_error:
            return "stream_error";
        case ErrorKind::sasl:
            return "sasl";
        case ErrorKind::stanza_error:
            return "stanza_error";
        case ErrorKind::protocol:
            return "protocol";
        case ErrorKind::duplicate:
            return "duplicate";
        case ErrorKind::timeout:
            return "timeout";
        case ErrorKind::closed:
            return "closed";
    }
    return "?";
}

void ErrorLog::record(ErrorKind kind, std::string_view who, std::string_view what) {
    std::lock_guard lock(mu_);
    ++counts_[static_cast<std::size_t>(kind)];
    if (printed_ < print_max_) {
        fmt::print(stderr, "parley-bench: error ({}): {}: {}\n", to_string(kind), who, what);
    } else if (printed_ == print_max_) {
        fmt::print(stderr, "parley-bench: further errors are counted, not printed\n");
    }
    ++printed_;
}

std::uint64_t ErrorLog::total() const {
    std::lock_guard lock(mu_);
    std::uint64_t n = 0;
    for (auto c : counts_) {
        n += c;
    }
    return n;
}

std::array<std::uint64_t, kErrorKinds> ErrorLog::by_kind() const {
    std::lock_guard lock(mu_);
    return counts_;
}

Shared::Shared(const Options& o) : opts(o) {}

Shared::~Shared() {
    if (tls != nullptr) {
        SSL_CTX_free(tls);
    }
}

Worker::Worker(Shared& shared, unsigned index)
    : shared_(shared), index_(index), read_buf_(64 * 1024) {}

Worker::~Worker() { stop(); }

Worker::Batch::~Batch() {
    if (--w_.batch_depth_ == 0) {
        // One write per connection that was written to while the batch lasted.
        while (!w_.dirty_.empty()) {
            w_.flushing_.swap(w_.dirty_);
            for (Connection* c : w_.flushing_) {
                c->flush();
            }
            w_.flushing_.clear();
        }
    }
}

void Worker::spawn(asio::awaitable<void> task) {
    asio::co_spawn(io_, std::move(task), [this](std::exception_ptr e) {
        if (!e) {
            return;
        }
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& ex) {
            shared_.errors.record(ErrorKind::protocol, fmt::format("worker {}", index_),
                                  fmt::format("internal error: {}", ex.what()));
        }
    });
}

void Worker::start() {
    guard_.emplace(io_.get_executor());
    thread_ = std::thread([this] { io_.run(); });
}

void Worker::stop() {
    if (!thread_.joinable()) {
        return;
    }
    guard_.reset();
    // Every connection is closed by now, so run() returns on its own; a
    // handler still pending after the grace period is not waited for.
    wait_until([this] { return io_.stopped(); }, 2.0);
    io_.stop();
    thread_.join();
}

Pool::Pool(Shared& shared, unsigned threads) {
    for (unsigned i = 0; i < std::max(threads, 1u); ++i) {
        workers_.push_back(std::make_unique<Worker>(shared, i));
        workers_.back()->start();
    }
}

Pool::~Pool() { stop(); }

void Pool::run_on_each(const std::function<void(Worker&)>& fn) {
    std::latch done(static_cast<std::ptrdiff_t>(workers_.size()));
    for (auto& w : workers_) {
        asio::post(w->io(), [&fn, &done, w = w.get()] {
            fn(*w);
            done.count_down();
        });
    }
    done.wait();
}

void Pool::stop() {
    if (stopped_) {
        return;
    }
    stopped_ = true;
    for (auto& w : workers_) {
        w->stop();
    }
}

bool wait_until(const std::function<bool()>& done, double timeout_s) {
    auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                       std::chrono::duration<double>(timeout_s));
    while (!done()) {
        if (Clock::now() >= deadline) {
            return done();
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return true;
}

}  // namespace parley::bench
