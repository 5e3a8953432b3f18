// Helpers for the MUC core tests: literal XML in, the Outbox inspected per
// recipient, and the cast of XEP-0045's examples (the witches of
// coven@chat.shakespeare.lit, §4.3 "Dramatis Personae"). Test use only.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "modules/muc/room.hpp"
#include "unit/xml/test_printers.hpp"
#include "xml/serializer.hpp"
#include "xml/stream_parser.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod::muc::test {

inline xmpp::Jid J(std::string_view s) {
    auto j = xmpp::Jid::parse(s);
    EXPECT_TRUE(j) << s;
    return j ? *j : xmpp::Jid();
}

inline xml::ElementPtr X(std::string_view s) {
    auto e = xml::parse_element(s);
    EXPECT_TRUE(e) << "test XML does not parse: " << s;
    return e ? e : xml::Element::make("parse-error", "");
}

inline TimePoint T(std::string_view s) {
    auto t = parse_datetime(s);
    EXPECT_TRUE(t) << s;
    return t.value_or(TimePoint{});
}

inline const TimePoint kNow = T("2024-05-01T12:00:00Z");

inline constexpr std::string_view kRoom = "coven@chat.shakespeare.lit";
inline constexpr std::string_view kCrone = "crone1@shakespeare.lit/desktop";     // owner
inline constexpr std::string_view kWicca = "wiccarocks@shakespeare.lit/laptop";  // admin
inline constexpr std::string_view kHag = "hag66@shakespeare.lit/pda";            // none
inline constexpr std::string_view kHecate = "hecate@shakespeare.lit/broom";      // none

// <presence from to><x xmlns='muc'>{x_children}</x>{extra}</presence>
inline xml::ElementRef join_presence(std::string_view from, std::string_view to,
                                     std::string_view x_children = "",
                                     std::string_view extra = "") {
    return X("<presence xmlns='jabber:client' from='" + std::string(from) + "' to='" +
             std::string(to) + "'><x xmlns='http://jabber.org/protocol/muc'>" +
             std::string(x_children) + "</x>" + std::string(extra) + "</presence>");
}

// A presence without <x xmlns='muc'/>: {attrs} go into the start tag.
inline xml::ElementRef plain_presence(std::string_view from, std::string_view to,
                                      std::string_view children = "", std::string_view attrs = "") {
    return X("<presence xmlns='jabber:client' from='" + std::string(from) + "' to='" +
             std::string(to) + "' " + std::string(attrs) + ">" + std::string(children) +
             "</presence>");
}

inline JoinResult enter(Room& room, std::string_view from, std::string_view nick,
                        std::string_view x_children = "", std::string_view extra = "") {
    auto p = join_presence(from, std::string(room.jid().str()) + "/" + std::string(nick),
                           x_children, extra);
    return room.join(parse_join(p, J(from), nick), kNow);
}

// Enters and expects success.
inline void must_enter(Room& room, std::string_view from, std::string_view nick) {
    auto r = enter(room, from, nick);
    ASSERT_TRUE(r.ok()) << from << " as " << nick << ": " << xmpp::to_string(r.error->condition);
}

inline std::vector<xml::ElementRef> sent_to(const Outbox& out, std::string_view to) {
    std::vector<xml::ElementRef> v;
    for (const auto& g : out) {
        if (g.to.str() == to) {
            EXPECT_EQ(g.stanza->attr_or("to"), to);
            v.push_back(g.stanza);
        }
    }
    return v;
}

inline std::vector<std::string> recipients(const Outbox& out) {
    std::vector<std::string> v;
    for (const auto& g : out) {
        v.push_back(g.to.str());
    }
    return v;
}

// The status codes of the muc#user <x/> of a stanza, in document order.
inline std::vector<int> codes(const xml::Element& stanza) {
    std::vector<int> v;
    if (const auto* x = stanza.child("x", ns::muc_user)) {
        for (const auto* s : x->children("status", ns::muc_user)) {
            v.push_back(std::stoi(std::string(s->attr_or("code"))));
        }
    }
    return v;
}

inline const xml::Element* muc_item(const xml::Element& stanza) {
    const auto* x = stanza.child("x", ns::muc_user);
    return x == nullptr ? nullptr : x->child("item", ns::muc_user);
}

inline std::string xml_of(const xml::Element& e) { return xml::to_string(e); }

// Structural comparison with a literal (attribute order free, §xml::equal).
inline ::testing::AssertionResult same_xml(const xml::ElementRef& actual,
                                           std::string_view expected) {
    if (!actual) {
        return ::testing::AssertionFailure() << "no stanza; expected " << expected;
    }
    auto want = X(expected);
    if (xml::equal(*actual, *want)) {
        return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure()
           << "\n  actual:   " << xml_of(*actual) << "\n  expected: " << xml_of(*want);
}

inline std::string condition(const Outcome& o) {
    return o.error ? std::string(xmpp::to_string(o.error->condition)) : "ok";
}

// The coven with its owner (crone1) and admin (wiccarocks) on the
// affiliation list, open and unlocked, default configuration unless given.
inline Room coven(RoomConfig config = {}) {
    Room room(J(kRoom), std::move(config));
    room.restore_affiliation(J("crone1@shakespeare.lit"), Affiliation::owner);
    room.restore_affiliation(J("wiccarocks@shakespeare.lit"), Affiliation::admin);
    return room;
}

inline xml::ElementRef message(std::string_view from, std::string_view to, std::string_view type,
                               std::string_view children, std::string_view id = "") {
    std::string s = "<message xmlns='jabber:client' from='" + std::string(from) + "' to='" +
                    std::string(to) + "'";
    if (!type.empty()) {
        s += " type='" + std::string(type) + "'";
    }
    if (!id.empty()) {
        s += " id='" + std::string(id) + "'";
    }
    return X(s + ">" + std::string(children) + "</message>");
}

}  // namespace parley::mod::muc::test
