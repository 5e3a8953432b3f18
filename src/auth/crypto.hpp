// Thin wrappers over the OpenSSL 3 primitives SCRAM needs (RFC 5802 §2.2:
// H, HMAC, Hi = PBKDF2), on std::string byte buffers. Used by auth/, by s2s/
// (dialback keys) and their tests. Pure functions, any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "auth/credentials.hpp"

namespace parley::auth::crypto {

std::size_t digest_size(Hash h);  // 20, 32, 64
std::string digest(Hash h, std::string_view data);
std::string hmac(Hash h, std::string_view key, std::string_view data);
// Hi(str, salt, i) of RFC 5802 §2.2, which is PBKDF2 with HMAC-H (RFC 8018).
std::string pbkdf2(Hash h, std::string_view password, std::string_view salt, int iterations);
// Bytes from the OpenSSL CSPRNG; aborts the process if it fails (STYLE.md b.8:
// a broken RNG after start-up is a "cannot happen").
std::string random_bytes(std::size_t n);
// Constant-time equality (CRYPTO_memcmp); different lengths compare unequal.
bool equal_ct(std::string_view a, std::string_view b);
// a XOR b; both must have the same length.
std::string xor_bytes(std::string_view a, std::string_view b);

}  // namespace parley::auth::crypto
