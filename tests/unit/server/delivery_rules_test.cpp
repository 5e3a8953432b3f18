// RFC 6121 §8.5 delivery rules, as a table.
#include "router/delivery_rules.hpp"

#include <gtest/gtest.h>

namespace parley {
namespace {

ResourceEntry res(const char* name, bool available, int priority) {
    ResourceEntry e;
    e.resource = name;
    e.available = available;
    e.priority = priority;
    return e;
}

using Targets = std::vector<std::size_t>;

TEST(DeliveryRules, Rfc6121_8_5_2_1_1_ChatGoesToHighestNonNegativePriority) {
    std::vector rs{res("a", true, 1), res("b", true, 5), res("c", true, 5), res("d", false, 10)};
    for (auto type : {"chat", "normal", ""}) {
        auto d = message_to_bare(type, rs);
        EXPECT_EQ(d.action, Delivery::deliver) << type;
        EXPECT_EQ(d.targets, (Targets{1, 2})) << type;
    }
}

TEST(DeliveryRules, Rfc6121_8_5_2_1_1_HeadlineGoesToAllNonNegative) {
    std::vector rs{res("a", true, 0), res("b", true, 5), res("c", true, -1), res("d", false, 3)};
    auto d = message_to_bare("headline", rs);
    EXPECT_EQ(d.action, Delivery::deliver);
    EXPECT_EQ(d.targets, (Targets{0, 1}));
}

TEST(DeliveryRules, Rfc6121_8_5_2_1_1_GroupchatToBareIsRefused) {
    std::vector rs{res("a", true, 0)};
    EXPECT_EQ(message_to_bare("groupchat", rs).action, Delivery::bounce);
    EXPECT_EQ(message_to_bare("groupchat", {}).action, Delivery::bounce);
}

TEST(DeliveryRules, Rfc6121_8_5_2_1_1_ErrorIsDropped) {
    std::vector rs{res("a", true, 0)};
    EXPECT_EQ(message_to_bare("error", rs).action, Delivery::drop);
    EXPECT_EQ(message_to_bare("error", {}).action, Delivery::drop);
}

TEST(DeliveryRules, Rfc6121_8_5_2_2_NegativePriorityOnlyMeansOffline) {
    std::vector rs{res("a", true, -1), res("b", true, -5)};
    EXPECT_EQ(message_to_bare("chat", rs).action, Delivery::offline);
    EXPECT_EQ(message_to_bare("normal", rs).action, Delivery::offline);
    EXPECT_EQ(message_to_bare("headline", rs).action, Delivery::drop);
}

TEST(DeliveryRules, Rfc6121_8_5_2_2_NoAvailableResourceMeansOffline) {
    std::vector rs{res("connected-but-no-presence", false, 0)};
    EXPECT_EQ(message_to_bare("chat", rs).action, Delivery::offline);
    EXPECT_EQ(message_to_bare("chat", {}).action, Delivery::offline);
    EXPECT_EQ(message_to_bare("headline", {}).action, Delivery::drop);
}

TEST(DeliveryRules, Rfc6121_8_5_3_2_1_MessageToAbsentFullJid) {
    EXPECT_EQ(message_to_absent_full("chat"), Delivery::as_bare);
    EXPECT_EQ(message_to_absent_full("normal"), Delivery::as_bare);
    EXPECT_EQ(message_to_absent_full("headline"), Delivery::as_bare);
    EXPECT_EQ(message_to_absent_full("groupchat"), Delivery::bounce);
    EXPECT_EQ(message_to_absent_full("error"), Delivery::drop);
}

TEST(DeliveryRules, Rfc6121_8_5_2_1_3_PresenceGoesToEveryAvailableResource) {
    std::vector rs{res("a", true, -3), res("b", false, 0), res("c", true, 2)};
    auto d = presence_to_bare("", rs);
    EXPECT_EQ(d.action, Delivery::deliver);
    EXPECT_EQ(d.targets, (Targets{0, 2}));
    EXPECT_EQ(presence_to_bare("unavailable", rs).targets, (Targets{0, 2}));
    EXPECT_EQ(presence_to_bare("", {}).action, Delivery::drop);
    // Probes and subscriptions are never delivered by this rule.
    EXPECT_EQ(presence_to_bare("probe", rs).action, Delivery::drop);
    EXPECT_EQ(presence_to_bare("subscribe", rs).action, Delivery::drop);
}

TEST(DeliveryRules, Rfc6121_8_5_3_2_3_PresenceToAbsentFullJid) {
    EXPECT_EQ(presence_to_absent_full(""), Delivery::drop);
    EXPECT_EQ(presence_to_absent_full("unavailable"), Delivery::drop);
    EXPECT_EQ(presence_to_absent_full("subscribe"), Delivery::as_bare);
    EXPECT_EQ(presence_to_absent_full("unsubscribed"), Delivery::as_bare);
    EXPECT_EQ(presence_to_absent_full("probe"), Delivery::as_bare);  // RFC 6121 §4.3.2
}

}  // namespace
}  // namespace parley
