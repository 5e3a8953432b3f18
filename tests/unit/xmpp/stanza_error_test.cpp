// RFC 6120 §8.3 stanza errors and §4.9 stream errors.
#include "xmpp/stanza_error.hpp"

#include <gtest/gtest.h>

#include "xml/serializer.hpp"
#include "xml/stream_parser.hpp"
#include "xmpp/ns.hpp"

namespace parley::xmpp {
namespace {

xml::ElementPtr parse(std::string_view s) {
    auto e = xml::parse_element(s);
    EXPECT_TRUE(e) << s;
    return e;
}

TEST(StanzaError, Rfc6120_8_3_1_ReplySwapsAddressesAndKeepsId) {
    auto msg = parse("<message xmlns='jabber:client' from='a@x/r' to='b@x' id='m1' type='chat'>"
                     "<body>hi</body></message>");
    auto reply = make_error_reply(*msg, StanzaError(Condition::service_unavailable));
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->attr_or("to"), "a@x/r");
    EXPECT_EQ(reply->attr_or("from"), "b@x");
    EXPECT_EQ(reply->attr_or("id"), "m1");
    EXPECT_EQ(reply->attr_or("type"), "error");
    EXPECT_TRUE(reply->child("body", ns::client));  // message and presence keep their content
    const auto* err = reply->child("error", ns::client);
    ASSERT_TRUE(err);
    EXPECT_EQ(err->attr_or("type"), "cancel");
    EXPECT_TRUE(err->child("service-unavailable", ns::stanzas));
}

TEST(StanzaError, Rfc6120_8_3_1_NeverAnswersAnErrorOrAResult) {
    auto err = parse("<message xmlns='jabber:client' type='error' from='a@x' to='b@x'/>");
    EXPECT_FALSE(make_error_reply(*err, StanzaError(Condition::service_unavailable)));
    auto result = parse("<iq xmlns='jabber:client' type='result' id='1' from='a@x' to='b@x'/>");
    EXPECT_FALSE(make_error_reply(*result, StanzaError(Condition::service_unavailable)));
}

TEST(StanzaError, IqErrorDoesNotEchoThePayload) {
    // XEP-0077 §3.3: a password-change error must not carry the password back.
    auto iq = parse("<iq xmlns='jabber:client' type='set' id='p' from='a@x/r'>"
                    "<query xmlns='jabber:iq:register'><password>s3cret</password></query></iq>");
    auto reply = make_error_reply(*iq, StanzaError(Condition::not_authorized));
    ASSERT_TRUE(reply);
    EXPECT_EQ(xml::to_string(*reply).find("s3cret"), std::string::npos);
    EXPECT_EQ(reply->attr_or("id"), "p");
    EXPECT_FALSE(reply->attr("from"));  // the request had no 'to'
}

TEST(StanzaError, Rfc6120_8_3_3_DefaultTypes) {
    EXPECT_EQ(StanzaError(Condition::bad_request).type, ErrorType::modify);
    EXPECT_EQ(StanzaError(Condition::forbidden).type, ErrorType::auth);
    EXPECT_EQ(StanzaError(Condition::resource_constraint).type, ErrorType::wait);
    EXPECT_EQ(StanzaError(Condition::item_not_found).type, ErrorType::cancel);
}

TEST(StanzaError, TextIsIncluded) {
    auto e = StanzaError(Condition::jid_malformed, "bad localpart").to_element();
    const auto* text = e->child("text", ns::stanzas);
    ASSERT_TRUE(text);
    EXPECT_EQ(text->text(), "bad localpart");
    EXPECT_EQ(to_string(Condition::jid_malformed), "jid-malformed");
}

TEST(StreamError, Rfc6120_4_9_SerializesWithStreamPrefix) {
    StreamError err{StreamCondition::not_well_formed, "oops"};
    auto s = xml::to_string(*err.to_element(), {ns::client});
    EXPECT_NE(s.find("<stream:error>"), std::string::npos) << s;
    EXPECT_NE(s.find("not-well-formed"), std::string::npos) << s;
    EXPECT_NE(s.find(std::string(ns::xmpp_streams)), std::string::npos) << s;
    EXPECT_EQ(to_string(StreamCondition::unsupported_stanza_type), "unsupported-stanza-type");
}

}  // namespace
}  // namespace parley::xmpp
