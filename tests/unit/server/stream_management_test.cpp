// XEP-0198 §4 acknowledgement arithmetic (stream/stream_management.hpp).
#include <gtest/gtest.h>

#include "stream/stream_management.hpp"

namespace parley {
namespace {

xml::ElementRef stanza(const std::string& id) {
    auto e = xml::Element::make("message", "jabber:client");
    e->set_attr("id", id);
    return e;
}

const auto kNow = std::chrono::system_clock::time_point{};

TEST(StreamManagementTest, Xep0198_4_AckDropsTheOldestStanzas) {
    StreamManagement sm("id", true);
    for (int i = 1; i <= 4; ++i) {
        sm.sent(stanza("m" + std::to_string(i)), kNow);
    }
    EXPECT_EQ(sm.sent_count(), 4u);
    ASSERT_TRUE(sm.acknowledge(3));
    ASSERT_EQ(sm.unacked().size(), 1u);
    EXPECT_EQ(sm.unacked().front().stanza->attr_or("id"), "m4");
    EXPECT_TRUE(sm.acknowledge(3));  // the same count again changes nothing
    EXPECT_EQ(sm.unacked().size(), 1u);
}

TEST(StreamManagementTest, Xep0198_4_AckAboveTheSentCountIsRefused) {
    StreamManagement sm("id", false);
    sm.sent(stanza("m1"), kNow);
    EXPECT_FALSE(sm.acknowledge(2));
    EXPECT_EQ(sm.unacked().size(), 1u);  // unchanged
    ASSERT_TRUE(sm.acknowledge(1));
    EXPECT_FALSE(sm.acknowledge(0));  // acks never go back (0 - 1 wraps to 2^32 - 1)
}

TEST(StreamManagementTest, Xep0198_4_HandledCountsEveryStanza) {
    StreamManagement sm("id", true);
    for (int i = 0; i < 5; ++i) {
        sm.received();
    }
    EXPECT_EQ(sm.handled(), 5u);
    EXPECT_EQ(sm.id(), "id");
    EXPECT_TRUE(sm.resumable());
}

}  // namespace
}  // namespace parley
