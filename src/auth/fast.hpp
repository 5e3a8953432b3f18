// XEP-0484 Fast Authentication Streamlining Tokens (v0.2) and the Hashed
// Token SASL mechanisms it uses (draft-schmaus-kitten-sasl-ht-08, "HT-*").
//
// An HT exchange is one round trip: the client sends
//   authcid NUL HMAC(token, "Initiator" || cb-data)
// and the server answers (as the SASL2 <additional-data/>)
//   HMAC(token, "Responder" || cb-data)
// where cb-data is the channel binding of the mechanism (-NONE: empty,
// -ENDP: tls-server-end-point, -EXPR: tls-exporter).
//
// Tokens are kept per account and client (the SASL2 <user-agent id/>) in two
// slots, as XEP-0484 §6.1 "Server-side handling of multiple active tokens"
// describes: a token the server issues goes into `next`; a login with `next`
// moves it to `current` (invalidating the older one, §4.4); a login may use
// `current` while the client has not yet used `next`. Pure functions and
// values; any thread. The session stores TokenSlots through storage.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/credentials.hpp"
#include "auth/sasl.hpp"

namespace parley::auth::fast {

enum class Binding : std::uint8_t { none, tls_server_end_point, tls_exporter };

struct HtMechanism {
    Hash hash = Hash::sha256;
    Binding binding = Binding::none;
    std::string name;  // "HT-SHA-256-NONE"
};

// Parses an HT mechanism name this server implements (SHA-256 and SHA-512;
// NONE, ENDP, EXPR); nullopt otherwise.
std::optional<HtMechanism> parse_mechanism(std::string_view name);
// The HT mechanisms offered in the <fast/> inline feature, channel-binding
// ones first (XEP-0484 §4.1: at least one with and one without, when the
// connection has bindings).
std::vector<std::string> offered_mechanisms(const ChannelBindings& cb);
// The channel-binding data of `m` on this connection; nullopt when the
// connection lacks that binding (the mechanism must then fail).
std::optional<std::string> binding_data(const HtMechanism& m, const ChannelBindings& cb);

struct InitialResponse {
    std::string authcid;  // as sent (the session normalizes it)
    std::string proof;    // raw HMAC bytes
};
// Splits the client's initial response at its one NUL; nullopt when malformed.
std::optional<InitialResponse> parse_initial_response(std::string_view msg);

std::string initiator_proof(Hash h, std::string_view token, std::string_view cb_data);
std::string responder_proof(Hash h, std::string_view token, std::string_view cb_data);

struct Token {
    std::string secret;     // the token string given to the client (the HMAC key)
    std::string mechanism;  // the one mechanism it is valid for (§4.3)
    std::int64_t expiry = 0;  // Unix seconds
};

struct TokenSlots {
    std::optional<Token> current;
    std::optional<Token> next;
    bool empty() const { return !current && !next; }
};

enum class Match : std::uint8_t { none, current, next };

// Checks `proof` against the slots (next first, then current; §6.1), each
// for the mechanism, expiry and HMAC (compared in constant time).
Match verify(const TokenSlots& slots, const HtMechanism& m, std::string_view proof,
             std::string_view cb_data, std::int64_t now);
// The slots after a successful login with `used` (§4.4): a used `next`
// becomes `current`.
TokenSlots after_use(TokenSlots slots, Match used);
// The token that was used.
const Token& used_token(const TokenSlots& slots, Match used);

// A fresh token: 32 bytes from the CSPRNG in base64.
Token make_token(std::string mechanism, std::int64_t now, std::int64_t lifetime);
// True when a token used now should be replaced by a new one (§4.4 "due for
// rotation"): less than `rotate_before` seconds of its life remain.
bool due_for_rotation(const Token& t, std::int64_t now, std::int64_t rotate_before);

}  // namespace parley::auth::fast
