// XEP-0357 §5 enable, §6 disable, §7 the published notification and its
// urn:xmpp:push:summary form, §7.1 which errors count; mod_cloud_notify's
// "important" rule.
#include "modules/push/push_notification.hpp"

#include <gtest/gtest.h>

#include "xml/serializer.hpp"
#include "xml/stream_parser.hpp"
#include "xmpp/data_form.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod::push {
namespace {

xml::ElementPtr parse(std::string_view text) {
    auto e = xml::parse_element(text);
    EXPECT_TRUE(e) << text;
    return e;
}

bool important(std::string_view text) { return is_important(*parse(text)); }

// The summary form of a built publish, as var -> values.
xmpp::form::Submitted summary_form(const xml::Element& iq) {
    const auto* x = iq.child("pubsub", ns::pubsub)
                        ->child("publish", ns::pubsub)
                        ->child("item", ns::pubsub)
                        ->child("notification", ns::push)
                        ->child("x", ns::data_forms);
    EXPECT_TRUE(x);
    auto form = xmpp::form::parse(*x);
    EXPECT_TRUE(form);
    return *form;
}

TEST(PushEnable, Xep0357_5_JidAndNode) {
    auto r = parse_enable(*parse(
        "<enable xmlns='urn:xmpp:push:0' jid='push-5.client.example' node='yxs32uqsflafdk3iuqo'/>"));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->jid, "push-5.client.example");
    EXPECT_EQ(r->node, "yxs32uqsflafdk3iuqo");
    EXPECT_FALSE(r->options);
}

TEST(PushEnable, Xep0357_5_JidIsRequiredAndMustBeAJid) {
    auto missing = parse_enable(*parse("<enable xmlns='urn:xmpp:push:0' node='n'/>"));
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().condition, xmpp::Condition::bad_request);
    auto bad = parse_enable(*parse("<enable xmlns='urn:xmpp:push:0' jid='a@b@c' node='n'/>"));
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().condition, xmpp::Condition::jid_malformed);
}

TEST(PushEnable, Xep0357_5_PublishOptionsAreKeptAsASubmittedForm) {
    // The XEP's example form has no 'type': taken as 'submit'.
    auto r = parse_enable(*parse(
        "<enable xmlns='urn:xmpp:push:0' jid='push.example' node='n'>"
        "<x xmlns='jabber:x:data'>"
        "<field var='FORM_TYPE'><value>http://jabber.org/protocol/pubsub#publish-options</value></field>"
        "<field var='secret'><value>eruio234vzxc2kla-91</value></field></x></enable>"));
    ASSERT_TRUE(r);
    ASSERT_TRUE(r->options);
    EXPECT_EQ(r->options->attr_or("type"), "submit");
    auto form = xmpp::form::parse(*r->options);
    ASSERT_TRUE(form);
    ASSERT_TRUE(form->find("secret"));
    EXPECT_EQ(form->find("secret")->at(0), "eruio234vzxc2kla-91");
}

TEST(PushEnable, Xep0357_5_OtherFormsAreBadRequests) {
    auto wrong_type = parse_enable(*parse(
        "<enable xmlns='urn:xmpp:push:0' jid='push.example' node='n'>"
        "<x xmlns='jabber:x:data' type='submit'>"
        "<field var='FORM_TYPE'><value>urn:example</value></field></x></enable>"));
    ASSERT_FALSE(wrong_type);
    EXPECT_EQ(wrong_type.error().condition, xmpp::Condition::bad_request);
    auto no_form_type = parse_enable(*parse(
        "<enable xmlns='urn:xmpp:push:0' jid='push.example' node='n'>"
        "<x xmlns='jabber:x:data' type='submit'><field var='secret'><value>s</value></field></x>"
        "</enable>"));
    EXPECT_FALSE(no_form_type);
    auto result_form = parse_enable(*parse(
        "<enable xmlns='urn:xmpp:push:0' jid='push.example' node='n'>"
        "<x xmlns='jabber:x:data' type='result'>"
        "<field var='FORM_TYPE'><value>http://jabber.org/protocol/pubsub#publish-options</value>"
        "</field></x></enable>"));
    EXPECT_FALSE(result_form);
}

TEST(PushDisable, Xep0357_6_NodeIsOptional) {
    auto all = parse_disable(*parse("<disable xmlns='urn:xmpp:push:0' jid='push.example'/>"));
    ASSERT_TRUE(all);
    EXPECT_EQ(all->jid, "push.example");
    EXPECT_FALSE(all->node);
    auto one = parse_disable(*parse("<disable xmlns='urn:xmpp:push:0' jid='push.example' node='n'/>"));
    ASSERT_TRUE(one);
    ASSERT_TRUE(one->node);
    EXPECT_EQ(*one->node, "n");
    EXPECT_FALSE(parse_disable(*parse("<disable xmlns='urn:xmpp:push:0'/>")));
}

TEST(PushRegistration, StoredFormRoundTrips) {
    auto r = parse_enable(*parse(
        "<enable xmlns='urn:xmpp:push:0' jid='push.example' node='a&lt;b'>"
        "<x xmlns='jabber:x:data' type='submit'>"
        "<field var='FORM_TYPE'><value>http://jabber.org/protocol/pubsub#publish-options</value>"
        "</field><field var='secret'><value>s</value></field></x></enable>"));
    ASSERT_TRUE(r);
    r->enabled_at_ms = 1764000000123;
    auto back = decode(encode(*r));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->jid, "push.example");
    EXPECT_EQ(back->node, "a<b");
    EXPECT_EQ(back->enabled_at_ms, 1764000000123);
    ASSERT_TRUE(back->options);
    EXPECT_TRUE(xml::equal(*back->options, *r->options));
    EXPECT_FALSE(decode("<nope/>"));
    EXPECT_FALSE(decode("not xml"));
}

TEST(PushRegistration, Xep0357_5_KeysDifferPerJidAndNode) {
    EXPECT_NE(storage_key("a.example", "bc"), storage_key("a.exampleb", "c"));
    EXPECT_EQ(storage_key("a.example", "n"), storage_key("a.example", "n"));
}

TEST(PushImportant, BodiesEncryptionAndCallsAreImportant) {
    EXPECT_TRUE(important("<message xmlns='jabber:client' type='chat'><body>hi</body></message>"));
    EXPECT_TRUE(important("<message xmlns='jabber:client'><body>hi</body></message>"));
    EXPECT_TRUE(important(
        "<message xmlns='jabber:client' type='chat'>"
        "<encrypted xmlns='eu.siacs.conversations.axolotl'/></message>"));
    EXPECT_TRUE(important(
        "<message xmlns='jabber:client'><encrypted xmlns='urn:xmpp:omemo:2'/></message>"));
    EXPECT_TRUE(important("<message xmlns='jabber:client'><x xmlns='jabber:x:encrypted'/></message>"));
    EXPECT_TRUE(
        important("<message xmlns='jabber:client'><openpgp xmlns='urn:xmpp:openpgp:0'/></message>"));
    EXPECT_TRUE(important(  // XEP-0353 incoming call
        "<message xmlns='jabber:client'><propose xmlns='urn:xmpp:jingle-message:0' id='c'/>"
        "</message>"));
}

TEST(PushImportant, OthersAreNot) {
    EXPECT_FALSE(important(  // a chat state alone
        "<message xmlns='jabber:client' type='chat'>"
        "<composing xmlns='http://jabber.org/protocol/chatstates'/></message>"));
    EXPECT_FALSE(important("<message xmlns='jabber:client' type='chat'><body/></message>"));
    EXPECT_FALSE(
        important("<message xmlns='jabber:client' type='headline'><body>news</body></message>"));
    EXPECT_FALSE(important(
        "<message xmlns='jabber:client' type='groupchat'><subject>s</subject><body>b</body>"
        "</message>"));
    EXPECT_FALSE(important("<message xmlns='jabber:client' type='error'><body>b</body></message>"));
}

TEST(PushImportant, Xep0280_CarbonsAreJudgedByTheMessageInside) {
    const char* received =
        "<message xmlns='jabber:client' from='u@h' to='u@h/phone'>"
        "<received xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>"
        "<message xmlns='jabber:client' from='c@h/x' to='u@h/pc' type='chat'><body>hi</body>"
        "</message></forwarded></received></message>";
    EXPECT_TRUE(important(received));
    EXPECT_EQ(summarize(*parse(received), 1, {true, true}).last_sender, "c@h/x");
    EXPECT_FALSE(important(  // what the user sent from another resource
        "<message xmlns='jabber:client' from='u@h' to='u@h/phone'>"
        "<sent xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>"
        "<message xmlns='jabber:client' from='u@h/pc' to='c@h' type='chat'><body>hi</body>"
        "</message></forwarded></sent></message>"));
}

TEST(PushPublish, Xep0357_7_SummaryOnlyByDefault) {
    Registration r{"push.example", "node1", nullptr, 0};
    auto message = parse(
        "<message xmlns='jabber:client' from='juliet@capulet.example/balcony' type='chat'>"
        "<body>Wherefore art thou, Romeo?</body></message>");
    auto iq = build_publish("romeo@montague.example", r, summarize(*message, 3, Content{}));
    EXPECT_EQ(iq->attr_or("type"), "set");
    EXPECT_EQ(iq->attr_or("from"), "romeo@montague.example");
    EXPECT_EQ(iq->attr_or("to"), "push.example");
    const auto* publish = iq->child("pubsub", ns::pubsub)->child("publish", ns::pubsub);
    EXPECT_EQ(publish->attr_or("node"), "node1");
    auto form = summary_form(*iq);
    EXPECT_EQ(form.type, "submit");
    ASSERT_TRUE(form.find("FORM_TYPE"));
    EXPECT_EQ(form.find("FORM_TYPE")->at(0), "urn:xmpp:push:summary");
    ASSERT_TRUE(form.find("message-count"));
    EXPECT_EQ(form.find("message-count")->at(0), "3");
    ASSERT_TRUE(form.find("last-message-sender"));
    EXPECT_EQ(form.find("last-message-sender")->at(0), "juliet@capulet.example/balcony");
    EXPECT_FALSE(form.find("last-message-body"));
    EXPECT_FALSE(iq->child("pubsub", ns::pubsub)->child("publish-options", ns::pubsub));
}

TEST(PushPublish, Xep0357_7_BodyAndSenderAsConfigured) {
    Registration r{"push.example", "", nullptr, 0};
    auto message = parse(
        "<message xmlns='jabber:client' from='juliet@capulet.example/balcony'>"
        "<body>Wherefore art thou, Romeo?</body></message>");
    auto iq = build_publish("romeo@montague.example", r,
                            summarize(*message, 1, Content{false, true}));
    EXPECT_FALSE(iq->child("pubsub", ns::pubsub)->child("publish", ns::pubsub)->attr("node"));
    auto form = summary_form(*iq);
    EXPECT_FALSE(form.find("last-message-sender"));
    ASSERT_TRUE(form.find("last-message-body"));
    EXPECT_EQ(form.find("last-message-body")->at(0), "Wherefore art thou, Romeo?");
    // An encrypted message without a body: no body field even when allowed.
    auto omemo = parse("<message xmlns='jabber:client' from='j@c'>"
                       "<encrypted xmlns='urn:xmpp:omemo:2'/></message>");
    EXPECT_FALSE(summarize(*omemo, 1, Content{true, true}).last_body);
}

TEST(PushPublish, Xep0357_7_PublishOptionsAreForwarded) {
    auto r = parse_enable(*parse(
        "<enable xmlns='urn:xmpp:push:0' jid='push.example' node='n'>"
        "<x xmlns='jabber:x:data' type='submit'>"
        "<field var='FORM_TYPE'><value>http://jabber.org/protocol/pubsub#publish-options</value>"
        "</field><field var='secret'><value>s3</value></field></x></enable>"));
    ASSERT_TRUE(r);
    auto message = parse("<message xmlns='jabber:client' from='j@c'><body>b</body></message>");
    auto iq = build_publish("r@m", *r, summarize(*message, 1, Content{}));
    const auto* po = iq->child("pubsub", ns::pubsub)->child("publish-options", ns::pubsub);
    ASSERT_TRUE(po);
    ASSERT_TRUE(po->child("x", ns::data_forms));
    EXPECT_TRUE(xml::equal(*po->child("x", ns::data_forms), *r->options));
}

TEST(PushErrors, Xep0357_7_1_EveryErrorButWaitCounts) {
    EXPECT_TRUE(error_counts(*parse(
        "<iq xmlns='jabber:client' type='error'><error type='cancel'>"
        "<item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>")));
    EXPECT_TRUE(error_counts(*parse(
        "<iq xmlns='jabber:client' type='error'><error type='auth'>"
        "<forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>")));
    EXPECT_FALSE(error_counts(*parse(
        "<iq xmlns='jabber:client' type='error'><error type='wait'>"
        "<resource-constraint xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>")));
    EXPECT_FALSE(error_counts(*parse("<iq xmlns='jabber:client' type='result'/>")));
}

}  // namespace
}  // namespace parley::mod::push
