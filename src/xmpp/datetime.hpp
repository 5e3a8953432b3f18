// XEP-0082 XMPP Date and Time Profiles: §2.1 (TZD), §3.2 (DateTime).
// Formatting for XEP-0202 entity time and XEP-0203 delay stamps, and parsing
// of DateTime values that clients send (XEP-0313 'start'/'end'). Pure
// functions, any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace parley::xmpp::datetime {

// XEP-0082 §3.2 DateTime in UTC with whole seconds: "1969-07-21T02:56:15Z".
std::string format_utc(std::chrono::system_clock::time_point t);
// The same for seconds since the Unix epoch.
std::string format_utc(std::time_t t);
// The same with microseconds (§3.2 allows fractions of a second):
// "1969-07-21T02:56:15.123456Z"; whole seconds are written without a fraction.
std::string format_utc_micros(std::int64_t micros_since_epoch);

// XEP-0082 §3.2 DateTime ("CCYY-MM-DDThh:mm:ss[.sss]TZD", TZD "Z" or
// "+hh:mm"/"-hh:mm") as microseconds since the Unix epoch, UTC. Digits of a
// fraction beyond microseconds are ignored. nullopt when the text is not a
// DateTime or names an impossible date or time.
std::optional<std::int64_t> parse_micros(std::string_view text);

// XEP-0082 §2.1 TZD as a numeric offset, "[+|-]hh:mm" ("+00:00" for UTC,
// which XEP-0202 §2 shows in this numeric form). Offsets are rounded down to
// whole minutes; values beyond ±23:59 are clamped.
std::string format_tzo(long offset_seconds);

// The offset of the server's local time zone from UTC at `t`, in seconds
// east of UTC (tm_gmtoff of localtime_r); 0 if the zone cannot be read.
long local_utc_offset(std::time_t t);

}  // namespace parley::xmpp::datetime
