// XEP-0012 §3: the stored last-logout record ("<unix seconds>\n<status>").
#include "modules/last/last_record.hpp"

#include <gtest/gtest.h>

namespace parley::mod::last {
namespace {

TEST(LastRecord, RoundTrip) {
    LogoutRecord r{1700000000, "Heading Home"};
    EXPECT_EQ(encode(r), "1700000000\nHeading Home");
    auto back = decode(encode(r));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->when, 1700000000);
    EXPECT_EQ(back->status, "Heading Home");
}

TEST(LastRecord, StatusMayBeEmptyOrMultiline) {
    auto empty = decode("42\n");
    ASSERT_TRUE(empty);
    EXPECT_EQ(empty->when, 42);
    EXPECT_EQ(empty->status, "");
    auto bare = decode("42");
    ASSERT_TRUE(bare);
    EXPECT_EQ(bare->status, "");
    auto lines = decode("7\nline one\nline two");
    ASSERT_TRUE(lines);
    EXPECT_EQ(lines->status, "line one\nline two");
}

TEST(LastRecord, RejectsMalformed) {
    EXPECT_FALSE(decode(""));
    EXPECT_FALSE(decode("\nstatus"));
    EXPECT_FALSE(decode("12a\n"));
    EXPECT_FALSE(decode("-5\n"));
    EXPECT_FALSE(decode(" 5\n"));
    EXPECT_FALSE(decode("99999999999999999999999\n"));
}

TEST(LastRecord, Xep0012_3_SecondsNeverNegative) {
    EXPECT_EQ(seconds_since(100, 1003), 903);  // §3 example: 903 seconds
    EXPECT_EQ(seconds_since(100, 100), 0);
    EXPECT_EQ(seconds_since(200, 100), 0);  // clock stepped back
}

}  // namespace
}  // namespace parley::mod::last
