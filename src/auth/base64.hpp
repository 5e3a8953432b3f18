// Base64 (RFC 4648 §4) for SASL payloads: the content of <auth/>,
// <challenge/>, <response/> and <success/> (RFC 6120 §6.4.2), and the SCRAM
// attributes s=, c=, p= and v= (RFC 5802 §5.1). Pure functions, any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace parley::auth {

// Standard alphabet, with '=' padding, no line breaks.
std::string base64_encode(std::string_view bytes);

// Strict decoder: the length must be a multiple of 4, only the standard
// alphabet, padding ('=' or "==") only at the very end, no whitespace or line
// breaks (RFC 6120 §6.4.2 forbids them). Returns nullopt on any violation, which
// the session reports as <incorrect-encoding/>. "" decodes to "".
// Note: the XMPP convention that a lone "=" stands for an empty response
// (RFC 6120 §6.4.2) is the session's to apply before calling this; "=" alone
// is rejected here. Non-zero bits in the padding of the last quantum are
// rejected too (RFC 4648 §3.5: canonical encoding), so that every payload
// has exactly one encoding.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace parley::auth
