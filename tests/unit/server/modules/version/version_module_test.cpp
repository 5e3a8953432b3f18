// XEP-0092 Software Version (§2, §5: <os/> only when enabled) and XEP-0202
// Entity Time (§2: <tzo/> and <utc/>) through their modules.
#include <gtest/gtest.h>

#include "unit/server/modules/module_harness.hpp"

namespace parley::mod {
std::unique_ptr<Module> make_version_module();
std::unique_ptr<Module> make_time_module();
}  // namespace parley::mod

namespace parley::test {
namespace {

xml::ElementRef ask_server(ModuleHarness& h, FakeSession& s, const std::string& payload) {
    return h.iq(
        s, "<iq xmlns='jabber:client' to='example.org' type='get' id='q'>" + payload + "</iq>");
}

TEST(VersionModule, Xep0092_2_NameAndVersionWithoutOs) {
    ModuleHarness h;
    ASSERT_TRUE(h.start(mod::make_version_module()));
    auto s = h.connect("romeo@example.org/orchard");
    auto r = ask_server(h, *s, "<query xmlns='jabber:iq:version'/>");
    const auto* q = r->child("query", "jabber:iq:version");
    ASSERT_NE(q, nullptr);
    EXPECT_EQ(q->child_text("name", "jabber:iq:version"), "Parley");
    EXPECT_EQ(q->child_text("version", "jabber:iq:version"), "1.2.3");
    EXPECT_EQ(q->child("os", "jabber:iq:version"), nullptr);  // §5: private by default
    EXPECT_TRUE(h.table().features().count("jabber:iq:version"));
}

TEST(VersionModule, Xep0092_5_OsWhenEnabled) {
    ModuleHarness h;
    ASSERT_TRUE(h.start(mod::make_version_module(), {{"show_os", "true"}}));
    auto s = h.connect("romeo@example.org/orchard");
    auto r = ask_server(h, *s, "<query xmlns='jabber:iq:version'/>");
    auto os = r->child("query", "jabber:iq:version")->child_text("os", "jabber:iq:version");
    ASSERT_TRUE(os);
    EXPECT_FALSE(os->empty());
}

TEST(TimeModule, Xep0202_2_TzoAndUtc) {
    ModuleHarness h;
    ASSERT_TRUE(h.start(mod::make_time_module()));
    auto s = h.connect("romeo@example.org/orchard");
    auto r = ask_server(h, *s, "<time xmlns='urn:xmpp:time'/>");
    const auto* t = r->child("time", "urn:xmpp:time");
    ASSERT_NE(t, nullptr);
    auto tzo = t->child_text("tzo", "urn:xmpp:time").value_or("");
    auto utc = t->child_text("utc", "urn:xmpp:time").value_or("");
    ASSERT_EQ(tzo.size(), 6u);
    EXPECT_TRUE(tzo[0] == '+' || tzo[0] == '-');
    EXPECT_EQ(tzo[3], ':');
    ASSERT_EQ(utc.size(), 20u);
    EXPECT_EQ(utc[10], 'T');
    EXPECT_EQ(utc.back(), 'Z');
    EXPECT_TRUE(h.table().features().count("urn:xmpp:time"));
}

}  // namespace
}  // namespace parley::test
