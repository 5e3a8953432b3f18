#include "core/idle_sweep.hpp"

namespace parley {

namespace {
thread_local IdleSweep* t_sweep = nullptr;
}  // namespace

IdleSweep::IdleSweep(boost::asio::io_context& ctx) : timer_(ctx) {}

IdleSweep::~IdleSweep() { members_.clear(); }

IdleSweep* IdleSweep::current() { return t_sweep; }

void IdleSweep::set_current(IdleSweep* sweep) { t_sweep = sweep; }

void IdleSweep::join(Member& m) {
    if (!m.is_linked()) {
        m.active_ = true;
        members_.push_back(m);
    }
}

void IdleSweep::leave(Member& m) {
    if (m.is_linked()) {
        members_.erase(members_.iterator_to(m));
    }
}

void IdleSweep::start() {
    stopped_ = false;
    arm();
}

void IdleSweep::stop() {
    stopped_ = true;
    timer_.cancel();
}

void IdleSweep::arm() {
    timer_.expires_after(kPeriod);
    timer_.async_wait([this](boost::system::error_code ec) {
        if (ec || stopped_) {
            return;
        }
        sweep();
        arm();
    });
}

void IdleSweep::sweep() {
    for (auto& m : members_) {
        if (!m.active_) {
            m.release_idle_memory();
        }
        m.active_ = false;
    }
}

}  // namespace parley
