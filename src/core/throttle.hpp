// Throttle: counts events per key (an IP address, an account) in a sliding
// one-minute window, to refuse logins after repeated failures and stream
// opens from one address after a flood. Thread-safe; its lock is taken only
// on stream opens and authentication failures, never on the stanza path.
#pragma once

#include <chrono>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

namespace parley {

class Throttle {
public:
    using Clock = std::chrono::steady_clock;
    explicit Throttle(std::size_t per_minute) : limit_(per_minute) {}

    // Records one event for `key`; false when the key is already over its limit.
    bool hit(const std::string& key, Clock::time_point now = Clock::now());
    // True when `key` is over the limit (without recording anything).
    bool blocked(const std::string& key, Clock::time_point now = Clock::now());

private:
    static void expire(std::deque<Clock::time_point>& q, Clock::time_point now);
    std::size_t limit_;
    std::mutex mu_;
    std::unordered_map<std::string, std::deque<Clock::time_point>> events_;  // GUARDED_BY(mu_)
    std::size_t sweeps_ = 0;
};

}  // namespace parley
