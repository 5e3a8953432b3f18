// xml::Element: look-ups, building, copies and structural equality.
#include "xml/element.hpp"

#include <gtest/gtest.h>

#include "unit/xml/test_printers.hpp"

namespace parley::xml {
namespace {

constexpr const char* kClient = "jabber:client";
constexpr const char* kRoster = "jabber:iq:roster";

TEST(Element, AttributesAddReplaceRemove) {
    auto e = Element::make("iq", kClient);
    e->set_attr("type", "get").set_attr("id", "1");
    ASSERT_EQ(e->attributes().size(), 2u);
    EXPECT_EQ(e->attr("type"), "get");
    EXPECT_FALSE(e->attr("to").has_value());
    EXPECT_EQ(e->attr_or("to", "none"), "none");
    EXPECT_EQ(e->attr_or("id"), "1");

    e->set_attr("type", "set");  // replaces, keeps the position
    ASSERT_EQ(e->attributes().size(), 2u);
    EXPECT_EQ(e->attributes()[0].name, "type");
    EXPECT_EQ(e->attr("type"), "set");

    e->remove_attr("type").remove_attr("absent");
    ASSERT_EQ(e->attributes().size(), 1u);
    EXPECT_EQ(e->attributes()[0].name, "id");
}

TEST(Element, EmptyAttributeValueIsPresent) {
    auto e = Element::make("x", "");
    e->set_attr("a", "");
    ASSERT_TRUE(e->attr("a").has_value());
    EXPECT_EQ(*e->attr("a"), "");
    EXPECT_EQ(e->attr_or("a", "fallback"), "");
}

TEST(Element, ChildLookUpsByNameAndNamespace) {
    auto iq = Element::make("iq", kClient);
    iq->add_text("  ");
    iq->add("query", "other:ns");
    auto& query = iq->add("query", kRoster);
    query.add("item", kRoster).set_attr("jid", "a@example.com");
    query.add("item", kRoster).set_attr("jid", "b@example.com");
    query.add("group", kRoster);

    EXPECT_EQ(iq->child("query", kRoster), &query);
    EXPECT_EQ(iq->child("query", "nope"), nullptr);
    EXPECT_EQ(iq->child_ns(kRoster), &query);
    ASSERT_NE(iq->first_child(), nullptr);
    EXPECT_EQ(iq->first_child()->ns(), "other:ns");  // text nodes are skipped
    EXPECT_EQ(iq->children().size(), 2u);

    auto items = query.children("item", kRoster);
    ASSERT_EQ(items.size(), 2u);
    EXPECT_EQ(items[0]->attr("jid"), "a@example.com");
    EXPECT_EQ(items[1]->attr("jid"), "b@example.com");
    EXPECT_TRUE(query.children("item", kClient).empty());
}

TEST(Element, TextConcatenatesDirectTextOnly) {
    auto body = Element::make("body", kClient);
    body->add_text("Hello, ");
    body->add("b", "urn:x").add_text("not me");
    body->add_text("world");
    EXPECT_EQ(body->text(), "Hello, world");
    // Text appended right after text is merged into one node.
    body->add_text("!");
    EXPECT_EQ(body->nodes().size(), 3u);
    EXPECT_EQ(body->text(), "Hello, world!");
    body->add_text("");
    EXPECT_EQ(body->nodes().size(), 3u);
}

TEST(Element, ChildText) {
    auto msg = Element::make("message", kClient);
    msg->add_text_child("body", kClient, "hi").add_text_child("subject", kClient, "");
    EXPECT_EQ(msg->child_text("body", kClient), "hi");
    EXPECT_EQ(msg->child_text("subject", kClient), "");
    EXPECT_FALSE(msg->child_text("thread", kClient).has_value());
}

TEST(Element, AddReturnsChildAndAddTextChildReturnsSelf) {
    auto iq = Element::make("iq", kClient);
    auto& item = iq->add("query", kRoster).add("item", kRoster);
    EXPECT_EQ(item.name(), "item");
    auto& same = iq->add_text_child("a", "urn:a", "1");
    EXPECT_EQ(&same, iq.get());

    auto child = Element::make("c", "urn:c");
    auto& added = iq->add_child(child);
    EXPECT_EQ(&added, child.get());
    EXPECT_EQ(&iq->add_child(nullptr), iq.get());  // ignored
    EXPECT_EQ(iq->children().size(), 3u);
}

TEST(Element, RemoveChildren) {
    auto msg = Element::make("message", kClient);
    msg->add("x", "urn:a");
    msg->add_text("t");
    msg->add("x", "urn:b");
    msg->add("x", "urn:a");
    msg->remove_children("x", "urn:a");
    ASSERT_EQ(msg->nodes().size(), 2u);
    EXPECT_EQ(msg->first_child()->ns(), "urn:b");
    EXPECT_EQ(msg->text(), "t");
}

TEST(Element, ShallowCopySharesChildrenDeepCopyDoesNot) {
    auto msg = Element::make("message", kClient);
    msg->set_attr("to", "a@example.com");
    msg->add("body", kClient).add_text("hi");

    auto shallow = msg->shallow_copy();
    shallow->set_attr("to", "b@example.com");
    EXPECT_EQ(msg->attr("to"), "a@example.com");
    EXPECT_EQ(shallow->first_child(), msg->first_child());

    auto deep = msg->deep_copy();
    EXPECT_NE(deep->first_child(), msg->first_child());
    EXPECT_TRUE(equal(*deep, *msg));
    const_cast<Element*>(deep->first_child())->add_text(" there");
    EXPECT_EQ(msg->child_text("body", kClient), "hi");
    EXPECT_FALSE(equal(*deep, *msg));
}

TEST(Element, EqualityIgnoresAttributeOrderAndTextSplits) {
    Element a("x", "urn:x");
    a.set_attr("p", "1").set_attr("q", "2");
    a.add_text("ab");
    a.add("y", "urn:y");

    Element b("x", "urn:x");
    b.set_attr("q", "2").set_attr("p", "1");
    b.add_child(nullptr);
    b.add_text("a");
    b.add("tmp", "urn:tmp");
    b.add_text("b");
    b.remove_children("tmp", "urn:tmp");  // leaves two adjacent text nodes
    b.add("y", "urn:y");
    ASSERT_EQ(b.nodes().size(), 3u);
    EXPECT_TRUE(a == b);

    Element c("x", "urn:x");
    c.set_attr("p", "1").set_attr("q", "3");
    c.add_text("ab");
    c.add("y", "urn:y");
    EXPECT_FALSE(a == c);  // attribute value

    Element d("x", "urn:other");
    EXPECT_FALSE(a == d);  // namespace

    Element e("x", "urn:x");
    e.set_attr("p", "1").set_attr("q", "2");
    e.add("y", "urn:y");
    e.add_text("ab");
    EXPECT_FALSE(a == e);  // node order

    Element f("x", "urn:x");
    f.set_attr("p", "1").set_attr("q", "2");
    f.add_text("ab");
    f.add("y", "urn:y").add_text("deep");
    EXPECT_FALSE(a == f);  // a difference in a child
}

}  // namespace
}  // namespace parley::xml
