// Stored SCRAM keys (RFC 5802 §3, RFC 7677) and password preparation
// (RFC 8265 §4.2 OpaqueString).
#include "auth/credentials.hpp"

#include <gtest/gtest.h>

#include "auth/base64.hpp"
#include "auth/crypto.hpp"

namespace parley::auth {
namespace {

constexpr int kFastIterations = 64;

TEST(Credentials, HashNames) {
    EXPECT_EQ(hash_name(Hash::sha1), "SHA-1");
    EXPECT_EQ(hash_name(Hash::sha256), "SHA-256");
    EXPECT_EQ(hash_name(Hash::sha512), "SHA-512");
}

TEST(Credentials, Rfc6070_Pbkdf2Sha1Vector) {
    // RFC 6070 §2, "password"/"salt", c = 4096.
    std::string dk = crypto::pbkdf2(Hash::sha1, "password", "salt", 4096);
    EXPECT_EQ(base64_encode(dk), base64_encode(std::string(
        "\x4b\x00\x79\x01\xb7\x65\x48\x9a\xbe\xad\x49\xd9\x26\xf7\x21\xd0\x65\xa4\x29\xc1", 20)));
}

TEST(Credentials, Rfc5802_3_DeriveKeysFollowsTheAlgorithm) {
    ScramKeys k = derive_keys(Hash::sha256, "pencil", "salt-bytes", 128);
    std::string salted = crypto::pbkdf2(Hash::sha256, "pencil", "salt-bytes", 128);
    EXPECT_EQ(k.salt, "salt-bytes");
    EXPECT_EQ(k.iterations, 128);
    EXPECT_EQ(k.stored_key,
              crypto::digest(Hash::sha256, crypto::hmac(Hash::sha256, salted, "Client Key")));
    EXPECT_EQ(k.server_key, crypto::hmac(Hash::sha256, salted, "Server Key"));
    EXPECT_EQ(k.stored_key.size(), 32u);
}

TEST(Credentials, DeriveCredentialsThenCheckPassword) {
    auto c = derive_credentials("pencil", kFastIterations);
    ASSERT_TRUE(c.has_value());
    const std::pair<Hash, std::size_t> hashes[] = {
        {Hash::sha1, 20}, {Hash::sha256, 32}, {Hash::sha512, 64}};
    for (auto [h, size] : hashes) {
        const ScramKeys& k = c->for_hash(h);
        EXPECT_EQ(k.salt.size(), 16u);
        EXPECT_EQ(k.iterations, kFastIterations);
        EXPECT_EQ(k.stored_key.size(), size);
        EXPECT_EQ(k.server_key.size(), size);
        EXPECT_TRUE(check_password(k, h, "pencil")) << hash_name(h);
        EXPECT_FALSE(check_password(k, h, "pencil2")) << hash_name(h);
        EXPECT_FALSE(check_password(k, h, "Pencil")) << hash_name(h);
        EXPECT_FALSE(check_password(k, h, "")) << hash_name(h);
    }
    // A fresh salt per key set, and per call.
    EXPECT_NE(c->sha1.salt, c->sha256.salt);
    EXPECT_NE(c->sha256.salt, c->sha512.salt);
    auto again = derive_credentials("pencil", kFastIterations);
    ASSERT_TRUE(again.has_value());
    EXPECT_NE(again->sha256.salt, c->sha256.salt);
    EXPECT_NE(again->sha256.stored_key, c->sha256.stored_key);
}

TEST(Credentials, CheckPasswordRejectsEmptyKeys) {
    EXPECT_FALSE(check_password(ScramKeys{}, Hash::sha256, "pencil"));
}

TEST(Credentials, DefaultIterations) {
    auto c = derive_credentials("pencil");
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ(c->sha256.iterations, kDefaultIterations);
    EXPECT_EQ(derive_credentials("pencil", 0), std::nullopt);
}

TEST(Credentials, Rfc8265_4_2_RejectsUnacceptablePasswords) {
    EXPECT_FALSE(derive_credentials("", kFastIterations).has_value());
    EXPECT_FALSE(prepare_password("").has_value());
    EXPECT_FALSE(prepare_password("a\x01" "b").has_value());        // Cc
    EXPECT_FALSE(prepare_password("tab\there").has_value());        // Cc
    EXPECT_FALSE(prepare_password("del\x7f").has_value());          // Cc
    EXPECT_FALSE(prepare_password(std::string("nul\0x", 5)).has_value());
    EXPECT_FALSE(prepare_password("\xff\xfe").has_value());         // not UTF-8
    EXPECT_FALSE(prepare_password("\xc3").has_value());             // truncated UTF-8
    EXPECT_FALSE(prepare_password("\xed\xa0\x80").has_value());     // encoded surrogate
    EXPECT_FALSE(prepare_password("a\xc2\x85" "b").has_value());    // U+0085 NEL (Cc)
    EXPECT_FALSE(prepare_password("zw\xe2\x80\x8bsp").has_value()); // U+200B (Cf)
    EXPECT_FALSE(prepare_password("\xee\x80\x80").has_value());     // U+E000 private use
    EXPECT_FALSE(prepare_password("\xe2\x80\xa8").has_value());     // U+2028 (Zl)
    EXPECT_FALSE(prepare_password("\xef\xbf\xbf").has_value());     // U+FFFF noncharacter
    EXPECT_FALSE(derive_credentials("a\x01" "b", kFastIterations).has_value());
}

TEST(Credentials, Rfc8265_4_2_2_PreparesPasswords) {
    EXPECT_EQ(prepare_password("pencil"), "pencil");
    EXPECT_EQ(prepare_password("Correct Horse"), "Correct Horse");  // case and ASCII space kept
    // Non-ASCII spaces map to U+0020: U+00A0 NO-BREAK SPACE, U+3000 IDEOGRAPHIC SPACE.
    EXPECT_EQ(prepare_password("a\xc2\xa0" "b"), "a b");
    EXPECT_EQ(prepare_password("a\xe3\x80\x80" "b"), "a b");
    // NFC: e + U+0301 COMBINING ACUTE becomes U+00E9.
    EXPECT_EQ(prepare_password("cafe\xcc\x81"), "caf\xc3\xa9");
    // Already NFC, non-ASCII letters and symbols are kept.
    EXPECT_EQ(prepare_password("\xcf\x80\xc3\x9f\xe2\x82\xac"), "\xcf\x80\xc3\x9f\xe2\x82\xac");
    // RFC 8265 §4.2.2: no width or case mapping (U+FF21 FULLWIDTH A stays).
    EXPECT_EQ(prepare_password("\xef\xbc\xa1"), "\xef\xbc\xa1");
}

TEST(Credentials, CheckPasswordAppliesThePreparation) {
    auto c = derive_credentials("caf\xc3\xa9 au\xc2\xa0lait", kFastIterations);
    ASSERT_TRUE(c.has_value());
    EXPECT_TRUE(check_password(c->sha256, Hash::sha256, "cafe\xcc\x81 au lait"));
    EXPECT_TRUE(check_password(c->sha256, Hash::sha256, "caf\xc3\xa9 au lait"));
    EXPECT_FALSE(check_password(c->sha256, Hash::sha256, "cafe au lait"));
}

}  // namespace
}  // namespace parley::auth
