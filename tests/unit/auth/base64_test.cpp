// RFC 4648 §4 base64, strict decoding for RFC 6120 §6.4.2.
#include "auth/base64.hpp"

#include <gtest/gtest.h>

#include <string>

namespace parley::auth {
namespace {

TEST(Base64, Rfc4648_10_TestVectors) {
    const std::pair<std::string, std::string> vectors[] = {
        {"", ""},
        {"f", "Zg=="},
        {"fo", "Zm8="},
        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="},
        {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"},
    };
    for (const auto& [plain, encoded] : vectors) {
        EXPECT_EQ(base64_encode(plain), encoded);
        auto decoded = base64_decode(encoded);
        ASSERT_TRUE(decoded.has_value()) << encoded;
        EXPECT_EQ(*decoded, plain);
    }
}

TEST(Base64, RoundTripsEveryByteValueAndLength) {
    std::string all;
    for (int i = 0; i < 256; ++i) {
        all += static_cast<char>(i);
    }
    for (std::size_t len = 0; len <= all.size(); len += 1) {
        std::string part = all.substr(all.size() - len);
        auto decoded = base64_decode(base64_encode(part));
        ASSERT_TRUE(decoded.has_value()) << len;
        EXPECT_EQ(*decoded, part);
    }
}

TEST(Base64, Rfc6120_6_4_2_RejectsInvalidInput) {
    const char* invalid[] = {
        "=",          // lone '=' is the session's business, not valid base64
        "Zg",         // missing padding
        "Zg=",        // wrong length
        "Zm9vY",      // wrong length
        "Zm9v\n",     // line break
        "Zm 9v",      // whitespace
        "Zm9v ",      // trailing whitespace
        "Zm9-",       // base64url alphabet
        "Zm9_",       // base64url alphabet
        "Z===",       // too much padding
        "=Zg=",       // padding first
        "Zg==Zm9v",   // padding in the middle
        "Zm=v",       // padding before data
        "Zh==",       // non-zero pad bits (RFC 4648 §3.5)
        "Zm9=",       // non-zero pad bits
        "Zm9v\x80\x80\x80\x80",  // non-ASCII
    };
    for (const char* s : invalid) {
        EXPECT_FALSE(base64_decode(s).has_value()) << '"' << s << '"';
    }
    EXPECT_FALSE(base64_decode(std::string("Zg=\0", 4)).has_value());
}

}  // namespace
}  // namespace parley::auth
