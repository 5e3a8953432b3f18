// The client side of SCRAM (RFC 5802 §3, §5; RFC 7677 for SHA-256), without
// channel binding (gs2 flag "n"), as parley-bench logs in with it.
//
// SaltedPassword = Hi(password, salt, i) is what makes SCRAM expensive. A
// client may cache it (RFC 5802 §5.1 notes that the salt and iteration count
// let a client do so); parley-bench does, per thread, so that its own CPU goes
// to the protocol and the server is what gets measured. Accounts made by
// `parleyctl import` share one salt per password, so one derivation per
// thread serves every login.
//
// A ScramClient is one authentication attempt; a ScramCache belongs to one
// thread. Neither is thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "auth/credentials.hpp"

namespace parley::bench {

class ScramCache {
public:
    struct Keys {
        std::string client_key;  // HMAC(SaltedPassword, "Client Key")
        std::string server_key;  // HMAC(SaltedPassword, "Server Key")
    };
    // The keys for (hash, password, salt, iterations), derived on first use.
    const Keys& keys(auth::Hash h, std::string_view password, std::string_view salt,
                     int iterations);
    std::size_t derivations() const { return derivations_; }

private:
    std::unordered_map<std::string, Keys> map_;
    std::size_t derivations_ = 0;
};

class ScramClient {
public:
    // `nonce` empty = 24 random bytes in base64 (tests pass RFC 7677's).
    // `password` is prepared (RFC 8265 OpaqueString) as the server does.
    ScramClient(auth::Hash hash, std::string_view username, std::string_view password,
                ScramCache& cache, std::string nonce = {});

    // client-first-message: "n,,n=USER,r=NONCE".
    std::string first() const;
    // client-final-message for the server-first-message, or nullopt with
    // *error set when that message is malformed, does not extend our nonce,
    // or has an unusable iteration count.
    std::optional<std::string> final(std::string_view server_first, std::string* error);
    // Checks server-final-message "v=..." (an "e=..." is the server's error).
    bool verify(std::string_view server_final, std::string* error) const;

private:
    auth::Hash hash_;
    std::string username_;  // saslname-escaped (RFC 5802 §5.1)
    std::string password_;  // prepared
    ScramCache& cache_;
    std::string nonce_;
    std::string auth_message_;
    std::string server_signature_;
};

// The value of attribute `name` ("r", "s"...) in a SCRAM message; nullopt
// when absent.
std::optional<std::string_view> scram_attribute(std::string_view msg, char name);

}  // namespace parley::bench
