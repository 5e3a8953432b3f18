// Stored credentials: what the server keeps of a password (RFC 5802 §3,
// RFC 7677). Only the salted SCRAM keys are stored, one set per hash, never the
// password. PLAIN (RFC 4616) is checked against the same keys.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace parley::auth {

enum class Hash { sha1, sha256, sha512 };
std::string_view hash_name(Hash h);  // "SHA-1", "SHA-256", "SHA-512"

struct ScramKeys {
    std::string salt;        // raw bytes
    int iterations = 0;
    std::string stored_key;  // raw bytes: H(ClientKey)
    std::string server_key;  // raw bytes: HMAC(SaltedPassword, "Server Key")
};

struct Credentials {
    ScramKeys sha1;
    ScramKeys sha256;
    ScramKeys sha512;
    const ScramKeys& for_hash(Hash h) const;
};

inline constexpr int kDefaultIterations = 4096;

// Derives all three key sets from a password with a fresh random salt per set.
// The password is prepared with SASLprep/OpaqueString first (RFC 7677 §4,
// RFC 8265). Returns nullopt if the password is not acceptable (empty, or has
// characters OpaqueString forbids).
std::optional<Credentials> derive_credentials(std::string_view password,
                                              int iterations = kDefaultIterations);
ScramKeys derive_keys(Hash h, std::string_view prepared_password, std::string_view salt,
                      int iterations);

// True if `password` matches `keys` (used by PLAIN): recomputes StoredKey.
bool check_password(const ScramKeys& keys, Hash h, std::string_view password);

}  // namespace parley::auth
