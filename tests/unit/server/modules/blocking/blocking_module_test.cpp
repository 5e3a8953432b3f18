// XEP-0191 Blocking Command through the blocking module: §3.1 feature, §3.2
// retrieval, §3.3 block (pushes, presence, inbound and outbound rules), §3.4
// unblock, §3.5 unblock all, §5 own resources, §6 domain items.
#include <gtest/gtest.h>

#include "unit/server/modules/module_harness.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod {
std::unique_ptr<Module> make_blocking_module();
}

namespace parley::test {
namespace {

class BlockingModuleTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(h.start(mod::make_blocking_module()));
        a1 = h.connect("alice@example.org/a1");
        a2 = h.connect("alice@example.org/a2");
        b1 = h.connect("bob@example.org/b1");
        for (auto* s : {a1.get(), a2.get(), b1.get()}) {
            h.set_available(*s);
        }
    }

    // Sends an iq from `s` through the router, as its client would, and
    // returns everything `s` received meanwhile (the answer, then or before
    // any pushes: they travel separately).
    std::vector<xml::ElementRef> ask(FakeSession& s, const std::string& xml_text) {
        xml::ElementPtr st = xml::parse_element(xml_text);
        EXPECT_TRUE(st) << xml_text;
        st->set_attr("from", s.jid().str());
        s.received.clear();
        h.send(xml::to_string(*st), &s);
        return s.received;
    }
    // The answer to iq `id` among `out` (nullptr when there is none).
    static xml::ElementRef answer(const std::vector<xml::ElementRef>& out, std::string_view id) {
        for (const auto& e : out) {
            if (e->name() == "iq" && e->attr_or("id") == id) {
                return e;
            }
        }
        return nullptr;
    }
    // The pushes among `out`: iq sets from the server.
    static std::vector<xml::ElementRef> pushes(const std::vector<xml::ElementRef>& out) {
        std::vector<xml::ElementRef> r;
        for (const auto& e : out) {
            if (e->name() == "iq" && e->attr_or("type") == "set") {
                r.push_back(e);
            }
        }
        return r;
    }

    void block(FakeSession& s, const std::string& jid) {
        auto out = ask(s, "<iq xmlns='jabber:client' type='set' id='b'><block "
                          "xmlns='urn:xmpp:blocking'><item jid='" + jid + "'/></block></iq>");
        auto a = answer(out, "b");
        ASSERT_TRUE(a);
        ASSERT_EQ(a->attr_or("type"), "result");
    }
    void clear_all() {
        for (auto* s : {a1.get(), a2.get(), b1.get()}) {
            s->received.clear();
        }
    }

    ModuleHarness h;
    std::shared_ptr<FakeSession> a1, a2, b1;
};

using Blocking = BlockingModuleTest;

TEST_F(Blocking, Xep0191_3_1_ServerAdvertisesTheFeature) {
    EXPECT_TRUE(h.table().features().count(std::string(ns::blocking)));
}

TEST_F(Blocking, Xep0191_3_2_EmptyListIsAnEmptyBlocklist) {
    auto out = ask(*a1,
                   "<iq xmlns='jabber:client' type='get' id='1'>"
                   "<blocklist xmlns='urn:xmpp:blocking'/></iq>");
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0]->attr_or("type"), "result");
    EXPECT_EQ(out[0]->attr_or("id"), "1");
    const auto* list = out[0]->child("blocklist", ns::blocking);
    ASSERT_NE(list, nullptr);
    EXPECT_EQ(list->first_child(), nullptr);
}

TEST_F(Blocking, Xep0191_3_2_AnotherUsersListIsNotServed) {
    auto out = ask(*b1,
                   "<iq xmlns='jabber:client' type='get' id='1' to='alice@example.org'>"
                   "<blocklist xmlns='urn:xmpp:blocking'/></iq>");
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(error_condition(*out[0]), "service-unavailable");
}

TEST_F(Blocking, Xep0191_3_3_BlockWithoutItemIsBadRequest) {
    auto out = ask(*a1,
                   "<iq xmlns='jabber:client' type='set' id='1'>"
                   "<block xmlns='urn:xmpp:blocking'/></iq>");
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(error_condition(*out[0]), "bad-request");
}

TEST_F(Blocking, Xep0191_3_3_MalformedJidIsRefused) {
    auto out = ask(*a1,
                   "<iq xmlns='jabber:client' type='set' id='1'><block "
                   "xmlns='urn:xmpp:blocking'>"
                   "<item jid='a@@b'/></block></iq>");
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(error_condition(*out[0]), "jid-malformed");
    EXPECT_TRUE(h.storage().keyval_.values.empty());
}

TEST_F(Blocking, Xep0191_3_3_BlockIsStoredAndPushedToResourcesThatAskedForTheList) {
    ask(*a1,
        "<iq xmlns='jabber:client' type='get' id='1'><blocklist "
        "xmlns='urn:xmpp:blocking'/></iq>");
    auto out = ask(*a1,
                   "<iq xmlns='jabber:client' type='set' id='2'><block "
                   "xmlns='urn:xmpp:blocking'>"
                   "<item jid='Romeo@Montague.net'/><item jid='iago@shakespeare.lit'/>"
                   "</block></iq>");
    ASSERT_EQ(out.size(), 2u);
    auto result = answer(out, "2");
    ASSERT_TRUE(result);
    EXPECT_EQ(result->attr_or("type"), "result");
    auto p = pushes(out);
    ASSERT_EQ(p.size(), 1u);
    EXPECT_EQ(p[0]->attr_or("to"), "alice@example.org/a1");
    const auto* push = p[0]->child("block", ns::blocking);
    ASSERT_NE(push, nullptr);
    EXPECT_EQ(push->children("item", ns::blocking).size(), 2u);
    EXPECT_TRUE(a2->received.empty());  // a2 never requested the list
    EXPECT_TRUE(
        h.storage().keyval_.values.count({"alice@example.org", "blocklist", "romeo@montague.net"}));

    auto list = ask(*a1,
                    "<iq xmlns='jabber:client' type='get' id='3'>"
                    "<blocklist xmlns='urn:xmpp:blocking'/></iq>");
    ASSERT_EQ(list.size(), 1u);
    auto items = list[0]->child("blocklist", ns::blocking)->children("item", ns::blocking);
    ASSERT_EQ(items.size(), 2u);
    EXPECT_EQ(items[0]->attr_or("jid"), "iago@shakespeare.lit");
    EXPECT_EQ(items[1]->attr_or("jid"), "romeo@montague.net");
}

TEST_F(Blocking, Xep0191_3_3_InboundStanzasFromABlockedJid) {
    block(*a1, "bob@example.org");
    clear_all();
    h.send(
        "<message xmlns='jabber:client' from='bob@example.org/b1' to='alice@example.org' "
        "id='m1' type='chat'><body>hi</body></message>",
        b1.get());
    h.send(
        "<message xmlns='jabber:client' from='bob@example.org/b1' to='alice@example.org/a2' "
        "id='m2' type='chat'><body>hi</body></message>",
        b1.get());
    h.send(
        "<presence xmlns='jabber:client' from='bob@example.org/b1' to='alice@example.org' "
        "type='subscribe'/>",
        b1.get());
    h.send("<presence xmlns='jabber:client' from='bob@example.org/b1' to='alice@example.org/a1'/>",
           b1.get());
    h.send(
        "<iq xmlns='jabber:client' from='bob@example.org/b1' to='alice@example.org/a1' "
        "type='get' id='i1'><ping xmlns='urn:xmpp:ping'/></iq>",
        b1.get());
    h.send(
        "<iq xmlns='jabber:client' from='bob@example.org/b1' to='alice@example.org/a1' "
        "type='result' id='i2'/>",
        b1.get());
    EXPECT_TRUE(a1->received.empty());
    EXPECT_TRUE(a2->received.empty());
    // Messages and iq get/set: service-unavailable; presence and iq results: nothing.
    ASSERT_EQ(b1->received.size(), 3u);
    for (const auto& e : b1->received) {
        EXPECT_EQ(error_condition(*e), "service-unavailable");
    }
    EXPECT_EQ(b1->received[0]->attr_or("id"), "m1");
    EXPECT_EQ(b1->received[2]->attr_or("id"), "i1");
}

TEST_F(Blocking, Xep0191_3_3_OutboundStanzaGetsNotAcceptableWithBlocked) {
    block(*a1, "bob@example.org");
    clear_all();
    h.send(
        "<message xmlns='jabber:client' from='alice@example.org/a2' to='bob@example.org/b1' "
        "id='o1'><body>x</body></message>",
        a2.get());
    EXPECT_TRUE(b1->received.empty());
    auto err = only(*a2);
    ASSERT_TRUE(err);
    EXPECT_EQ(error_condition(*err), "not-acceptable");
    EXPECT_EQ(err->attr_or("from"), "bob@example.org/b1");
    const auto* e = err->child("error", ns::client);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->attr_or("type"), "cancel");
    EXPECT_NE(e->child("blocked", ns::blocking_errors), nullptr);
}

TEST_F(Blocking, Xep0191_3_3_UnavailablePresenceBothWaysOnBlock) {
    h.add_contact("alice@example.org", "bob@example.org", storage::Subscription::both);
    block(*a1, "bob@example.org");
    // Bob saw Alice's two available resources; Alice saw Bob.
    ASSERT_EQ(b1->received.size(), 2u);
    for (const auto& p : b1->received) {
        EXPECT_EQ(p->name(), "presence");
        EXPECT_EQ(p->attr_or("type"), "unavailable");
    }
    ASSERT_EQ(a2->received.size(), 1u);
    EXPECT_EQ(a2->received[0]->attr_or("type"), "unavailable");
    EXPECT_EQ(a2->received[0]->attr_or("from"), "bob@example.org");
    // Presence the server would broadcast for Alice no longer reaches Bob.
    b1->received.clear();
    h.send("<presence xmlns='jabber:client' from='alice@example.org/a1' to='bob@example.org'/>");
    EXPECT_TRUE(b1->received.empty());
}

TEST_F(Blocking, Xep0191_3_3_NoPresenceToAContactWithoutSubscription) {
    h.add_contact("alice@example.org", "bob@example.org", storage::Subscription::none);
    block(*a1, "bob@example.org");
    EXPECT_TRUE(b1->received.empty());
    EXPECT_TRUE(a2->received.empty());
}

TEST_F(Blocking, Xep0191_3_4_UnblockPushesAndRestoresDelivery) {
    ask(*a2,
        "<iq xmlns='jabber:client' type='get' id='1'><blocklist "
        "xmlns='urn:xmpp:blocking'/></iq>");
    block(*a1, "bob@example.org");
    a2->received.clear();
    auto out = ask(*a1,
                   "<iq xmlns='jabber:client' type='set' id='u'><unblock "
                   "xmlns='urn:xmpp:blocking'>"
                   "<item jid='bob@example.org'/></unblock></iq>");
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(answer(out, "u")->attr_or("type"), "result");
    auto push = only(*a2);
    ASSERT_TRUE(push);
    const auto* unblock = push->child("unblock", ns::blocking);
    ASSERT_NE(unblock, nullptr);
    ASSERT_EQ(unblock->children("item", ns::blocking).size(), 1u);
    EXPECT_TRUE(h.storage().keyval_.values.empty());

    a2->received.clear();
    h.send(
        "<message xmlns='jabber:client' from='bob@example.org/b1' to='alice@example.org/a2' "
        "id='m'><body>hi</body></message>",
        b1.get());
    EXPECT_EQ(only(*a2)->attr_or("id"), "m");
}

TEST_F(Blocking, Xep0191_3_5_EmptyUnblockClearsTheList) {
    block(*a1, "bob@example.org");
    block(*a1, "evil.example");
    auto out = ask(*a1,
                   "<iq xmlns='jabber:client' type='set' id='u'>"
                   "<unblock xmlns='urn:xmpp:blocking'/></iq>");
    ASSERT_TRUE(answer(out, "u"));
    EXPECT_EQ(answer(out, "u")->attr_or("type"), "result");
    EXPECT_TRUE(h.storage().keyval_.values.empty());
    auto list = ask(*a1,
                    "<iq xmlns='jabber:client' type='get' id='l'>"
                    "<blocklist xmlns='urn:xmpp:blocking'/></iq>");
    EXPECT_EQ(list[0]->child("blocklist", ns::blocking)->first_child(), nullptr);
}

TEST_F(Blocking, Xep0191_5_OwnResourcesAreNeverBlocked) {
    block(*a1, "example.org");  // the user's own domain
    clear_all();
    h.send(
        "<message xmlns='jabber:client' from='alice@example.org/a1' to='alice@example.org/a2' "
        "id='self'><body>note</body></message>",
        a1.get());
    EXPECT_EQ(only(*a2)->attr_or("id"), "self");
    EXPECT_TRUE(a1->received.empty());
}

TEST_F(Blocking, Xep0191_6_DomainItemBlocksEveryoneThere) {
    block(*a1, "evil.example");
    clear_all();
    h.send(
        "<message xmlns='jabber:client' from='mallory@evil.example/x' to='alice@example.org/a1' "
        "id='e'><body>spam</body></message>");
    EXPECT_TRUE(a1->received.empty());
}

TEST_F(Blocking, StorageFailureIsAnInternalErrorNotALostBlock) {
    h.storage().failing.fail = true;
    auto out = ask(*a1,
                   "<iq xmlns='jabber:client' type='set' id='1'><block "
                   "xmlns='urn:xmpp:blocking'>"
                   "<item jid='bob@example.org'/></block></iq>");
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(error_condition(*out[0]), "internal-server-error");
}

}  // namespace
}  // namespace parley::test
