// xml::Element: one XML element with its attributes and children, the tree
// every stanza is parsed into once (STYLE.md b.4).
//
// Ownership: elements are held by shared_ptr. While a tree is being built it
// is an ElementPtr and may be changed; once handed to the router it is an
// ElementRef (pointer to const) and is never changed again: code that needs a
// different stanza makes a shallow copy (children are shared) and changes the
// copy. An Element is not internally synchronised; a const tree may be read
// from any thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace parley::xml {

class Element;
using ElementPtr = std::shared_ptr<Element>;
using ElementRef = std::shared_ptr<const Element>;

// An attribute. `name` is the local name for attributes without a
// namespace, "xml:lang"-style for the XML namespace, and "URI local" (a space
// between namespace URI and local name) for any other namespaced attribute.
struct Attribute {
    std::string name;
    std::string value;
};

class Element {
public:
    using Node = std::variant<ElementPtr, std::string>;  // child element or text

    Element(std::string name, std::string ns) : name_(std::move(name)), ns_(std::move(ns)) {}
    static ElementPtr make(std::string name, std::string ns) {
        return std::make_shared<Element>(std::move(name), std::move(ns));
    }

    const std::string& name() const { return name_; }
    const std::string& ns() const { return ns_; }
    bool is(std::string_view name, std::string_view ns) const { return name_ == name && ns_ == ns; }

    // Attributes.
    const std::vector<Attribute>& attributes() const { return attrs_; }
    std::optional<std::string_view> attr(std::string_view name) const;
    std::string_view attr_or(std::string_view name, std::string_view fallback = {}) const;
    Element& set_attr(std::string_view name, std::string value);  // adds or replaces
    Element& remove_attr(std::string_view name);
    void reserve_attributes(std::size_t n) { attrs_.reserve(n); }

    // Children, in document order.
    const std::vector<Node>& nodes() const { return nodes_; }
    // The first child element with this name and namespace, or nullptr.
    const Element* child(std::string_view name, std::string_view ns) const;
    // The first child element in namespace `ns` whatever its name, or nullptr.
    const Element* child_ns(std::string_view ns) const;
    // The first child element, or nullptr.
    const Element* first_child() const;
    // All child elements; with a name/namespace, only those that match.
    std::vector<const Element*> children() const;
    std::vector<const Element*> children(std::string_view name, std::string_view ns) const;
    // Concatenated text of the direct text children.
    std::string text() const;
    // Text of child(name, ns), or nullopt when there is no such child.
    std::optional<std::string> child_text(std::string_view name, std::string_view ns) const;

    // Building. add() returns the new child so calls can be chained into it:
    //   iq->add("query", ns::roster).add("item", ns::roster).set_attr("jid", j);
    Element& add(std::string name, std::string ns);
    // Appends `child` (shared, not copied) and returns it, like add(); a null
    // child is ignored and *this is returned.
    Element& add_child(ElementPtr child);
    // Appends text, merged into the last node when that is text too (so the
    // tree does not depend on how the text arrived); returns *this.
    Element& add_text(std::string text);
    // add(name, ns) with one text child; returns *this (not the child).
    Element& add_text_child(std::string name, std::string ns, std::string text);
    void remove_children(std::string_view name, std::string_view ns);

    // A new element with the same name, namespace and attributes that shares
    // this element's children (cheap: for changing to/from/type of a stanza).
    ElementPtr shallow_copy() const;
    // A full independent copy.
    ElementPtr deep_copy() const;

private:
    std::string name_;
    std::string ns_;
    std::vector<Attribute> attrs_;
    std::vector<Node> nodes_;
};

// Structural equality: same name, namespace and attributes (in any order) and
// the same child nodes in order, adjacent text nodes compared as one and empty
// text ignored, so a tree equals what parse_element(to_string(tree)) returns.
bool equal(const Element& a, const Element& b);
inline bool operator==(const Element& a, const Element& b) { return equal(a, b); }

}  // namespace parley::xml
