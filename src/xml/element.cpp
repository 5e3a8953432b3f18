// xml::Element: attributes and children in flat vectors, searched linearly
// (stanzas have a handful of each, so this beats any map).
#include "xml/element.hpp"

#include <algorithm>

namespace parley::xml {

namespace {

const Element* as_element(const Element::Node& n) {
    const auto* p = std::get_if<ElementPtr>(&n);
    return p != nullptr ? p->get() : nullptr;
}

// Child nodes with adjacent text merged and empty text dropped, the form in
// which two trees are compared by equal().
using NormalNode = std::variant<const Element*, std::string>;
std::vector<NormalNode> normalized(const std::vector<Element::Node>& nodes) {
    std::vector<NormalNode> out;
    out.reserve(nodes.size());
    for (const auto& n : nodes) {
        if (const auto* e = as_element(n)) {
            out.emplace_back(e);
            continue;
        }
        const auto& text = std::get<std::string>(n);
        if (text.empty()) {
            continue;
        }
        if (!out.empty() && std::holds_alternative<std::string>(out.back())) {
            std::get<std::string>(out.back()) += text;
        } else {
            out.emplace_back(text);
        }
    }
    return out;
}

}  // namespace

std::optional<std::string_view> Element::attr(std::string_view name) const {
    for (const auto& a : attrs_) {
        if (a.name == name) {
            return std::string_view(a.value);
        }
    }
    return std::nullopt;
}

std::string_view Element::attr_or(std::string_view name, std::string_view fallback) const {
    auto v = attr(name);
    return v ? *v : fallback;
}

Element& Element::set_attr(std::string_view name, std::string value) {
    for (auto& a : attrs_) {
        if (a.name == name) {
            a.value = std::move(value);
            return *this;
        }
    }
    attrs_.push_back(Attribute{std::string(name), std::move(value)});
    return *this;
}

Element& Element::remove_attr(std::string_view name) {
    std::erase_if(attrs_, [&](const Attribute& a) { return a.name == name; });
    return *this;
}

const Element* Element::child(std::string_view name, std::string_view ns) const {
    for (const auto& n : nodes_) {
        const auto* e = as_element(n);
        if (e != nullptr && e->is(name, ns)) {
            return e;
        }
    }
    return nullptr;
}

const Element* Element::child_ns(std::string_view ns) const {
    for (const auto& n : nodes_) {
        const auto* e = as_element(n);
        if (e != nullptr && e->ns() == ns) {
            return e;
        }
    }
    return nullptr;
}

const Element* Element::first_child() const {
    for (const auto& n : nodes_) {
        if (const auto* e = as_element(n)) {
            return e;
        }
    }
    return nullptr;
}

std::vector<const Element*> Element::children() const {
    std::vector<const Element*> out;
    for (const auto& n : nodes_) {
        if (const auto* e = as_element(n)) {
            out.push_back(e);
        }
    }
    return out;
}

std::vector<const Element*> Element::children(std::string_view name, std::string_view ns) const {
    std::vector<const Element*> out;
    for (const auto& n : nodes_) {
        const auto* e = as_element(n);
        if (e != nullptr && e->is(name, ns)) {
            out.push_back(e);
        }
    }
    return out;
}

std::string Element::text() const {
    std::string out;
    for (const auto& n : nodes_) {
        if (const auto* t = std::get_if<std::string>(&n)) {
            out += *t;
        }
    }
    return out;
}

std::optional<std::string> Element::child_text(std::string_view name, std::string_view ns) const {
    const auto* c = child(name, ns);
    if (c == nullptr) {
        return std::nullopt;
    }
    return c->text();
}

Element& Element::add(std::string name, std::string ns) {
    auto child = make(std::move(name), std::move(ns));
    Element& ref = *child;
    nodes_.emplace_back(std::move(child));
    return ref;
}

Element& Element::add_child(ElementPtr child) {
    if (!child) {
        return *this;
    }
    Element& ref = *child;
    nodes_.emplace_back(std::move(child));
    return ref;
}

Element& Element::add_text(std::string text) {
    if (text.empty()) {
        return *this;
    }
    if (!nodes_.empty()) {
        if (auto* last = std::get_if<std::string>(&nodes_.back())) {
            *last += text;
            return *this;
        }
    }
    nodes_.emplace_back(std::move(text));
    return *this;
}

Element& Element::add_text_child(std::string name, std::string ns, std::string text) {
    add(std::move(name), std::move(ns)).add_text(std::move(text));
    return *this;
}

void Element::remove_children(std::string_view name, std::string_view ns) {
    std::erase_if(nodes_, [&](const Node& n) {
        const auto* e = as_element(n);
        return e != nullptr && e->is(name, ns);
    });
}

ElementPtr Element::shallow_copy() const {
    auto copy = make(name_, ns_);
    copy->attrs_ = attrs_;
    copy->nodes_ = nodes_;
    return copy;
}

ElementPtr Element::deep_copy() const {
    auto copy = make(name_, ns_);
    copy->attrs_ = attrs_;
    copy->nodes_.reserve(nodes_.size());
    for (const auto& n : nodes_) {
        if (const auto* e = as_element(n)) {
            copy->nodes_.emplace_back(e->deep_copy());
        } else {
            copy->nodes_.emplace_back(std::get<std::string>(n));
        }
    }
    return copy;
}

bool equal(const Element& a, const Element& b) {
    if (&a == &b) {
        return true;
    }
    if (a.name() != b.name() || a.ns() != b.ns() ||
        a.attributes().size() != b.attributes().size()) {
        return false;
    }
    // Attribute names are unique within an element, so equal sizes plus
    // "every attribute of a is in b with the same value" is set equality.
    for (const auto& attr : a.attributes()) {
        auto other = b.attr(attr.name);
        if (!other || *other != attr.value) {
            return false;
        }
    }
    auto na = normalized(a.nodes());
    auto nb = normalized(b.nodes());
    if (na.size() != nb.size()) {
        return false;
    }
    for (std::size_t i = 0; i < na.size(); ++i) {
        const auto* ea = std::get_if<const Element*>(&na[i]);
        const auto* eb = std::get_if<const Element*>(&nb[i]);
        if ((ea == nullptr) != (eb == nullptr)) {
            return false;
        }
        if (ea != nullptr ? !equal(**ea, **eb)
                          : std::get<std::string>(na[i]) != std::get<std::string>(nb[i])) {
            return false;
        }
    }
    return true;
}

}  // namespace parley::xml
