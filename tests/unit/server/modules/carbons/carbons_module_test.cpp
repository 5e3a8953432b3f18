// XEP-0280 Message Carbons through the carbons module: §3 feature, §4/§5
// enable/disable, §6 eligible messages, §7 <private/>, §8 received copies,
// §9 sent copies; XEP-0334 §4 <no-copy/>.
#include <gtest/gtest.h>

#include <algorithm>

#include "modules/carbons/carbon_copy.hpp"
#include "unit/server/modules/module_harness.hpp"

namespace parley::mod {
std::unique_ptr<Module> make_carbons_module();
}

namespace parley::test {
namespace {

constexpr const char* kCarbons = "urn:xmpp:carbons:2";

xml::ElementRef X(const std::string& s) { return xml::parse_element(s); }

class CarbonsModuleTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(h.start(mod::make_carbons_module()));
        garden = h.connect("romeo@example.org/garden");
        home = h.connect("romeo@example.org/home");
        h.set_available(*garden, 1);
        h.set_available(*home, 0);
        juliet = h.connect("juliet@example.org/balcony");
        h.set_available(*juliet, 0);
    }
    void enable(FakeSession& s) {
        auto r = h.iq(s, "<iq type='set' id='e1'><enable xmlns='urn:xmpp:carbons:2'/></iq>");
        ASSERT_EQ(r->attr_or("type"), "result");
        s.received.clear();
    }
    void juliet_sends(const std::string& to, const std::string& type, const std::string& extra) {
        h.send("<message xmlns='jabber:client' from='juliet@example.org/balcony' to='" + to +
                   "' type='" + type + "'><body>art thou</body>" + extra + "</message>",
               juliet.get());
    }
    // The forwarded message inside a carbon copy, checking the wrapper (§8, §9).
    const xml::Element* copied(const xml::Element& m, const char* kind, const FakeSession& to) {
        EXPECT_EQ(m.attr_or("from"), "romeo@example.org");
        EXPECT_EQ(m.attr_or("to"), to.jid().str());
        const auto* w = m.child(kind, kCarbons);
        if (w == nullptr) {
            ADD_FAILURE() << "no <" << kind << "/> in " << xml::to_string(m);
            return nullptr;
        }
        const auto* fwd = w->child("forwarded", "urn:xmpp:forward:0");
        return fwd ? fwd->child("message", "jabber:client") : nullptr;
    }
    ModuleHarness h;
    std::shared_ptr<FakeSession> garden, home, juliet;
};

TEST_F(CarbonsModuleTest, Xep0280_3_ServerFeature) {
    EXPECT_TRUE(h.table().features().count(kCarbons));
}

TEST_F(CarbonsModuleTest, Xep0280_11_1_EnableAndDisableTwiceAreResults) {
    for (const char* what : {"enable", "enable", "disable", "disable"}) {
        auto r = h.iq(*home, std::string("<iq type='set' id='x'><") + what +
                                 " xmlns='urn:xmpp:carbons:2'/></iq>");
        EXPECT_EQ(r->attr_or("type"), "result") << what;
    }
}

TEST_F(CarbonsModuleTest, Xep0280_8_ReceivedCopyToResourceThatDidNotGetIt) {
    enable(*home);
    juliet_sends("romeo@example.org", "chat", "");
    // garden has the highest priority: it gets the original (RFC 6121 §8.5.2.1.1).
    auto original = only(*garden);
    ASSERT_TRUE(original);
    EXPECT_EQ(original->child("received", kCarbons), nullptr);
    auto copy = only(*home);
    ASSERT_TRUE(copy);
    EXPECT_EQ(copy->attr_or("type"), "chat");
    const auto* inner = copied(*copy, "received", *home);
    ASSERT_NE(inner, nullptr);
    EXPECT_EQ(inner->attr_or("from"), "juliet@example.org/balcony");
    EXPECT_EQ(inner->child_text("body", "jabber:client"), "art thou");
}

TEST_F(CarbonsModuleTest, Xep0280_8_DirectedMessageCopiedToOtherEnabledResources) {
    enable(*garden);
    enable(*home);
    juliet_sends("romeo@example.org/home", "chat", "");
    EXPECT_EQ(only(*home)->child("received", kCarbons), nullptr);  // the original
    ASSERT_NE(copied(*only(*garden), "received", *garden), nullptr);
}

TEST_F(CarbonsModuleTest, Xep0280_8_NotCopiedToResourcesWithoutCarbons) {
    juliet_sends("romeo@example.org/garden", "chat", "");
    EXPECT_EQ(garden->received.size(), 1u);
    EXPECT_TRUE(home->received.empty());
}

TEST_F(CarbonsModuleTest, Xep0280_9_SentCopyToOtherResourcesOnly) {
    enable(*home);
    enable(*garden);
    h.send("<message xmlns='jabber:client' from='romeo@example.org/garden' "
           "to='juliet@example.org/balcony' type='chat' id='s1'><body>Neither</body></message>",
           garden.get());
    EXPECT_TRUE(garden->received.empty());  // §9: not back to the sender
    const auto* inner = copied(*only(*home), "sent", *home);
    ASSERT_NE(inner, nullptr);
    EXPECT_EQ(inner->attr_or("to"), "juliet@example.org/balcony");
    EXPECT_EQ(inner->attr_or("id"), "s1");
    EXPECT_EQ(juliet->received.size(), 1u);
}

TEST_F(CarbonsModuleTest, Xep0386_EnabledInlineInBind2) {
    // XEP-0386 §2.2: listed as an inline Bind 2 feature; <enable/> inside the
    // bind request turns carbons on for the session, with nothing in <bound/>.
    const auto vars = h.table().bind_inline_features();
    EXPECT_NE(std::find(vars.begin(), vars.end(), kCarbons), vars.end());
    const BindInlineHandler* inline_enable = h.table().bind_inline(kCarbons);
    ASSERT_NE(inline_enable, nullptr);
    auto bound = xml::Element::make("bound", "urn:xmpp:bind:0");
    (*inline_enable)(*home, *X("<enable xmlns='urn:xmpp:carbons:2'/>"), *bound);
    EXPECT_TRUE(bound->children().empty());
    enable(*garden);
    h.send("<message xmlns='jabber:client' from='romeo@example.org/garden' "
           "to='juliet@example.org/balcony' type='chat' id='s2'><body>inline</body></message>",
           garden.get());
    const auto* inner = copied(*only(*home), "sent", *home);
    ASSERT_NE(inner, nullptr);
    EXPECT_EQ(inner->attr_or("id"), "s2");
}

TEST_F(CarbonsModuleTest, Xep0280_7_PrivateNotCopiedAndStrippedForRecipient) {
    enable(*home);
    enable(*garden);
    h.send("<message xmlns='jabber:client' from='romeo@example.org/garden' "
           "to='juliet@example.org/balcony' type='chat'><body>b</body>"
           "<private xmlns='urn:xmpp:carbons:2'/></message>",
           garden.get());
    EXPECT_TRUE(home->received.empty());
    auto got = only(*juliet);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->child("private", kCarbons), nullptr);

    juliet_sends("romeo@example.org/garden", "chat", "<private xmlns='urn:xmpp:carbons:2'/>");
    EXPECT_TRUE(home->received.empty());
    EXPECT_EQ(only(*garden)->child("private", kCarbons), nullptr);
}

TEST_F(CarbonsModuleTest, Xep0334_4_NoCopyHintIsNotCopied) {
    enable(*home);
    juliet_sends("romeo@example.org/garden", "chat", "<no-copy xmlns='urn:xmpp:hints'/>");
    EXPECT_TRUE(home->received.empty());
}

TEST_F(CarbonsModuleTest, Xep0280_6_EligibleMessages) {
    using mod::carbons::eligible;
    EXPECT_TRUE(eligible(*X("<message xmlns='jabber:client' type='chat'/>")));
    EXPECT_TRUE(eligible(*X("<message xmlns='jabber:client'><body>x</body></message>")));
    EXPECT_TRUE(eligible(*X("<message xmlns='jabber:client' type='normal'><body>x</body></message>")));
    EXPECT_FALSE(eligible(*X("<message xmlns='jabber:client' type='normal'/>")));
    EXPECT_FALSE(eligible(*X("<message xmlns='jabber:client' type='groupchat'><body>x</body></message>")));
    EXPECT_FALSE(eligible(*X("<message xmlns='jabber:client' type='headline'><body>x</body></message>")));
    EXPECT_FALSE(eligible(*X("<message xmlns='jabber:client' type='error'><body>x</body></message>")));
    // A MUC private message (§6) and a copy of a copy.
    EXPECT_FALSE(eligible(*X("<message xmlns='jabber:client' type='chat'><body>x</body>"
                             "<x xmlns='http://jabber.org/protocol/muc#user'/></message>")));
    EXPECT_FALSE(eligible(*X("<message xmlns='jabber:client' type='chat'>"
                             "<received xmlns='urn:xmpp:carbons:2'/></message>")));
}

TEST_F(CarbonsModuleTest, Xep0280_6_CarbonsOfCarbonsAreNotCopied) {
    enable(*home);
    juliet_sends("romeo@example.org/garden", "chat",
                 "<sent xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'/></sent>");
    EXPECT_TRUE(home->received.empty());
}

TEST_F(CarbonsModuleTest, Xep0280_6_ChatStatesAreCopied) {
    enable(*home);
    h.send("<message xmlns='jabber:client' from='juliet@example.org/balcony' "
           "to='romeo@example.org/garden' type='chat'>"
           "<composing xmlns='http://jabber.org/protocol/chatstates'/></message>",
           juliet.get());
    EXPECT_EQ(home->received.size(), 1u);
}

TEST_F(CarbonsModuleTest, Xep0280_5_DisabledResourceGetsNoCopies) {
    enable(*home);
    auto r = h.iq(*home, "<iq type='set' id='d'><disable xmlns='urn:xmpp:carbons:2'/></iq>");
    ASSERT_EQ(r->attr_or("type"), "result");
    home->received.clear();
    juliet_sends("romeo@example.org/garden", "chat", "");
    EXPECT_TRUE(home->received.empty());
}

TEST_F(CarbonsModuleTest, Xep0280_4_OnlyForOwnSession) {
    auto r = h.iq(*juliet,
                  "<iq xmlns='jabber:client' type='set' id='e' to='romeo@example.org'><enable xmlns='urn:xmpp:carbons:2'/></iq>");
    EXPECT_EQ(error_condition(*r), "not-allowed") << xml::to_string(*r);
}

}  // namespace
}  // namespace parley::test
