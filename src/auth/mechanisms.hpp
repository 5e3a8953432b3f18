// Internal to auth/: constructors of the concrete SASL mechanisms behind
// make_mechanism(), and helpers they share. Same threading rules as sasl.hpp.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "auth/credentials.hpp"
#include "auth/sasl.hpp"

namespace parley::auth::detail {

// SCRAM-SHA-* (RFC 5802, RFC 7677); an empty `server_nonce` means random.
std::unique_ptr<Mechanism> make_scram(Hash h, bool plus, ChannelBindings cb,
                                      std::string server_nonce);
// PLAIN (RFC 4616).
std::unique_ptr<Mechanism> make_plain();

// Plausible stored keys for a user that does not exist, so that an unknown
// user goes through the same exchange (same-looking salt, same iteration
// count, same amount of work) as a known one with a wrong password. The salt
// is an HMAC of the username under a per-process random key: stable for a
// given username during the process's life, as a real salt is, and
// unpredictable from outside.
ScramKeys fake_keys(Hash h, std::string_view username);

inline SaslStep failure(SaslFailure f, std::string text) {
    SaslStep s;
    s.kind = SaslStep::Kind::failure;
    s.failure = f;
    s.text = std::move(text);
    return s;
}

inline SaslStep challenge(std::string data) {
    SaslStep s;
    s.kind = SaslStep::Kind::challenge;
    s.data = std::move(data);
    return s;
}

inline SaslStep need_credentials(std::string username) {
    SaslStep s;
    s.kind = SaslStep::Kind::need_credentials;
    s.username = std::move(username);
    return s;
}

}  // namespace parley::auth::detail
