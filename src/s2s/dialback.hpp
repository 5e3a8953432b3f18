// Server Dialback keys: XEP-0185 v1.0 §2 (the algorithm XEP-0220 §2.1.1 adopts).
//
//   key = HEX( HMAC-SHA256( HEX(SHA256(secret)), receiving ' ' originating ' ' stream_id ) )
//
// Both hex encodings are lower case. Note the HMAC key: XEP-0185 §2 says to
// hash the secret with SHA-256 "prior to use", and its §3 worked example only
// comes out with the 64-character hex digest as the HMAC key, not the 32 raw
// bytes; so this code uses the hex digest. Peers never recompute our keys
// (the Authoritative Server is our own deployment), so the format only has to
// agree between our own nodes sharing the secret.
//
// Roles (XEP-0220 §1.3, §1.4): the Initiating Server (XEP-0185's "Originating
// Server") generates the key for a stream the Receiving Server opened with id
// `stream_id`, and the Authoritative Server (the same deployment, sharing the
// secret) later recomputes it to answer <db:verify/>. The hostnames are the
// normalized domain names used as the streams' 'to'/'from'.
//
// A DialbackSecret is immutable after construction: share one per deployment
// (or per virtual host) and call it from any thread.
#pragma once

#include <string>
#include <string_view>

namespace parley::s2s {

class DialbackSecret {
public:
    // From a configured secret (XEP-0185 §2 note 3: configured per host or
    // process, or random at start-up). Only its SHA-256 is kept.
    explicit DialbackSecret(std::string_view secret);
    // A fresh secret of 32 random bytes from the OpenSSL CSPRNG: keys then stay
    // valid only until the process restarts, which dialback tolerates.
    static DialbackSecret generate();

    // The dialback key (64 lower-case hex digits).
    std::string key(std::string_view receiving, std::string_view originating,
                    std::string_view stream_id) const;

    // True if `presented` is the key for these values. Surrounding XML
    // whitespace (the character data of <db:result/> or <db:verify/>) is
    // ignored; the comparison takes the same time wherever the keys differ.
    bool verify(std::string_view presented, std::string_view receiving,
                std::string_view originating, std::string_view stream_id) const;

private:
    std::string hmac_key_;  // HEX(SHA256(secret))
};

// One-shot form of DialbackSecret(secret).key(...).
std::string dialback_key(std::string_view secret, std::string_view receiving,
                         std::string_view originating, std::string_view stream_id);

// Constant-time equality for keys (CRYPTO_memcmp); keys of different length
// compare unequal (the length of a dialback key is public).
bool dialback_keys_equal(std::string_view a, std::string_view b);

}  // namespace parley::s2s
