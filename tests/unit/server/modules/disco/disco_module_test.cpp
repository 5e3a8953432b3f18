// XEP-0030 and XEP-0115 through the disco module: §3.1 server info with the
// other modules' features, §3.2 the caps node, §4.1 items, §8 account info
// only to self and subscribed contacts; XEP-0115 §6.3 stream feature whose
// 'ver' hashes exactly what disco#info returns.
#include <gtest/gtest.h>

#include "modules/disco/caps.hpp"
#include "unit/server/modules/module_harness.hpp"

namespace parley::mod {
std::unique_ptr<Module> make_ping_module();
std::unique_ptr<Module> make_vcard_module();
std::unique_ptr<Module> make_disco_module();
}  // namespace parley::mod

namespace parley::test {
namespace {

class DiscoModuleTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(h.start(mod::make_ping_module()));
        ASSERT_TRUE(h.start(mod::make_vcard_module()));
        ASSERT_TRUE(h.start(mod::make_disco_module()));  // last, as in registry.cpp
        romeo = h.connect("romeo@example.org/orchard");
        juliet = h.connect("juliet@example.org/balcony");
    }
    xml::ElementRef ask(FakeSession& s, const std::string& iq) { return h.iq(s, iq); }
    std::string caps_ver() const {
        for (const auto& f : h_table().stream_features()) {
            if (f->is("c", "http://jabber.org/protocol/caps")) {
                return std::string(f->attr_or("ver"));
            }
        }
        return "";
    }
    const HookTable& h_table() const { return const_cast<ModuleHarness&>(h).table(); }
    static std::vector<std::string> vars(const xml::Element& q) {
        std::vector<std::string> out;
        for (const auto* f : q.children("feature", "http://jabber.org/protocol/disco#info")) {
            out.emplace_back(f->attr_or("var"));
        }
        return out;
    }
    ModuleHarness h;
    std::shared_ptr<FakeSession> romeo, juliet;
};

TEST_F(DiscoModuleTest, Xep0030_3_1_ServerInfoAndXep0115_StreamFeature) {
    auto r = ask(*romeo,
                 "<iq xmlns='jabber:client' from='romeo@example.org/orchard' "
                 "to='example.org' type='get' id='info1'>"
                 "<query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
    EXPECT_EQ(r->attr_or("type"), "result");
    const auto* q = r->child("query", "http://jabber.org/protocol/disco#info");
    ASSERT_NE(q, nullptr);
    const auto* id = q->child("identity", "http://jabber.org/protocol/disco#info");
    ASSERT_NE(id, nullptr);
    EXPECT_EQ(id->attr_or("category"), "server");
    EXPECT_EQ(id->attr_or("type"), "im");
    EXPECT_EQ(id->attr_or("name"), "Parley");
    auto features = vars(*q);
    for (const char* f :
         {"urn:xmpp:ping", "vcard-temp", "http://jabber.org/protocol/disco#info",
          "http://jabber.org/protocol/disco#items", "http://jabber.org/protocol/caps"}) {
        EXPECT_NE(std::find(features.begin(), features.end(), f), features.end()) << f;
    }
    // XEP-0115 §5.4: a client recomputing the hash from this answer must get 'ver'.
    std::vector<mod::disco::CapsIdentity> ids;
    for (const auto* i : q->children("identity", "http://jabber.org/protocol/disco#info")) {
        ids.push_back({std::string(i->attr_or("category")), std::string(i->attr_or("type")), "",
                       std::string(i->attr_or("name"))});
    }
    EXPECT_FALSE(caps_ver().empty());
    EXPECT_EQ(mod::disco::caps_ver_sha1(ids, features), caps_ver());
}

TEST_F(DiscoModuleTest, Xep0115_6_2_CapsNodeEchoedOtherNodesNotFound) {
    const std::string node = "https://parley.im#" + caps_ver();
    auto r = ask(*romeo,
                 "<iq xmlns='jabber:client' from='romeo@example.org/orchard' "
                 "to='example.org' type='get' id='info2'>"
                 "<query xmlns='http://jabber.org/protocol/disco#info' node='" +
                     node + "'/></iq>");
    EXPECT_EQ(r->attr_or("type"), "result");
    EXPECT_EQ(r->child("query", "http://jabber.org/protocol/disco#info")->attr_or("node"), node);

    auto bad = ask(*romeo,
                   "<iq xmlns='jabber:client' from='romeo@example.org/orchard' "
                   "to='example.org' type='get' id='info3'>"
                   "<query xmlns='http://jabber.org/protocol/disco#info' node='x'/></iq>");
    EXPECT_EQ(error_condition(*bad), "item-not-found");
}

TEST_F(DiscoModuleTest, Xep0030_4_1_ServerItemsEmpty) {
    auto r = ask(*romeo,
                 "<iq xmlns='jabber:client' from='romeo@example.org/orchard' "
                 "to='example.org' type='get' id='items1'>"
                 "<query xmlns='http://jabber.org/protocol/disco#items'/></iq>");
    EXPECT_EQ(r->attr_or("type"), "result");
    const auto* q = r->child("query", "http://jabber.org/protocol/disco#items");
    ASSERT_NE(q, nullptr);
    EXPECT_EQ(q->first_child(), nullptr);
}

TEST_F(DiscoModuleTest, Xep0030_8_AccountInfoForSelfAndSubscribersOnly) {
    const std::string ask_juliet =
        "<iq xmlns='jabber:client' from='romeo@example.org/orchard' to='juliet@example.org' "
        "type='get' id='a1'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>";
    EXPECT_EQ(error_condition(*ask(*romeo, ask_juliet)), "service-unavailable");

    h.add_contact("juliet@example.org", "romeo@example.org", storage::Subscription::from);
    auto r = ask(*romeo, ask_juliet);
    EXPECT_EQ(r->attr_or("type"), "result");
    const auto* q = r->child("query", "http://jabber.org/protocol/disco#info");
    ASSERT_NE(q, nullptr);
    const auto* id = q->child("identity", "http://jabber.org/protocol/disco#info");
    ASSERT_NE(id, nullptr);
    EXPECT_EQ(id->attr_or("category"), "account");
    EXPECT_EQ(id->attr_or("type"), "registered");
    auto features = vars(*q);
    EXPECT_NE(std::find(features.begin(), features.end(), "vcard-temp"), features.end());

    // With no 'to', a client asks about its own account (RFC 6120 §10.3.3).
    auto self = ask(*juliet,
                    "<iq xmlns='jabber:client' from='juliet@example.org/balcony' "
                    "type='get' id='a2'>"
                    "<query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
    EXPECT_EQ(self->attr_or("type"), "result");
}

TEST_F(DiscoModuleTest, Xep0030_8_AccountItemsAreEmptyForEveryone) {
    auto r = ask(*romeo,
                 "<iq xmlns='jabber:client' from='romeo@example.org/orchard' "
                 "to='juliet@example.org' type='get' id='i2'>"
                 "<query xmlns='http://jabber.org/protocol/disco#items'/></iq>");
    EXPECT_EQ(r->attr_or("type"), "result");
    EXPECT_EQ(r->child("query", "http://jabber.org/protocol/disco#items")->first_child(), nullptr);
}

}  // namespace
}  // namespace parley::test
