// The MUC module in-process (module_harness.hpp): ModuleContext::serve_domain
// routes a whole domain to the module, XEP-0030 §4.1 lists it in the host's
// disco#items, and XEP-0045 stanzas travel through the real Router: §10.1.1
// creation, §7.2.2 self-presence, §10.1.3 a persistent room saved to and
// loaded from the MucStore.
#include <gtest/gtest.h>

#include "muc_test_util.hpp"
#include "unit/server/modules/module_harness.hpp"

namespace parley::mod {
std::unique_ptr<Module> make_muc_module();
std::unique_ptr<Module> make_disco_module();
}  // namespace parley::mod

namespace parley::test {
namespace {

using mod::muc::test::codes;

constexpr const char* kAlice = "alice@example.org/home";
constexpr const char* kRoom = "lounge@conference.example.org";

// A module that serves one domain and records what reaches it.
class EchoService final : public Module {
public:
    explicit EchoService(std::string domain) : domain_(std::move(domain)) {}
    Result<void> start(ModuleContext& ctx) override {
        return ctx.serve_domain(domain_, "Echo", [this](StanzaEvent& ev) -> Awaitable<void> {
            seen.push_back(ev.stanza);
            co_return;
        });
    }
    std::vector<xml::ElementRef> seen;

private:
    std::string domain_;
};

TEST(ServeDomain, RouterGivesEveryStanzaForTheDomainToItsModule) {
    ModuleHarness h;
    auto echo = std::make_unique<EchoService>("echo.example.org");
    auto* service = echo.get();
    ASSERT_TRUE(h.start(std::move(echo)));
    auto alice = h.connect(kAlice);
    h.send(
        "<message xmlns='jabber:client' from='alice@example.org/home' "
        "to='x@echo.example.org/y'><body>1</body></message>");
    h.send("<presence xmlns='jabber:client' from='alice@example.org/home' to='echo.example.org'/>");
    ASSERT_EQ(service->seen.size(), 2u);
    EXPECT_TRUE(alice->received.empty());  // nothing bounced: the module owns them
}

TEST(ServeDomain, RefusesLocalHostAndDomainServedTwice) {
    ModuleHarness h;
    EXPECT_FALSE(h.start(std::make_unique<EchoService>("example.org")));
    EXPECT_TRUE(h.start(std::make_unique<EchoService>("echo.example.org")));
    EXPECT_FALSE(h.start(std::make_unique<EchoService>("echo.example.org")));
}

TEST(ServeDomain, Xep0030_4_1_ServedDomainsInHostItems) {
    ModuleHarness h;
    ASSERT_TRUE(h.start(mod::make_muc_module()));
    ASSERT_TRUE(h.start(mod::make_disco_module()));
    auto alice = h.connect(kAlice);
    auto r = h.iq(*alice,
                  "<iq xmlns='jabber:client' to='example.org' type='get' id='i1'>"
                  "<query xmlns='http://jabber.org/protocol/disco#items'/></iq>");
    const auto* q = r->child("query", "http://jabber.org/protocol/disco#items");
    ASSERT_NE(q, nullptr);
    const auto* item = q->child("item", "http://jabber.org/protocol/disco#items");
    ASSERT_NE(item, nullptr);
    EXPECT_EQ(item->attr_or("jid"), "conference.example.org");
    EXPECT_EQ(item->attr_or("name"), "Chatrooms");
}

TEST(MucModule, BadDomainSettingFailsStart) {
    ModuleHarness h;
    EXPECT_FALSE(h.start(mod::make_muc_module(), {{"domain", "not a domain@"}}));
    EXPECT_FALSE(h.start(mod::make_muc_module(), {{"room_creation", "everybody"}}));
}

TEST(MucModule, Xep0045_10_1_1_CreateThroughTheRouterAndPersist) {
    ModuleHarness h;
    ASSERT_TRUE(h.start(mod::make_muc_module()));
    auto alice = h.connect(kAlice);
    h.send(
        "<presence xmlns='jabber:client' from='alice@example.org/home' "
        "to='lounge@conference.example.org/al'><x xmlns='http://jabber.org/protocol/muc'/>"
        "</presence>",
        alice.get());
    ASSERT_FALSE(alice->received.empty());
    const auto& self = *alice->received.front();
    EXPECT_EQ(self.attr_or("from"), "lounge@conference.example.org/al");
    EXPECT_EQ(codes(self), (std::vector<int>{110, 201}));
    alice->received.clear();
    h.send("<iq xmlns='jabber:client' from='alice@example.org/home' to='" + std::string(kRoom) +
               "' type='set' id='c1'><query xmlns='http://jabber.org/protocol/muc#owner'>"
               "<x xmlns='jabber:x:data' type='submit'><field var='muc#roomconfig_persistentroom'>"
               "<value>1</value></field></x></query></iq>",
           alice.get());
    ASSERT_EQ(alice->received.size(), 1u);
    EXPECT_EQ(alice->received[0]->attr_or("type"), "result");
    auto& stored = h.storage().muc_.rooms_by_jid;
    ASSERT_EQ(stored.count(kRoom), 1u);
    EXPECT_NE(stored[kRoom].config.find("persistent=1"), std::string::npos);
    ASSERT_EQ(stored[kRoom].affiliations.size(), 1u);
    EXPECT_EQ(stored[kRoom].affiliations[0].affiliation, "owner");
}

TEST(MucModule, Xep0045_10_1_3_StoredRoomsLoadAtStart) {
    ModuleHarness h;
    h.storage().muc_.rooms_by_jid[kRoom] = storage::MucRoom{
        kRoom, "persistent=1\nmembers_only=1\n", "", {{"alice@example.org", "owner", "", ""}}};
    ASSERT_TRUE(h.start(mod::make_muc_module()));
    auto bob = h.connect("bob@example.org/pda");
    h.send(
        "<presence xmlns='jabber:client' from='bob@example.org/pda' "
        "to='lounge@conference.example.org/bob'><x xmlns='http://jabber.org/protocol/muc'/>"
        "</presence>",
        bob.get());
    ASSERT_EQ(bob->received.size(), 1u);
    EXPECT_EQ(error_condition(*bob->received[0]), "registration-required");  // §7.2.6
}

}  // namespace
}  // namespace parley::test
