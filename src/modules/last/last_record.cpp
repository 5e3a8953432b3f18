// XEP-0012 Last Activity v2.0 §3: the stored logout time and status.
#include "modules/last/last_record.hpp"

#include <charconv>

namespace parley::mod::last {

std::string encode(const LogoutRecord& r) { return std::to_string(r.when) + "\n" + r.status; }

std::optional<LogoutRecord> decode(std::string_view text) {
    const auto nl = text.find('\n');
    const std::string_view digits = text.substr(0, nl);
    if (digits.empty()) {
        return std::nullopt;
    }
    LogoutRecord r;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), r.when);
    if (ec != std::errc() || end != digits.data() + digits.size() || r.when < 0) {
        return std::nullopt;
    }
    if (nl != std::string_view::npos) {
        r.status = std::string(text.substr(nl + 1));
    }
    return r;
}

std::int64_t seconds_since(std::int64_t when, std::int64_t now) {
    return now > when ? now - when : 0;
}

}  // namespace parley::mod::last
