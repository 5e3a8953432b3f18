#include "stream/stream_util.hpp"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <vector>

namespace parley {

std::string to_hex(const unsigned char* data, std::size_t n) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * n);
    for (std::size_t i = 0; i < n; ++i) {
        out += kHex[data[i] >> 4];
        out += kHex[data[i] & 15];
    }
    return out;
}

std::string random_hex(std::size_t bytes) {
    std::vector<unsigned char> raw(bytes);
    if (RAND_bytes(raw.data(), static_cast<int>(bytes)) != 1) {
        // STYLE.md b.8: a broken RNG after start-up is a "cannot happen".
        spdlog::critical("RAND_bytes failed");
        std::abort();
    }
    return to_hex(raw.data(), raw.size());
}

xmpp::StreamCondition stream_condition(xml::ParseError e) {
    using xmpp::StreamCondition;
    switch (e) {
        case xml::ParseError::restricted_xml: return StreamCondition::restricted_xml;
        case xml::ParseError::bad_namespace_prefix: return StreamCondition::bad_namespace_prefix;
        case xml::ParseError::too_big:
        case xml::ParseError::too_deep:
        case xml::ParseError::too_many_attributes: return StreamCondition::policy_violation;
        case xml::ParseError::bad_format: return StreamCondition::bad_format;
        default: return StreamCondition::not_well_formed;
    }
}

namespace {

bool one_of(std::string_view ns, std::initializer_list<std::string_view> set) {
    return std::find(set.begin(), set.end(), ns) != set.end();
}

// rename_namespace() for a subtree: nullptr when nothing in it changes, so
// that unchanged subtrees are shared.
xml::ElementPtr rename_changed(const xml::Element& e, std::initializer_list<std::string_view> from,
                               std::string_view to) {
    const auto& nodes = e.nodes();
    std::vector<std::pair<std::size_t, xml::ElementPtr>> renamed;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        const auto* child = std::get_if<xml::ElementPtr>(&nodes[i]);
        if (child && *child) {
            if (auto r = rename_changed(**child, from, to)) {
                renamed.emplace_back(i, std::move(r));
            }
        }
    }
    if (renamed.empty() && !one_of(e.ns(), from)) {
        return nullptr;
    }
    auto out = xml::Element::make(e.name(), one_of(e.ns(), from) ? std::string(to) : e.ns());
    for (const auto& a : e.attributes()) {
        out->set_attr(a.name, a.value);
    }
    auto next = renamed.begin();
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        if (next != renamed.end() && next->first == i) {
            out->add_child(std::move(next->second));
            ++next;
        } else if (const auto* text = std::get_if<std::string>(&nodes[i])) {
            out->add_text(*text);
        } else {
            out->add_child(std::get<xml::ElementPtr>(nodes[i]));
        }
    }
    return out;
}

}  // namespace

xml::ElementPtr rename_namespace(const xml::Element& e,
                                 std::initializer_list<std::string_view> from,
                                 std::string_view to) {
    auto r = rename_changed(e, from, to);
    return r ? r : e.shallow_copy();
}

}  // namespace parley
