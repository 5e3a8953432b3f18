// XEP-0012 Last Activity through the last module: §3 offline user query
// (authorisation, "0" while available, time and status since logout),
// §5 server uptime.
#include <gtest/gtest.h>

#include "unit/server/modules/module_harness.hpp"

namespace parley::mod {
std::unique_ptr<Module> make_last_module();
}

namespace parley::test {
namespace {

class LastModuleTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(h.start(mod::make_last_module()));
        romeo = h.connect("romeo@example.org/orchard");
    }
    xml::ElementRef ask_about_juliet() {
        return h.iq(*romeo,
                    "<iq xmlns='jabber:client' to='juliet@example.org' type='get' "
                    "id='last1'><query xmlns='jabber:iq:last'/></iq>");
    }
    ModuleHarness h;
    std::shared_ptr<FakeSession> romeo;
};

TEST_F(LastModuleTest, Xep0012_5_ServerUptime) {
    auto r = h.iq(*romeo,
                  "<iq xmlns='jabber:client' to='example.org' type='get' id='last3'>"
                  "<query xmlns='jabber:iq:last'/></iq>");
    EXPECT_EQ(r->attr_or("type"), "result");
    const auto* q = r->child("query", "jabber:iq:last");
    ASSERT_NE(q, nullptr);
    EXPECT_EQ(q->attr_or("seconds"), "0");  // just started
    EXPECT_EQ(q->text(), "");               // §5: SHOULD NOT contain character data
}

TEST_F(LastModuleTest, Xep0012_3_NotSubscribedIsForbidden) {
    auto juliet = h.connect("juliet@example.org/balcony");
    EXPECT_EQ(error_condition(*ask_about_juliet()), "forbidden");
    h.add_contact("juliet@example.org", "romeo@example.org", storage::Subscription::to);
    EXPECT_EQ(error_condition(*ask_about_juliet()), "forbidden");  // "to" is not enough
}

TEST_F(LastModuleTest, Xep0012_3_AvailableUserIsZero) {
    auto juliet = h.connect("juliet@example.org/balcony");
    h.set_available(*juliet);
    h.add_contact("juliet@example.org", "romeo@example.org", storage::Subscription::both);
    auto r = ask_about_juliet();
    EXPECT_EQ(r->attr_or("type"), "result");
    EXPECT_EQ(r->child("query", "jabber:iq:last")->attr_or("seconds"), "0");
}

TEST_F(LastModuleTest, Xep0012_3_LogoutTimeAndStatus) {
    auto juliet = h.connect("juliet@example.org/balcony");
    h.add_contact("juliet@example.org", "romeo@example.org", storage::Subscription::from);
    // Connected but never logged out: nothing to tell.
    EXPECT_EQ(error_condition(*ask_about_juliet()), "item-not-found");

    h.send(
        "<presence xmlns='jabber:client' from='juliet@example.org/balcony' "
        "type='unavailable'><status>Heading Home</status></presence>",
        juliet.get());
    h.disconnect(*juliet);
    auto r = ask_about_juliet();
    EXPECT_EQ(r->attr_or("type"), "result");
    const auto* q = r->child("query", "jabber:iq:last");
    ASSERT_NE(q, nullptr);
    EXPECT_LE(std::stoll(std::string(q->attr_or("seconds"))), 1);
    EXPECT_EQ(q->text(), "Heading Home");
}

TEST_F(LastModuleTest, Xep0012_3_OnlyTheLastResourceCounts) {
    auto a = h.connect("juliet@example.org/a");
    auto b = h.connect("juliet@example.org/b");
    h.disconnect(*a);
    EXPECT_TRUE(h.storage().keyval_.values.empty());  // b is still there
    h.disconnect(*b);
    EXPECT_EQ(h.storage().keyval_.values.size(), 1u);
}

TEST_F(LastModuleTest, Xep0012_3_AvailablePresenceClearsTheStatus) {
    auto juliet = h.connect("juliet@example.org/balcony");
    h.add_contact("juliet@example.org", "romeo@example.org", storage::Subscription::both);
    h.send(
        "<presence xmlns='jabber:client' from='juliet@example.org/balcony' "
        "type='unavailable'><status>brb</status></presence>",
        juliet.get());
    h.send("<presence xmlns='jabber:client' from='juliet@example.org/balcony'/>", juliet.get());
    h.disconnect(*juliet);
    auto r = ask_about_juliet();
    EXPECT_EQ(r->child("query", "jabber:iq:last")->text(), "");
}

}  // namespace
}  // namespace parley::test
