// XEP-0082 §3.2 DateTime and §2.1 TZD formatting, as used by XEP-0202 <utc/>
// and <tzo/> and by XEP-0203 delay stamps.
#include "xmpp/datetime.hpp"

#include <gtest/gtest.h>

namespace parley::xmpp::datetime {
namespace {

TEST(Datetime, Xep0082_3_2_MoonLandingExample) {
    // XEP-0082 §3.2 example: 1969-07-21T02:56:15Z (before the Unix epoch).
    EXPECT_EQ(format_utc(std::time_t{-14159025}), "1969-07-21T02:56:15Z");
}

TEST(Datetime, Xep0082_3_2_EpochAndPadding) {
    EXPECT_EQ(format_utc(std::time_t{0}), "1970-01-01T00:00:00Z");
    EXPECT_EQ(format_utc(std::time_t{1'000'000'000}), "2001-09-09T01:46:40Z");
}

TEST(Datetime, Xep0082_3_2_TimePointDropsFractions) {
    const auto t =
        std::chrono::system_clock::from_time_t(1'000'000'000) + std::chrono::milliseconds(999);
    EXPECT_EQ(format_utc(t), "2001-09-09T01:46:40Z");
}

TEST(Datetime, Xep0082_2_1_TzdNumericOffsets) {
    EXPECT_EQ(format_tzo(0), "+00:00");
    EXPECT_EQ(format_tzo(-6 * 3600), "-06:00");  // XEP-0202 §3 example
    EXPECT_EQ(format_tzo(5 * 3600 + 30 * 60), "+05:30");
    EXPECT_EQ(format_tzo(12 * 3600 + 45 * 60), "+12:45");
    EXPECT_EQ(format_tzo(-(9 * 3600 + 30 * 60)), "-09:30");
}

TEST(Datetime, Xep0082_2_1_TzdEdgeCases) {
    EXPECT_EQ(format_tzo(-30), "+00:00");  // rounds to zero minutes: never "-00:00"
    EXPECT_EQ(format_tzo(99 * 3600), "+23:59");
    EXPECT_EQ(format_tzo(-99 * 3600), "-23:59");
}

TEST(Datetime, LocalOffsetIsWithinADay) {
    const long off = local_utc_offset(std::time(nullptr));
    EXPECT_GT(off, -24 * 3600);
    EXPECT_LT(off, 24 * 3600);
}

TEST(Datetime, Xep0082_3_2_ParseMoonLandingAndFractions) {
    EXPECT_EQ(parse_micros("1969-07-21T02:56:15Z"), -14159025LL * 1'000'000);
    EXPECT_EQ(parse_micros("1969-07-20T21:56:15-05:00"), -14159025LL * 1'000'000);  // §3.2
    EXPECT_EQ(parse_micros("1970-01-01T00:00:00.123Z"), 123'000);
    EXPECT_EQ(parse_micros("1970-01-01T00:00:00.1234567Z"), 123'456);
    EXPECT_EQ(parse_micros("2000-02-29T12:00:00+01:30"), 951'820'200LL * 1'000'000);
}

TEST(Datetime, Xep0082_3_2_ParseRejectsWhatIsNotADateTime) {
    for (const char* bad : {"", "2010-06-07", "2010-06-07T00:00:00", "2010-13-01T00:00:00Z",
                            "2010-02-30T00:00:00Z", "2010-06-07T24:00:00Z", "2010-06-07T00:00:00.Z",
                            "2010-06-07T00:00:00+0100", "2010-06-07T00:00:00Zjunk", "None"}) {
        EXPECT_EQ(parse_micros(bad), std::nullopt) << bad;
    }
}

TEST(Datetime, FormatMicrosRoundTrips) {
    EXPECT_EQ(format_utc_micros(0), "1970-01-01T00:00:00Z");
    EXPECT_EQ(format_utc_micros(1'000'000'000'000'001LL), "2001-09-09T01:46:40.000001Z");
    EXPECT_EQ(format_utc_micros(-1), "1969-12-31T23:59:59.999999Z");
    for (std::int64_t t : {0LL, 1'700'000'000'123'456LL, -14159025'000'000LL}) {
        EXPECT_EQ(parse_micros(format_utc_micros(t)), t);
    }
}

}  // namespace
}  // namespace parley::xmpp::datetime
