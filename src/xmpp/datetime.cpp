// XEP-0082 XMPP Date and Time Profiles: §2.1 (TZD), §3.2 (DateTime).
#include "xmpp/datetime.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cstdlib>

namespace parley::xmpp::datetime {

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

std::string format_utc_micros(std::int64_t micros_since_epoch) {
    std::int64_t secs = micros_since_epoch / 1'000'000;
    std::int64_t frac = micros_since_epoch % 1'000'000;
    if (frac < 0) {
        frac += 1'000'000;
        --secs;
    }
    std::string whole = format_utc(static_cast<std::time_t>(secs));
    if (frac == 0) {
        return whole;
    }
    whole.pop_back();  // the 'Z'
    return fmt::format("{}.{:06}Z", whole, frac);
}

namespace {

// Reads exactly `n` digits at `pos`; advances pos.
std::optional<int> digits(std::string_view s, std::size_t& pos, int n) {
    if (pos + static_cast<std::size_t>(n) > s.size()) {
        return std::nullopt;
    }
    int v = 0;
    for (int i = 0; i < n; ++i) {
        const char c = s[pos + static_cast<std::size_t>(i)];
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        v = v * 10 + (c - '0');
    }
    pos += static_cast<std::size_t>(n);
    return v;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
    if (pos < s.size() && s[pos] == c) {
        ++pos;
        return true;
    }
    return false;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2 ? 1 : 0;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

}  // namespace

std::optional<std::int64_t> parse_micros(std::string_view s) {
    std::size_t pos = 0;
    auto year = digits(s, pos, 4);
    if (!year || !expect(s, pos, '-')) return std::nullopt;
    auto month = digits(s, pos, 2);
    if (!month || !expect(s, pos, '-')) return std::nullopt;
    auto day = digits(s, pos, 2);
    if (!day || !expect(s, pos, 'T')) return std::nullopt;
    auto hour = digits(s, pos, 2);
    if (!hour || !expect(s, pos, ':')) return std::nullopt;
    auto minute = digits(s, pos, 2);
    if (!minute || !expect(s, pos, ':')) return std::nullopt;
    auto second = digits(s, pos, 2);
    if (!second) return std::nullopt;
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (*month < 1 || *month > 12 || *day < 1 ||
        *day > kDays[*month - 1] + (*month == 2 && leap(*year) ? 1 : 0) || *hour > 23 ||
        *minute > 59 || *second > 60) {
        return std::nullopt;
    }
    std::int64_t micros = 0;
    if (expect(s, pos, '.')) {
        int n = 0;
        while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
            if (n < 6) {
                micros = micros * 10 + (s[pos] - '0');
            }
            ++n;
            ++pos;
        }
        if (n == 0) return std::nullopt;
        for (; n < 6; ++n) micros *= 10;
    }
    std::int64_t offset = 0;  // seconds east of UTC
    if (!expect(s, pos, 'Z')) {
        if (pos >= s.size() || (s[pos] != '+' && s[pos] != '-')) return std::nullopt;
        const int sign = s[pos++] == '-' ? -1 : 1;
        auto oh = digits(s, pos, 2);
        if (!oh || !expect(s, pos, ':')) return std::nullopt;
        auto om = digits(s, pos, 2);
        if (!om || *oh > 23 || *om > 59) return std::nullopt;
        offset = sign * (*oh * 3600 + *om * 60);
    }
    if (pos != s.size()) return std::nullopt;
    const std::int64_t secs = days_from_civil(*year, static_cast<unsigned>(*month),
                                              static_cast<unsigned>(*day)) * 86400 +
                              *hour * 3600 + *minute * 60 + *second - offset;
    return secs * 1'000'000 + micros;
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

}  // namespace parley::xmpp::datetime
