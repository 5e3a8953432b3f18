// xml/prepared: a stanza serialized once with a hole for 'to' writes the
// same XML as serializing each addressed copy (DESIGN.md "serialize once").
#include <gtest/gtest.h>

#include "xml/prepared.hpp"
#include "xml/serializer.hpp"
#include "xml/stream_parser.hpp"

namespace parley::xml {
namespace {

TEST(Prepared, AddressedBytesParseToTheAddressedStanza) {
    auto e = parse_element(
        "<message xmlns='jabber:client' from='room@muc.lit/n&amp;ck' type='groupchat'>"
        "<body>a &lt; b</body><x xmlns='urn:other'/></message>");
    ASSERT_TRUE(e);
    auto p = prepare(e, "jabber:client");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->element, e);
    EXPECT_EQ(p->head, "<message");
    std::string out;
    write_addressed(*p, "juliet@capulet.lit/b'al\"cony", out);
    auto copy = e->shallow_copy();
    copy->set_attr("to", "juliet@capulet.lit/b'al\"cony");
    auto parsed = parse_element(out);
    ASSERT_TRUE(parsed) << out;
    // Parsed outside a stream, the text lacks the stream's xmlns: compare
    // with the same serialization of the addressed copy.
    auto expected = parse_element(to_string(*copy, {"jabber:client"}));
    ASSERT_TRUE(expected);
    EXPECT_TRUE(equal(*parsed, *expected)) << out;
    EXPECT_EQ(parsed->attr_or("to"), "juliet@capulet.lit/b'al\"cony");
    // Twice into one buffer: two stanzas back to back.
    std::string two;
    write_addressed(*p, "a@b", two);
    write_addressed(*p, "c@d", two);
    EXPECT_EQ(two.size(), 2 * p->head.size() + 2 * p->tail.size() + 2 * (std::string(" to=\"a@b\"").size()));
}

TEST(Prepared, RefusesAStanzaThatHasATo) {
    auto e = parse_element("<message xmlns='jabber:client' to='x@y'/>");
    ASSERT_TRUE(e);
    EXPECT_EQ(prepare(e, "jabber:client"), nullptr);
}

}  // namespace
}  // namespace parley::xml
