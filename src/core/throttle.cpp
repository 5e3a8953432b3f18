#include "core/throttle.hpp"

namespace parley {

void Throttle::expire(std::deque<Clock::time_point>& q, Clock::time_point now) {
    while (!q.empty() && now - q.front() >= std::chrono::minutes(1)) {
        q.pop_front();
    }
}

bool Throttle::hit(const std::string& key, Clock::time_point now) {
    if (limit_ == 0) {
        return true;  // 0 = unlimited
    }
    std::lock_guard lock(mu_);
    if (++sweeps_ % 1024 == 0) {  // forget idle keys now and then
        for (auto it = events_.begin(); it != events_.end();) {
            expire(it->second, now);
            it = it->second.empty() ? events_.erase(it) : std::next(it);
        }
    }
    auto& q = events_[key];
    expire(q, now);
    if (q.size() >= limit_) {
        return false;
    }
    q.push_back(now);
    return true;
}

bool Throttle::blocked(const std::string& key, Clock::time_point now) {
    if (limit_ == 0) {
        return false;
    }
    std::lock_guard lock(mu_);
    auto it = events_.find(key);
    if (it == events_.end()) {
        return false;
    }
    expire(it->second, now);
    return it->second.size() >= limit_;
}

}  // namespace parley
