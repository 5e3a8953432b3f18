#include "core/throttle.hpp"

#include <gtest/gtest.h>

namespace parley {
namespace {

TEST(Throttle, RefusesOverTheLimitWithinAMinute) {
    Throttle t(3);
    auto now = Throttle::Clock::now();
    EXPECT_TRUE(t.hit("ip:1", now));
    EXPECT_TRUE(t.hit("ip:1", now));
    EXPECT_FALSE(t.blocked("ip:1", now));
    EXPECT_TRUE(t.hit("ip:1", now));
    EXPECT_TRUE(t.blocked("ip:1", now));
    EXPECT_FALSE(t.hit("ip:1", now));
    EXPECT_FALSE(t.blocked("ip:2", now));  // keys are independent
}

TEST(Throttle, ForgetsAfterAMinute) {
    Throttle t(1);
    auto now = Throttle::Clock::now();
    EXPECT_TRUE(t.hit("k", now));
    EXPECT_TRUE(t.blocked("k", now + std::chrono::seconds(59)));
    EXPECT_FALSE(t.blocked("k", now + std::chrono::seconds(60)));
    EXPECT_TRUE(t.hit("k", now + std::chrono::seconds(61)));
}

TEST(Throttle, ZeroMeansUnlimited) {
    Throttle t(0);
    for (int i = 0; i < 1000; ++i) {
        EXPECT_TRUE(t.hit("k"));
    }
    EXPECT_FALSE(t.blocked("k"));
}

}  // namespace
}  // namespace parley
