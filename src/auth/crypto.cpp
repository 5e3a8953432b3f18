// OpenSSL 3 wrappers for RFC 5802 §2.2 (H, HMAC, Hi).
#include "auth/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>

namespace parley::auth::crypto {

namespace {

const EVP_MD* evp_md(Hash h) {
    switch (h) {
    case Hash::sha1:
        return EVP_sha1();
    case Hash::sha256:
        return EVP_sha256();
    case Hash::sha512:
        return EVP_sha512();
    }
    return EVP_sha256();
}

[[noreturn]] void crash(const char* what) {
    std::fprintf(stderr, "parley: fatal: OpenSSL %s failed\n", what);
    std::abort();
}

const unsigned char* bytes(std::string_view s) {
    return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

std::size_t digest_size(Hash h) { return static_cast<std::size_t>(EVP_MD_get_size(evp_md(h))); }

std::string digest(Hash h, std::string_view data) {
    std::string out(EVP_MAX_MD_SIZE, '\0');
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(out.data()), &len,
                   evp_md(h), nullptr) != 1) {
        crash("EVP_Digest");
    }
    out.resize(len);
    return out;
}

std::string hmac(Hash h, std::string_view key, std::string_view data) {
    std::string out(EVP_MAX_MD_SIZE, '\0');
    unsigned int len = 0;
    // HMAC() with a non-null key pointer even for an empty key.
    static constexpr unsigned char kEmpty = 0;
    const unsigned char* k = key.empty() ? &kEmpty : bytes(key);
    if (HMAC(evp_md(h), k, static_cast<int>(key.size()), bytes(data), data.size(),
             reinterpret_cast<unsigned char*>(out.data()), &len) == nullptr) {
        crash("HMAC");
    }
    out.resize(len);
    return out;
}

std::string pbkdf2(Hash h, std::string_view password, std::string_view salt, int iterations) {
    std::string out(digest_size(h), '\0');
    if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), bytes(salt),
                          static_cast<int>(salt.size()), iterations, evp_md(h),
                          static_cast<int>(out.size()),
                          reinterpret_cast<unsigned char*>(out.data())) != 1) {
        crash("PKCS5_PBKDF2_HMAC");
    }
    return out;
}

std::string random_bytes(std::size_t n) {
    std::string out(n, '\0');
    if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()),
                            static_cast<int>(n)) != 1) {
        crash("RAND_bytes");
    }
    return out;
}

bool equal_ct(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string xor_bytes(std::string_view a, std::string_view b) {
    std::string out(a);
    for (std::size_t i = 0; i < out.size() && i < b.size(); ++i) {
        out[i] = static_cast<char>(out[i] ^ b[i]);
    }
    return out;
}

}  // namespace parley::auth::crypto
