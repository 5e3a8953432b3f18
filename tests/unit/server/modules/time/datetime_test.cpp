// XEP-0082 §3.2 DateTime and §2.1 TZD formatting, as used by XEP-0202 <utc/>
// and <tzo/> and by XEP-0203 delay stamps.
#include "modules/time/datetime.hpp"

#include <gtest/gtest.h>

namespace parley::mod::datetime {
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

}  // namespace
}  // namespace parley::mod::datetime
