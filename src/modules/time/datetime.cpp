// XEP-0082 XMPP Date and Time Profiles: §2.1 (TZD), §3.2 (DateTime).
#include "modules/time/datetime.hpp"

#include <fmt/format.h>

#include <cstdlib>

namespace parley::mod::datetime {

std::string format_utc(std::chrono::system_clock::time_point t) {
    return format_utc(std::chrono::system_clock::to_time_t(t));
}

std::string format_utc(std::time_t t) {
    std::tm tm{};
    if (gmtime_r(&t, &tm) == nullptr) {
        t = 0;  // out of range for struct tm: fall back to the epoch, never garbage
        gmtime_r(&t, &tm);
    }
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                       tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string format_tzo(long offset_seconds) {
    constexpr long kMaxMinutes = 23 * 60 + 59;
    long minutes = std::labs(offset_seconds) / 60;
    if (minutes > kMaxMinutes) {
        minutes = kMaxMinutes;
    }
    // No "-00:00": an offset that rounds to zero minutes is written as UTC.
    const char sign = offset_seconds < 0 && minutes != 0 ? '-' : '+';
    return fmt::format("{}{:02}:{:02}", sign, minutes / 60, minutes % 60);
}

long local_utc_offset(std::time_t t) {
    std::tm tm{};
    if (localtime_r(&t, &tm) == nullptr) {
        return 0;
    }
    return tm.tm_gmtoff;
}

}  // namespace parley::mod::datetime
