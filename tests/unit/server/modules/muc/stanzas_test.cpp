// XEP-0045 stanza builders: the muc#user extension (§7.2.2, §16.6), error
// replies from a room (RFC 6120 §8.3.1 with 'by', §7.2 examples), and the
// XEP-0004 form codec the room configuration uses.
#include "modules/muc/stanzas.hpp"

#include <gtest/gtest.h>

#include "modules/muc/data_form.hpp"
#include "muc_test_util.hpp"

namespace parley::mod::muc {
namespace {

using test::J;
using test::same_xml;
using test::X;
using xmpp::Condition;
using xmpp::StanzaError;

TEST(MucStanzas, Xep0045_7_2_2_MucUserExtension) {
    ItemSpec item{.affiliation = Affiliation::member,
                  .role = Role::participant,
                  .jid = J("hag66@shakespeare.lit/pda"),
                  .nick = "oldhag",
                  .actor_nick = "Fluellen",
                  .reason = "Avaunt"};
    EXPECT_TRUE(same_xml(muc_user_x(item, {110, 303}),
                         "<x xmlns='http://jabber.org/protocol/muc#user'>"
                         "<item affiliation='member' jid='hag66@shakespeare.lit/pda' nick='oldhag' "
                         "role='participant'><actor nick='Fluellen'/><reason>Avaunt</reason></item>"
                         "<status code='110'/><status code='303'/></x>"));
    EXPECT_TRUE(same_xml(muc_user_x(ItemSpec{}, {}),
                         "<x xmlns='http://jabber.org/protocol/muc#user'>"
                         "<item affiliation='none' role='none'/></x>"));
}

TEST(MucStanzas, Xep0045_17_3_6_ClientMucExtensionsAreNotReflected) {
    auto payload =
        X("<presence xmlns='jabber:client'><show>away</show>"
          "<x xmlns='http://jabber.org/protocol/muc'><password>p</password></x>"
          "<x xmlns='http://jabber.org/protocol/muc#user'><item role='moderator'/></x>"
          "<status>s</status></presence>");
    auto p = occupant_presence(J("coven@chat.shakespeare.lit/a"), payload.get(), "",
                               muc_user_x(ItemSpec{}, {}));
    EXPECT_TRUE(same_xml(p,
                         "<presence xmlns='jabber:client' from='coven@chat.shakespeare.lit/a'>"
                         "<show>away</show><status>s</status>"
                         "<x xmlns='http://jabber.org/protocol/muc#user'>"
                         "<item affiliation='none' role='none'/></x></presence>"));
    auto to = addressed(p, J("hag66@shakespeare.lit/pda"));
    EXPECT_EQ(to.to.str(), "hag66@shakespeare.lit/pda");
    EXPECT_EQ(to.stanza->attr_or("to"), "hag66@shakespeare.lit/pda");
    EXPECT_FALSE(p->attr("to"));  // the shared original is untouched
}

TEST(MucStanzas, RFC6120_8_3_1_ErrorRepliesCarryTheRoomAsBy) {
    const auto room = J("coven@chat.shakespeare.lit");
    auto m =
        X("<message xmlns='jabber:client' from='hag66@shakespeare.lit/pda' "
          "to='coven@chat.shakespeare.lit' id='lh2bs617' type='groupchat'>"
          "<subject>Fire Burn and Cauldron Bubble!</subject></message>");
    EXPECT_TRUE(same_xml(error_reply(*m, StanzaError(Condition::forbidden), room),
                         "<message xmlns='jabber:client' from='coven@chat.shakespeare.lit' "
                         "to='hag66@shakespeare.lit/pda' id='lh2bs617' type='error'>"
                         "<subject>Fire Burn and Cauldron Bubble!</subject>"
                         "<error by='coven@chat.shakespeare.lit' type='auth'>"
                         "<forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>"
                         "</message>"));
    auto iq =
        X("<iq xmlns='jabber:client' from='wiccarocks@shakespeare.lit/laptop' "
          "to='coven@chat.shakespeare.lit' id='kicktest' type='set'>"
          "<query xmlns='http://jabber.org/protocol/muc#admin'>"
          "<item nick='firstwitch' role='none'/></query></iq>");
    EXPECT_TRUE(same_xml(error_reply(*iq, StanzaError(Condition::not_allowed), room),
                         "<iq xmlns='jabber:client' from='coven@chat.shakespeare.lit' "
                         "to='wiccarocks@shakespeare.lit/laptop' id='kicktest' type='error'>"
                         "<error by='coven@chat.shakespeare.lit' type='cancel'>"
                         "<not-allowed xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>"
                         "</iq>"));
    // §7.2.5: a join with a password is answered without echoing it.
    auto join =
        X("<presence xmlns='jabber:client' from='hag66@shakespeare.lit/pda' "
          "to='coven@chat.shakespeare.lit/thirdwitch' id='n13mt3l'>"
          "<x xmlns='http://jabber.org/protocol/muc'><password>wrong</password></x>"
          "</presence>");
    EXPECT_TRUE(same_xml(error_reply(*join, StanzaError(Condition::not_authorized), room),
                         "<presence xmlns='jabber:client' "
                         "from='coven@chat.shakespeare.lit/thirdwitch' id='n13mt3l' "
                         "to='hag66@shakespeare.lit/pda' type='error'>"
                         "<x xmlns='http://jabber.org/protocol/muc'/>"
                         "<error by='coven@chat.shakespeare.lit' type='auth'>"
                         "<not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>"
                         "</presence>"));
    // Never an error to an error.
    auto bounced = X("<presence xmlns='jabber:client' type='error' from='a@b/c'/>");
    EXPECT_EQ(error_reply(*bounced, StanzaError(Condition::forbidden), room), nullptr);
}

TEST(MucStanzas, Xep0045_10_2_1_StatusMessage) {
    EXPECT_TRUE(same_xml(status_message(J("coven@chat.shakespeare.lit"), {170}),
                         "<message xmlns='jabber:client' from='coven@chat.shakespeare.lit' "
                         "type='groupchat'><x xmlns='http://jabber.org/protocol/muc#user'>"
                         "<status code='170'/></x></message>"));
}

TEST(MucDataForm, XEP0004_BuildAndParse) {
    auto x = form::build("form", "T", "I",
                         {{"FORM_TYPE", "hidden", "", {"urn:x"}, {}},
                          {"", "fixed", "", {"Read me"}, {}},
                          {"choice", "list-single", "Pick", {"b"}, {{"A", "a"}, {"B", "b"}}}});
    EXPECT_TRUE(same_xml(x,
                         "<x xmlns='jabber:x:data' type='form'><title>T</title>"
                         "<instructions>I</instructions>"
                         "<field type='hidden' var='FORM_TYPE'><value>urn:x</value></field>"
                         "<field type='fixed'><value>Read me</value></field>"
                         "<field label='Pick' type='list-single' var='choice'><value>b</value>"
                         "<option label='A'><value>a</value></option>"
                         "<option label='B'><value>b</value></option></field></x>"));
    auto parsed = form::parse(*x);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->type, "form");
    ASSERT_EQ(parsed->fields.size(), 2u);  // the fixed field carries no data
    ASSERT_NE(parsed->find("choice"), nullptr);
    EXPECT_EQ(*parsed->find("choice"), std::vector<std::string>{"b"});
    EXPECT_EQ(parsed->find("missing"), nullptr);
    EXPECT_FALSE(form::parse(*X("<x xmlns='jabber:x:data' type='weird'/>")));
    EXPECT_FALSE(form::parse(*X("<x xmlns='jabber:x:data'/>")));
    EXPECT_EQ(form::parse_boolean("1"), true);
    EXPECT_EQ(form::parse_boolean("false"), false);
    EXPECT_EQ(form::parse_boolean("TRUE"), std::nullopt);
}

}  // namespace
}  // namespace parley::mod::muc
