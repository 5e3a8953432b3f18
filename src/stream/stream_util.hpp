// Small pieces every stream kind (c2s, component, later s2s) shares.
#pragma once

#include <cstddef>
#include <string>

#include "xml/stream_parser.hpp"
#include "xmpp/stanza_error.hpp"

namespace parley {

// Lower-case hex of `bytes` random bytes (stream ids, generated resources).
std::string random_hex(std::size_t bytes);
std::string to_hex(const unsigned char* data, std::size_t n);

// The stream error for a parser failure (RFC 6120 §4.9.3; limits are
// policy-violation, §4.9.3.14).
xmpp::StreamCondition stream_condition(xml::ParseError e);

}  // namespace parley
