// XEP-0185 v1.0 §2 dialback key generation and validation.
#include "s2s/dialback.hpp"

#include <string>

#include "auth/credentials.hpp"
#include "auth/crypto.hpp"

namespace parley::s2s {

namespace {

namespace crypto = auth::crypto;

// XEP-0185 §2 note 4: hexadecimal representation, to avoid encoding problems.
std::string lower_hex(std::string_view bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const char c : bytes) {
        const auto b = static_cast<unsigned char>(c);
        out.push_back(kDigits[b >> 4]);
        out.push_back(kDigits[b & 0x0f]);
    }
    return out;
}

std::string_view trim_xml_space(std::string_view s) {
    constexpr std::string_view kSpace = " \t\r\n";  // XML 1.0 §2.3 S
    const auto first = s.find_first_not_of(kSpace);
    if (first == std::string_view::npos) {
        return {};
    }
    return s.substr(first, s.find_last_not_of(kSpace) - first + 1);
}

}  // namespace

DialbackSecret::DialbackSecret(std::string_view secret)
    : hmac_key_(lower_hex(crypto::digest(auth::Hash::sha256, secret))) {}

DialbackSecret DialbackSecret::generate() {
    return DialbackSecret(crypto::random_bytes(32));
}

std::string DialbackSecret::key(std::string_view receiving, std::string_view originating,
                                std::string_view stream_id) const {
    // XEP-0185 §2 note 5: U+0020 between the parts, so that "example.in" +
    // "form.example.org" and "example.info" + "rm.example.org" differ.
    std::string data;
    data.reserve(receiving.size() + originating.size() + stream_id.size() + 2);
    data.append(receiving).append(1, ' ').append(originating).append(1, ' ').append(stream_id);
    return lower_hex(crypto::hmac(auth::Hash::sha256, hmac_key_, data));
}

bool DialbackSecret::verify(std::string_view presented, std::string_view receiving,
                            std::string_view originating, std::string_view stream_id) const {
    return dialback_keys_equal(trim_xml_space(presented), key(receiving, originating, stream_id));
}

std::string dialback_key(std::string_view secret, std::string_view receiving,
                         std::string_view originating, std::string_view stream_id) {
    return DialbackSecret(secret).key(receiving, originating, stream_id);
}

bool dialback_keys_equal(std::string_view a, std::string_view b) { return crypto::equal_ct(a, b); }

}  // namespace parley::s2s
