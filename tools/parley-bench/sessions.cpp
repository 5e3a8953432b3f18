#include "parley-bench/sessions.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace parley::bench {

namespace asio = boost::asio;

namespace {

// One worker's share of a login phase; touched only on that worker's thread,
// except for the counters, which the controller reads.
struct WorkerLogin {
    const std::vector<Connection*>* list = nullptr;
    std::size_t next = 0;
    bool stop = false;
    Counter ok, failed;
    std::vector<std::int64_t> samples;
    std::int64_t last_done_ns = 0;
};

asio::awaitable<void> login_loop(Worker& w, WorkerLogin& s, StanzaHandler* handler,
                                 bool close_after) {
    while (!s.stop && s.next < s.list->size()) {
        Connection* c = (*s.list)[s.next++];
        const bool ok = co_await c->login();
        // The counters go last: the controller stops waiting when they add up.
        s.last_done_ns = w.shared().now_ns();
        if (ok) {
            s.samples.push_back(c->login_ns());
            if (close_after) {
                c->close_stream();
            }
            w.spawn(c->serve(close_after ? nullptr : handler));
            s.ok.add();
        } else {
            s.failed.add();
        }
    }
}

}  // namespace

void progress(const Options& o, const std::string& line) {
    if (!o.quiet) {
        fmt::print(stderr, "parley-bench: {}\n", line);
    }
}

Sessions::Sessions(Pool& pool, std::size_t first, std::size_t count, std::size_t group)
    : pool_(pool), by_worker_(pool.size()) {
    all_.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        std::size_t w = (i / std::max<std::size_t>(group, 1)) % pool.size();
        all_.push_back(std::make_unique<Connection>(pool[w], first + i));
        by_worker_[w].push_back(all_.back().get());
    }
}

Sessions::~Sessions() { pool_.stop(); }

Sessions::LoginStats Sessions::login_all(StanzaHandler* handler, bool close_after,
                                         std::size_t concurrency, double timeout,
                                         const char* what) {
    const Options& o = pool_[0].shared().opts;
    std::vector<WorkerLogin> st(pool_.size());
    const std::size_t workers = pool_.size();
    concurrency = std::max<std::size_t>(concurrency, 1);
    const auto t0 = pool_[0].shared().now_ns();
    pool_.run_on_each([&](Worker& w) {
        auto& s = st[w.index()];
        s.list = &by_worker_[w.index()];
        s.samples.reserve(s.list->size());
        std::size_t loops = concurrency / workers + (w.index() < concurrency % workers ? 1 : 0);
        loops = std::min(std::max<std::size_t>(loops, 1), s.list->size());
        for (std::size_t i = 0; i < loops; ++i) {
            w.spawn(login_loop(w, s, handler, close_after));
        }
    });
    auto done = [&] {
        std::size_t n = 0;
        for (auto& s : st) {
            n += s.ok.get() + s.failed.get();
        }
        return n;
    };
    auto next_report = Clock::now() + std::chrono::seconds(2);
    const bool finished = wait_until(
        [&] {
            if (Clock::now() >= next_report) {
                next_report += std::chrono::seconds(2);
                progress(o, fmt::format("{}: {}/{} sessions logged in", what, done(), size()));
            }
            return done() == size();
        },
        timeout);
    if (!finished) {
        pool_.run_on_each([&](Worker& w) {
            auto& s = st[w.index()];
            s.stop = true;
            const std::size_t started = s.next;
            if (s.next < s.list->size()) {
                w.shared().errors.record(
                    ErrorKind::timeout, what,
                    fmt::format("{} logins never started within {} s (--timeout)",
                                s.list->size() - s.next, timeout));
                s.failed.add(s.list->size() - s.next);
                s.next = s.list->size();
            }
            for (std::size_t i = 0; i < started; ++i) {
                Connection* c = (*s.list)[i];
                if (!c->logged_in() && !c->finished()) {
                    c->abort(ErrorKind::timeout,
                             fmt::format("login not done within {} s (--timeout), {}", timeout,
                                         c->stage()));
                }
            }
        });
        wait_until([&] { return done() == size(); }, 5.0);
    }
    LoginStats r;
    std::vector<std::int64_t> samples;
    std::int64_t last = t0;
    // A round trip through every worker: what they wrote before is visible here.
    pool_.run_on_each([](Worker&) {});
    for (auto& s : st) {
        r.ok += s.ok.get();
        r.failed += s.failed.get();
        samples.insert(samples.end(), s.samples.begin(), s.samples.end());
        last = std::max(last, s.last_done_ns);
    }
    r.latency = summarize(samples);
    r.seconds = static_cast<double>(last - t0) / 1e9;
    return r;
}

void Sessions::close_all(double timeout) {
    std::vector<std::size_t> serving(pool_.size());
    std::vector<std::uint64_t> ended_before(pool_.size());
    pool_.run_on_each([&](Worker& w) {
        Worker::Batch batch(w);
        for (Connection* c : by_worker_[w.index()]) {
            if (c->logged_in()) {
                ++serving[w.index()];
                c->close_stream();
            }
        }
    });
    std::size_t expected = 0;
    for (auto n : serving) {
        expected += n;
    }
    auto ended = [&] {
        std::uint64_t n = 0;
        for (std::size_t w = 0; w < pool_.size(); ++w) {
            n += pool_[w].ended.get();
        }
        return n;
    };
    if (!wait_until([&] { return ended() >= expected; }, timeout)) {
        pool_.run_on_each([&](Worker& w) {
            for (Connection* c : by_worker_[w.index()]) {
                if (c->logged_in() && !c->finished()) {
                    c->abort(ErrorKind::timeout,
                             fmt::format("the server did not close the stream within {} s of "
                                         "ours (RFC 6120 §4.4)",
                                         timeout));
                }
            }
        });
        wait_until([&] { return ended() >= expected; }, 5.0);
    }
}

}  // namespace parley::bench
