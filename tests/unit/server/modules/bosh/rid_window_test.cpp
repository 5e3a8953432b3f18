// XEP-0124 v1.11.2 §14.3 request ids and §9 acknowledgements: RidWindow.
#include <gtest/gtest.h>

#include "modules/bosh/rid_window.hpp"

namespace parley::mod::bosh {
namespace {

TEST(RidWindow, Xep0124_14_3_NextRidIsInOrder) {
    RidWindow w(1000, 2);
    EXPECT_EQ(w.next(), 1001u);
    EXPECT_EQ(w.classify(1001), RidClass::in_order);
    w.processed(1001);
    EXPECT_EQ(w.classify(1002), RidClass::in_order);
    EXPECT_EQ(w.last(), 1001u);
}

TEST(RidWindow, Xep0124_14_3_AheadWithinRequestsWaits) {
    RidWindow w(1000, 2);
    EXPECT_EQ(w.classify(1002), RidClass::ahead);          // 1001 missing, within 'requests'
    EXPECT_EQ(w.classify(1003), RidClass::out_of_window);  // too far ahead: item-not-found
    EXPECT_EQ(w.classify(2000), RidClass::out_of_window);
}

TEST(RidWindow, Xep0124_14_3_ProcessingOutOfOrderDoesNotAdvance) {
    RidWindow w(10, 2);
    w.processed(12);  // only the expected rid moves the window
    EXPECT_EQ(w.next(), 11u);
}

TEST(RidWindow, Xep0124_14_3_OldRidIsAnsweredFromTheBuffer) {
    RidWindow w(10, 2);
    w.processed(11);
    w.store(11, "<body rid11/>");
    w.processed(12);
    w.store(12, "<body rid12/>");
    EXPECT_EQ(w.classify(11), RidClass::old);
    ASSERT_NE(w.response(11), nullptr);
    EXPECT_EQ(*w.response(11), "<body rid11/>");
    EXPECT_EQ(*w.response(12), "<body rid12/>");
}

TEST(RidWindow, Xep0124_14_3_BufferKeepsTheLastRequestsResponses) {
    RidWindow w(10, 2);
    for (std::uint64_t r = 11; r <= 14; ++r) {
        w.processed(r);
        w.store(r, "r" + std::to_string(r));
    }
    EXPECT_EQ(w.buffered(), 2u);
    EXPECT_EQ(w.response(11), nullptr);  // gone: item-not-found if asked again
    EXPECT_EQ(w.response(12), nullptr);
    EXPECT_EQ(*w.response(13), "r13");
    EXPECT_EQ(*w.response(14), "r14");
}

TEST(RidWindow, StoredOutOfOrderStaysSorted) {
    RidWindow w(10, 3);
    w.processed(11);
    w.processed(12);
    w.store(12, "r12");
    w.store(11, "r11");  // a held request answered at its wait timeout after a newer one
    w.processed(13);
    w.store(13, "r13");
    w.processed(14);
    w.store(14, "r14");
    EXPECT_EQ(w.response(11), nullptr);  // the oldest went first
    EXPECT_EQ(*w.response(12), "r12");
}

TEST(RidWindow, StoringTheSameRidAgainReplaces) {
    RidWindow w(10, 2);
    w.processed(11);
    w.store(11, "a");
    w.store(11, "b");
    EXPECT_EQ(w.buffered(), 1u);
    EXPECT_EQ(*w.response(11), "b");
}

TEST(RidWindow, Xep0124_9_2_ClientAckDropsReceivedResponses) {
    RidWindow w(10, 3);
    for (std::uint64_t r = 11; r <= 13; ++r) {
        w.processed(r);
        w.store(r, "r" + std::to_string(r));
    }
    w.acknowledged(12);
    EXPECT_EQ(w.response(11), nullptr);
    EXPECT_EQ(w.response(12), nullptr);
    EXPECT_EQ(*w.response(13), "r13");
}

}  // namespace
}  // namespace parley::mod::bosh
