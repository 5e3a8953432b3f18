// The stored form of a user's last logout (XEP-0012 §3), kept in the
// KeyValStore (store "last", key "logout") as "<unix seconds>\n<status>".
// Pure functions; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parley::mod::last {

struct LogoutRecord {
    std::int64_t when = 0;  // seconds since the Unix epoch (UTC)
    std::string status;     // <status/> of the last unavailable presence, may be empty
};

std::string encode(const LogoutRecord& r);
// nullopt when the text is not "<digits>" or "<digits>\n<anything>".
std::optional<LogoutRecord> decode(std::string_view text);

// Seconds from `when` to `now`, never negative (a clock step back reads as 0).
std::int64_t seconds_since(std::int64_t when, std::int64_t now);

}  // namespace parley::mod::last
