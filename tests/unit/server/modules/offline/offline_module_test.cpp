// XEP-0160 through the offline module: §2 store, stamp and deliver on the
// next available presence; full queue refused with service-unavailable;
// §3 standalone chat states are not stored; §4 the msgoffline feature.
#include <gtest/gtest.h>

#include "unit/server/modules/module_harness.hpp"

namespace parley::mod {
std::unique_ptr<Module> make_offline_module();
}

namespace parley::test {
namespace {

class OfflineModuleTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(h.start(mod::make_offline_module(), {{"max_messages", "2"}}));
        romeo = h.connect("romeo@example.org/orchard");
        h.storage().accounts_.users["juliet@example.org"];  // exists, offline
    }
    void romeo_says(const std::string& body, const std::string& extra = "") {
        h.send(
            "<message xmlns='jabber:client' from='romeo@example.org/orchard' "
            "to='juliet@example.org' type='chat'><body>" +
                body + "</body>" + extra + "</message>",
            romeo.get());
    }
    std::size_t stored() { return h.storage().offline_.queues["juliet@example.org"].size(); }
    ModuleHarness h;
    std::shared_ptr<FakeSession> romeo;
};

TEST_F(OfflineModuleTest, Xep0160_4_Feature) {
    EXPECT_TRUE(h.table().features().count("msgoffline"));
}

TEST_F(OfflineModuleTest, Xep0160_2_StoredThenDeliveredWithDelay) {
    romeo_says("O blessed, blessed night!");
    EXPECT_TRUE(romeo->received.empty());  // no bounce
    EXPECT_EQ(stored(), 1u);

    auto juliet = h.connect("juliet@example.org/balcony");
    h.set_available(*juliet, 1);
    h.fire(SessionHook::available, *juliet);
    auto m = only(*juliet);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->name(), "message");
    EXPECT_EQ(m->attr_or("to"), "juliet@example.org");
    EXPECT_EQ(m->attr_or("from"), "romeo@example.org/orchard");
    EXPECT_EQ(m->child_text("body", "jabber:client"), "O blessed, blessed night!");
    const auto* delay = m->child("delay", "urn:xmpp:delay");
    ASSERT_NE(delay, nullptr);
    EXPECT_EQ(delay->attr_or("from"), "example.org");
    EXPECT_EQ(delay->attr_or("stamp").size(), 20u);  // CCYY-MM-DDThh:mm:ssZ
    EXPECT_EQ(stored(), 0u);
}

TEST_F(OfflineModuleTest, Xep0160_2_FullQueueIsServiceUnavailable) {
    romeo_says("one");
    romeo_says("two");
    EXPECT_TRUE(romeo->received.empty());
    romeo_says("three");
    auto bounce = only(*romeo);
    EXPECT_EQ(error_condition(*bounce), "service-unavailable");
    EXPECT_EQ(stored(), 2u);
}

TEST_F(OfflineModuleTest, Xep0160_3_StandaloneChatStateIsDroppedSilently) {
    h.send(
        "<message xmlns='jabber:client' from='romeo@example.org/orchard' "
        "to='juliet@example.org' type='chat'>"
        "<composing xmlns='http://jabber.org/protocol/chatstates'/></message>",
        romeo.get());
    EXPECT_TRUE(romeo->received.empty());
    EXPECT_EQ(stored(), 0u);
}

TEST_F(OfflineModuleTest, Xep0160_2_NegativePriorityDoesNotReceive) {
    romeo_says("hello");
    auto juliet = h.connect("juliet@example.org/balcony");
    h.set_available(*juliet, -1);
    h.fire(SessionHook::available, *juliet);
    EXPECT_TRUE(juliet->received.empty());
    EXPECT_EQ(stored(), 1u);  // kept for a later resource
}

TEST_F(OfflineModuleTest, StorageFailureBouncesInternalServerError) {
    h.storage().offline_failing.fail = true;
    romeo_says("hello");
    EXPECT_EQ(error_condition(*only(*romeo)), "internal-server-error");
}

TEST_F(OfflineModuleTest, UnparsableStoredMessageIsSkippedOthersDelivered) {
    h.storage().offline_.queues["juliet@example.org"] = {
        "<message", "<message xmlns='jabber:client'><body>ok</body></message>"};
    auto juliet = h.connect("juliet@example.org/balcony");
    h.fire(SessionHook::available, *juliet);
    auto m = only(*juliet);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->child_text("body", "jabber:client"), "ok");
}

TEST(OfflineModuleConfig, RejectsANonPositiveLimit) {
    ModuleHarness h;
    EXPECT_FALSE(h.start(mod::make_offline_module(), {{"max_messages", "0"}}));
}

}  // namespace
}  // namespace parley::test
