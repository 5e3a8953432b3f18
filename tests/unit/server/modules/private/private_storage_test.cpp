// XEP-0049 §2.3 and §3: which private-storage queries are served.
#include "modules/private/private_storage.hpp"

#include <gtest/gtest.h>

#include "xml/stream_parser.hpp"

namespace parley::mod::private_xml {
namespace {

using xmpp::Condition;

xml::ElementPtr query(std::string_view inner) {
    auto q =
        xml::parse_element("<query xmlns='jabber:iq:private'>" + std::string(inner) + "</query>");
    EXPECT_TRUE(q);
    return q;
}

std::optional<Condition> check(std::string_view inner, bool is_set) {
    auto err = check_query(*query(inner), is_set);
    if (!err) {
        return std::nullopt;
    }
    return err->condition;
}

TEST(PrivateXml, Xep0049_2_3_ExampleGetAndSetAreAccepted) {
    EXPECT_EQ(check("<exodus xmlns='exodus:prefs'/>", false), std::nullopt);
    EXPECT_EQ(
        check("<exodus xmlns='exodus:prefs'><defaultnick>Hamlet</defaultnick></exodus>", true),
        std::nullopt);
}

TEST(PrivateXml, Xep0049_2_3_EmptyQueryIsNotAcceptable) {
    EXPECT_EQ(check("", false), Condition::not_acceptable);
    EXPECT_EQ(check("", true), Condition::not_acceptable);
}

TEST(PrivateXml, Xep0049_2_3_GetAsksForOneNamespace) {
    EXPECT_EQ(check("<a xmlns='urn:a'/><b xmlns='urn:b'/>", false), Condition::bad_request);
    EXPECT_EQ(check("<a xmlns='urn:a'/><b xmlns='urn:b'/>", true), std::nullopt);
}

TEST(PrivateXml, SetWithARepeatedNamespaceIsRefused) {
    EXPECT_EQ(check("<a xmlns='urn:a'/><b xmlns='urn:a'/>", true), Condition::not_acceptable);
}

TEST(PrivateXml, Xep0049_2_3_ReservedNamespaces) {
    EXPECT_EQ(check("<vCard xmlns='vcard-temp'><FN>Hamlet</FN></vCard>", true),
              Condition::not_acceptable);  // the §2.3 example
    EXPECT_EQ(check("<q xmlns='jabber:iq:roster'/>", false), Condition::not_acceptable);
    EXPECT_EQ(check("<q xmlns='http://jabber.org/protocol/muc'/>", false),
              Condition::not_acceptable);
    // An unqualified child is in jabber:iq:private itself.
    EXPECT_EQ(check("<foo/>", true), Condition::not_acceptable);
    EXPECT_TRUE(is_reserved_namespace(""));
    EXPECT_FALSE(is_reserved_namespace("storage:bookmarks"));  // XEP-0048 must work
    EXPECT_FALSE(is_reserved_namespace("http://jabber.org"));  // only the "/" prefix is reserved
}

}  // namespace
}  // namespace parley::mod::private_xml
