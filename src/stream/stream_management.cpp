#include "stream/stream_management.hpp"

namespace parley {

bool StreamManagement::acknowledge(std::uint32_t h) {
    // Unsigned arithmetic wraps exactly as §4 asks ("MUST wrap to zero" after 2^32 - 1).
    const std::uint32_t newly = h - acked_;
    if (newly > unacked_.size()) {
        return false;
    }
    unacked_.erase(unacked_.begin(), unacked_.begin() + newly);
    acked_ = h;
    return true;
}

}  // namespace parley
