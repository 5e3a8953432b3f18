// Small pieces every stream kind (c2s, component, later s2s) shares.
#pragma once

#include <cstddef>
#include <string>

#include <initializer_list>
#include <string_view>

#include "xml/element.hpp"
#include "xml/stream_parser.hpp"
#include "xmpp/stanza_error.hpp"

namespace parley {

// Lower-case hex of `bytes` random bytes (stream ids, generated resources).
std::string random_hex(std::size_t bytes);
std::string to_hex(const unsigned char* data, std::size_t n);

// The stream error for a parser failure (RFC 6120 §4.9.3; limits are
// policy-violation, §4.9.3.14).
xmpp::StreamCondition stream_condition(xml::ParseError e);

// A copy of `e` in which every element, at any depth, whose namespace is one
// of `from` is in namespace `to` instead. Subtrees with nothing to rename are
// shared, not copied; the top element is always new. Used to move stanzas
// between jabber:client (what the router and modules see) and
// jabber:component:accept or jabber:server (what is on the wire), children
// such as <body/> included.
xml::ElementPtr rename_namespace(const xml::Element& e,
                                 std::initializer_list<std::string_view> from, std::string_view to);

}  // namespace parley
