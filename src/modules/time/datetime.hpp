// XEP-0082 XMPP Date and Time Profiles: §2.1 (TZD), §3.2 (DateTime).
// Formatting helpers for the time module (XEP-0202) and the offline module's
// delay stamps (XEP-0203). Pure functions, any thread.
//
// TODO(lead): shared by two modules; move to xmpp/datetime.hpp (STYLE.md b.2:
// code shared by modules goes to xmpp/) — modules/ may not edit xmpp/ here.
#pragma once

#include <chrono>
#include <ctime>
#include <string>

namespace parley::mod::datetime {

// XEP-0082 §3.2 DateTime in UTC with whole seconds: "1969-07-21T02:56:15Z".
std::string format_utc(std::chrono::system_clock::time_point t);
// The same for seconds since the Unix epoch.
std::string format_utc(std::time_t t);

// XEP-0082 §2.1 TZD as a numeric offset, "[+|-]hh:mm" ("+00:00" for UTC,
// which XEP-0202 §2 shows in this numeric form). Offsets are rounded down to
// whole minutes; values beyond ±23:59 are clamped.
std::string format_tzo(long offset_seconds);

// The offset of the server's local time zone from UTC at `t`, in seconds
// east of UTC (tm_gmtoff of localtime_r); 0 if the zone cannot be read.
long local_utc_offset(std::time_t t);

}  // namespace parley::mod::datetime
