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

// True if `password` matches `keys` (used by PLAIN): prepares the password as
// derive_credentials() does, then recomputes StoredKey and compares it in
// constant time. False for empty keys.
bool check_password(const ScramKeys& keys, Hash h, std::string_view password);

// The OpaqueString profile of RFC 8265 §4.2 (which replaces SASLprep, RFC 4013,
// for SCRAM: RFC 7677 §4), in a minimal but conservative form:
//   - the input must be well-formed UTF-8;
//   - additional mapping: non-ASCII spaces (Zs) become U+0020;
//   - normalization: NFC (ICU);
//   - behavioural rule: every code point must be allowed by the PRECIS
//     FreeformClass (RFC 8264 §4.3), approximated by its general category:
//     letters, marks, numbers, symbols, punctuation and Zs are allowed;
//     controls (Cc), format characters (Cf, including ZWJ/ZWNJ, whose CONTEXTJ
//     rules are not implemented), line/paragraph separators, private use,
//     surrogates, unassigned code points, noncharacters, default-ignorable
//     code points and old Hangul jamo are rejected;
//   - the result must not be empty.
// Not implemented: the RFC 5892 §2.6 exceptions table. Pure ASCII input
// (U+0020..U+007E) is returned unchanged without calling ICU.
// Returns nullopt when the password is not acceptable.
std::optional<std::string> prepare_password(std::string_view password);

}  // namespace parley::auth
