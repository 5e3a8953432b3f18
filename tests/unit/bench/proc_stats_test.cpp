// /proc parsing for the server's CPU time and RSS (proc(5)).
#include <gtest/gtest.h>

#include <unistd.h>

#include "parley-bench/proc_stats.hpp"

namespace parley::bench {
namespace {

TEST(ProcStat, ReadsUtimeAndStime) {
    // Fields 14 and 15 are 1234 and 567.
    auto t = parse_proc_stat(
        "4242 (parleyd) S 1 4242 4242 0 -1 4194560 1234 0 0 0 1234 567 0 0 20 0 3 0 100 "
        "12345678 2000 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n");
    ASSERT_TRUE(t);
    EXPECT_EQ(t->utime_ticks, 1234u);
    EXPECT_EQ(t->stime_ticks, 567u);
}

TEST(ProcStat, CommandNameWithSpacesAndParentheses) {
    auto t = parse_proc_stat("77 (a) b (c) S 1 77 77 0 -1 0 0 0 0 0 31 41 0 0 20 0 1 0 5 0 0");
    ASSERT_TRUE(t);
    EXPECT_EQ(t->utime_ticks, 31u);
    EXPECT_EQ(t->stime_ticks, 41u);
}

TEST(ProcStat, RejectsTruncatedOrGarbledText) {
    EXPECT_FALSE(parse_proc_stat(""));
    EXPECT_FALSE(parse_proc_stat("1 (x) S 1 2 3"));
    EXPECT_FALSE(parse_proc_stat("1 (x) S 1 1 1 0 -1 0 0 0 0 0 abc 5 0"));
    EXPECT_FALSE(parse_proc_stat("no parenthesis at all"));
}

TEST(ProcStatus, ReadsKilobyteValues) {
    const char* status =
        "Name:\tparleyd\nVmPeak:\t  300000 kB\nVmHWM:\t   20480 kB\nVmRSS:\t   10240 kB\n"
        "Threads:\t3\n";
    EXPECT_EQ(parse_status_kb(status, "VmRSS"), 10240u);
    EXPECT_EQ(parse_status_kb(status, "VmHWM"), 20480u);
    EXPECT_FALSE(parse_status_kb(status, "Threads"));  // not in kB
    EXPECT_FALSE(parse_status_kb(status, "VmSwap"));
    EXPECT_FALSE(parse_status_kb(status, "Vm"));  // a prefix is not a key
}

TEST(ProcSample, ReadsThisProcess) {
    auto self = sample_process(0);
    ASSERT_TRUE(self);
    EXPECT_GT(self->rss_kb, 0u);
    auto by_pid = sample_process(static_cast<int>(getpid()));
    ASSERT_TRUE(by_pid);
    EXPECT_GT(by_pid->rss_kb, 0u);
    EXPECT_FALSE(sample_process(-5));
}

}  // namespace
}  // namespace parley::bench
