// XEP-0124 v1.11.2 §14.3 request ids and §9 acknowledgements (rid_window.hpp).
#include "modules/bosh/rid_window.hpp"

#include <algorithm>

namespace parley::mod::bosh {

RidWindow::RidWindow(std::uint64_t first_rid, std::size_t requests)
    : next_(first_rid + 1), requests_(std::max<std::size_t>(requests, 1)) {}

RidClass RidWindow::classify(std::uint64_t rid) const {
    if (rid == next_) {
        return RidClass::in_order;
    }
    if (rid < next_) {
        return RidClass::old;
    }
    return rid - next_ < requests_ ? RidClass::ahead : RidClass::out_of_window;
}

void RidWindow::processed(std::uint64_t rid) {
    if (rid == next_) {
        ++next_;
    }
}

void RidWindow::store(std::uint64_t rid, std::string response) {
    for (auto& [r, text] : buffer_) {
        if (r == rid) {
            text = std::move(response);
            return;
        }
    }
    // Responses may be stored out of rid order (a held request answered at
    // its wait timeout after a newer one): keep the buffer sorted.
    auto at = std::find_if(buffer_.begin(), buffer_.end(),
                           [rid](const auto& e) { return e.first > rid; });
    buffer_.emplace(at, rid, std::move(response));
    while (buffer_.size() > requests_) {
        buffer_.pop_front();
    }
}

const std::string* RidWindow::response(std::uint64_t rid) const {
    for (const auto& [r, text] : buffer_) {
        if (r == rid) {
            return &text;
        }
    }
    return nullptr;
}

void RidWindow::acknowledged(std::uint64_t ack) {
    while (!buffer_.empty() && buffer_.front().first <= ack) {
        buffer_.pop_front();
    }
}

}  // namespace parley::mod::bosh
