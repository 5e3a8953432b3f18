// XEP-0313 Message Archive Management v0.8.0 §3.5 (stanza-id on archived
// messages), §6.1.1 (what a user archive holds); XEP-0359 Unique and Stable
// Stanza IDs v0.7.0 §5 (forged ids); XEP-0334 Message Processing Hints v0.3.0 §4.
#include "modules/archive/archiving.hpp"

#include <openssl/rand.h>

#include <array>
#include <optional>
#include <stdexcept>

#include "xmpp/ns.hpp"

namespace parley::mod::mam {

namespace {

// XEP-0334 §4: nullopt without a hint, else whether the hints allow storing.
std::optional<bool> storage_hint(const xml::Element& message) {
    std::optional<bool> hint;
    for (const auto* child : message.children()) {
        if (child->ns() == ns::hints) {
            if (child->name() == "no-store" || child->name() == "no-permanent-store") {
                return false;
            }
            if (child->name() == "store") {
                hint = true;
            }
        }
    }
    return hint;
}

}  // namespace

bool archivable(const xml::Element& message) {
    const auto type = message.attr_or("type");
    if (!type.empty() && type != "normal" && type != "chat") {
        return false;
    }
    return storage_hint(message).value_or(message.child("body", message.ns()) != nullptr);
}

bool archivable_in_room(const xml::Element& message) {
    if (message.attr_or("type") != "groupchat") {
        return false;
    }
    return storage_hint(message).value_or(message.child("body", message.ns()) != nullptr);
}

namespace {

bool is_stanza_id_by(const xml::Element& e, std::string_view archive) {
    return e.is("stanza-id", ns::sid) && e.attr_or("by") == archive;
}

}  // namespace

xml::ElementRef without_stanza_id(const xml::ElementRef& message, std::string_view archive) {
    bool found = false;
    for (const auto* child : message->children()) {
        found = found || is_stanza_id_by(*child, archive);
    }
    if (!found) {
        return message;
    }
    auto copy = xml::Element::make(message->name(), message->ns());
    for (const auto& a : message->attributes()) {
        copy->set_attr(a.name, a.value);
    }
    for (const auto& node : message->nodes()) {
        if (const auto* text = std::get_if<std::string>(&node)) {
            copy->add_text(*text);
        } else if (!is_stanza_id_by(*std::get<xml::ElementPtr>(node), archive)) {
            copy->add_child(std::get<xml::ElementPtr>(node));
        }
    }
    return copy;
}

xml::ElementRef with_stanza_id(const xml::ElementRef& message, std::string_view archive,
                               const std::string& id) {
    auto copy = message->shallow_copy();
    auto& sid = copy->add("stanza-id", std::string(ns::sid));
    sid.set_attr("id", id);
    sid.set_attr("by", std::string(archive));
    return copy;
}

std::string new_archive_id() {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::array<unsigned char, 12> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
        throw std::runtime_error("RAND_bytes failed: no archive id can be made");
    }
    std::string id;
    id.reserve(16);
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        const unsigned v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
        for (int shift = 18; shift >= 0; shift -= 6) {
            id.push_back(kAlphabet[(v >> shift) & 63]);
        }
    }
    return id;
}

}  // namespace parley::mod::mam
