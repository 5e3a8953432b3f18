// parley-bench's accounting: percentiles, sequence tracking (every missing
// and duplicated message counted), and the message body codec.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "parley-bench/stats.hpp"

namespace parley::bench {
namespace {

TEST(Percentile, NearestRankOnSmallSets) {
    std::vector<std::int64_t> v{15, 20, 35, 40, 50};  // the classic nearest-rank example
    EXPECT_EQ(percentile(v, 5), 15);
    EXPECT_EQ(percentile(v, 30), 20);
    EXPECT_EQ(percentile(v, 40), 20);
    EXPECT_EQ(percentile(v, 50), 35);
    EXPECT_EQ(percentile(v, 100), 50);
    EXPECT_EQ(percentile(v, 0), 15);
}

TEST(Percentile, EmptyIsZeroAndOneSampleIsEverything) {
    EXPECT_EQ(percentile({}, 50), 0);
    EXPECT_EQ(percentile({7}, 0), 7);
    EXPECT_EQ(percentile({7}, 99.9), 7);
}

TEST(Percentile, TailsOfAThousandSamples) {
    std::vector<std::int64_t> v(1000);
    for (int i = 0; i < 1000; ++i) {
        v[i] = i + 1;  // 1..1000
    }
    EXPECT_EQ(percentile(v, 50), 500);
    EXPECT_EQ(percentile(v, 99), 990);
    EXPECT_EQ(percentile(v, 99.9), 999);
    EXPECT_EQ(percentile(v, 100), 1000);
}

TEST(Summarize, SortsAndConvertsToMilliseconds) {
    std::vector<std::int64_t> ns;
    for (int i = 1000; i >= 1; --i) {
        ns.push_back(i * 1'000'000LL);  // 1..1000 ms, reversed
    }
    std::mt19937 rng(42);
    std::shuffle(ns.begin(), ns.end(), rng);
    auto s = summarize(ns);
    EXPECT_EQ(s.count, 1000u);
    EXPECT_DOUBLE_EQ(s.p50_ms, 500.0);
    EXPECT_DOUBLE_EQ(s.p99_ms, 990.0);
    EXPECT_DOUBLE_EQ(s.p999_ms, 999.0);
    EXPECT_DOUBLE_EQ(s.max_ms, 1000.0);
    EXPECT_NEAR(s.mean_ms, 500.5, 1e-6);
    EXPECT_TRUE(std::is_sorted(ns.begin(), ns.end()));
}

TEST(SeqTracker, InOrderDeliveryHasNothingMissing) {
    SeqTracker t;
    for (std::uint64_t i = 0; i < 1000; ++i) {
        EXPECT_EQ(t.record(i), SeqTracker::Outcome::fresh);
    }
    EXPECT_EQ(t.unique(), 1000u);
    EXPECT_EQ(t.missing(1000), 0u);
    EXPECT_EQ(t.duplicates(), 0u);
    EXPECT_TRUE(t.first_missing(1000, 10).empty());
}

TEST(SeqTracker, CountsEveryMissingMessageEvenAtTheEnd) {
    SeqTracker t;
    for (std::uint64_t i : {0, 1, 3, 4, 7}) {
        t.record(i);
    }
    // Sent 10: 2, 5, 6, 8 and 9 never arrived.
    EXPECT_EQ(t.missing(10), 5u);
    EXPECT_EQ(t.first_missing(10, 10), (std::vector<std::uint64_t>{2, 5, 6, 8, 9}));
    EXPECT_EQ(t.first_missing(10, 2), (std::vector<std::uint64_t>{2, 5}));
}

TEST(SeqTracker, DetectsDuplicatesBeforeAndAfterTheWatermark) {
    SeqTracker t;
    t.record(0);
    t.record(1);
    t.record(5);
    EXPECT_EQ(t.record(1), SeqTracker::Outcome::duplicate);  // below the contiguous prefix
    EXPECT_EQ(t.record(5), SeqTracker::Outcome::duplicate);  // arrived early, then again
    EXPECT_EQ(t.record(0), SeqTracker::Outcome::duplicate);
    EXPECT_EQ(t.duplicates(), 3u);
    EXPECT_EQ(t.unique(), 3u);
    // Duplicates do not hide missing messages.
    EXPECT_EQ(t.missing(6), 3u);
}

TEST(SeqTracker, OutOfOrderArrivalFillsTheGaps) {
    SeqTracker t;
    std::vector<std::uint64_t> order(500);
    for (std::uint64_t i = 0; i < order.size(); ++i) {
        order[i] = i;
    }
    std::mt19937 rng(7);
    std::shuffle(order.begin(), order.end(), rng);
    for (auto s : order) {
        EXPECT_EQ(t.record(s), SeqTracker::Outcome::fresh);
    }
    EXPECT_EQ(t.missing(500), 0u);
    EXPECT_EQ(t.duplicates(), 0u);
    for (auto s : order) {
        EXPECT_EQ(t.record(s), SeqTracker::Outcome::duplicate);
    }
    EXPECT_EQ(t.duplicates(), 500u);
}

TEST(SeqTracker, NothingReceivedMeansEverythingMissing) {
    SeqTracker t;
    EXPECT_EQ(t.missing(42), 42u);
    EXPECT_EQ(t.missing(0), 0u);
    EXPECT_EQ(t.first_missing(42, 3), (std::vector<std::uint64_t>{0, 1, 2}));
}

TEST(MessageBody, RoundTripsAndPadsToTheSize) {
    std::string body;
    encode_body(body, 12345, 987654321012LL, 100);
    EXPECT_EQ(body.size(), 100u);
    EXPECT_EQ(body.substr(0, 19), "12345 987654321012 ");
    auto f = decode_body(body);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->seq, 12345u);
    EXPECT_EQ(f->time_ns, 987654321012LL);
}

TEST(MessageBody, GrowsWhenTheNumbersNeedMoreThanTheSize) {
    std::string body = "prefix:";
    encode_body(body, 18446744073709551615ULL, 9223372036854775807LL, 10);
    EXPECT_EQ(body, "prefix:18446744073709551615 9223372036854775807 ");
    auto f = decode_body(std::string_view(body).substr(7));
    ASSERT_TRUE(f);
    EXPECT_EQ(f->seq, 18446744073709551615ULL);
}

TEST(MessageBody, RejectsWhatTheBenchDidNotWrite) {
    EXPECT_FALSE(decode_body(""));
    EXPECT_FALSE(decode_body("hello"));
    EXPECT_FALSE(decode_body("12 34"));   // no separator after the time
    EXPECT_FALSE(decode_body("12x 34 "));
    EXPECT_FALSE(decode_body("-1 34 "));
}

}  // namespace
}  // namespace parley::bench
