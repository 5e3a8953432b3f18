// RFC 4648 §4 base64, strict decoding (RFC 6120 §6.4.2).
#include "auth/base64.hpp"

#include <array>
#include <cstdint>

namespace parley::auth {

namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<std::int8_t, 256> make_reverse() {
    std::array<std::int8_t, 256> t{};
    for (auto& v : t) {
        v = -1;
    }
    for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
        t[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::int8_t>(i);
    }
    return t;
}

constexpr std::array<std::int8_t, 256> kReverse = make_reverse();

}  // namespace

std::string base64_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        std::uint32_t v = static_cast<unsigned char>(bytes[i]) << 16 |
                          static_cast<unsigned char>(bytes[i + 1]) << 8 |
                          static_cast<unsigned char>(bytes[i + 2]);
        out += kAlphabet[v >> 18 & 0x3f];
        out += kAlphabet[v >> 12 & 0x3f];
        out += kAlphabet[v >> 6 & 0x3f];
        out += kAlphabet[v & 0x3f];
    }
    std::size_t rest = bytes.size() - i;
    if (rest == 1) {
        std::uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
        out += kAlphabet[v >> 18 & 0x3f];
        out += kAlphabet[v >> 12 & 0x3f];
        out += "==";
    } else if (rest == 2) {
        std::uint32_t v = static_cast<unsigned char>(bytes[i]) << 16 |
                          static_cast<unsigned char>(bytes[i + 1]) << 8;
        out += kAlphabet[v >> 18 & 0x3f];
        out += kAlphabet[v >> 12 & 0x3f];
        out += kAlphabet[v >> 6 & 0x3f];
        out += '=';
    }
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) {
        return std::nullopt;
    }
    std::string out;
    out.reserve(text.size() / 4 * 3);
    for (std::size_t i = 0; i < text.size(); i += 4) {
        bool last = i + 4 == text.size();
        std::size_t pad = 0;
        if (last && text[i + 3] == '=') {
            pad = text[i + 2] == '=' ? 2 : 1;
        }
        std::uint32_t v = 0;
        for (std::size_t j = 0; j < 4 - pad; ++j) {
            std::int8_t d = kReverse[static_cast<unsigned char>(text[i + j])];
            if (d < 0) {
                return std::nullopt;  // outside the alphabet, or '=' too early
            }
            v = v << 6 | static_cast<std::uint32_t>(d);
        }
        v <<= 6 * pad;
        // RFC 4648 §3.5: the bits that only pad the last quantum must be zero.
        if ((pad == 1 && (v & 0xff) != 0) || (pad == 2 && (v & 0xffff) != 0)) {
            return std::nullopt;
        }
        out += static_cast<char>(v >> 16 & 0xff);
        if (pad < 2) {
            out += static_cast<char>(v >> 8 & 0xff);
        }
        if (pad < 1) {
            out += static_cast<char>(v & 0xff);
        }
    }
    return out;
}

}  // namespace parley::auth
