// Stored SCRAM keys: RFC 5802 §3 (SaltedPassword, ClientKey, StoredKey,
// ServerKey), RFC 7677 (SHA-256), password preparation per RFC 8265 §4.2
// (OpaqueString, which RFC 7677 §4 uses in place of SASLprep).
#include "auth/credentials.hpp"

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

#include <vector>

#include "auth/crypto.hpp"

namespace parley::auth {

namespace {

constexpr std::size_t kSaltBytes = 16;

bool is_printable_ascii(std::string_view s) {
    for (char c : s) {
        if (c < 0x20 || c > 0x7e) {
            return false;
        }
    }
    return true;
}

// RFC 8264 §4.3 FreeformClass, approximated as documented in the header.
bool freeform_allowed(UChar32 c) {
    if (u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT) ||
        u_hasBinaryProperty(c, UCHAR_NONCHARACTER_CODE_POINT)) {
        return false;  // RFC 8264 §9.13 PrecisIgnorableProperties
    }
    int hst = u_getIntPropertyValue(c, UCHAR_HANGUL_SYLLABLE_TYPE);
    if (hst == U_HST_LEADING_JAMO || hst == U_HST_VOWEL_JAMO || hst == U_HST_TRAILING_JAMO) {
        return false;  // RFC 8264 §9.9 OldHangulJamo
    }
    switch (u_charType(c)) {
    case U_UPPERCASE_LETTER:
    case U_LOWERCASE_LETTER:
    case U_TITLECASE_LETTER:
    case U_MODIFIER_LETTER:
    case U_OTHER_LETTER:
    case U_NON_SPACING_MARK:
    case U_ENCLOSING_MARK:
    case U_COMBINING_SPACING_MARK:
    case U_DECIMAL_DIGIT_NUMBER:
    case U_LETTER_NUMBER:
    case U_OTHER_NUMBER:
    case U_SPACE_SEPARATOR:
    case U_DASH_PUNCTUATION:
    case U_START_PUNCTUATION:
    case U_END_PUNCTUATION:
    case U_CONNECTOR_PUNCTUATION:
    case U_OTHER_PUNCTUATION:
    case U_INITIAL_PUNCTUATION:
    case U_FINAL_PUNCTUATION:
    case U_MATH_SYMBOL:
    case U_CURRENCY_SYMBOL:
    case U_MODIFIER_SYMBOL:
    case U_OTHER_SYMBOL:
        return true;
    default:
        return false;  // Cc, Cf, Co, Cs, Cn, Zl, Zp
    }
}

std::optional<std::u16string> utf8_to_utf16(std::string_view s) {
    UErrorCode err = U_ZERO_ERROR;
    int32_t len = 0;
    u_strFromUTF8(nullptr, 0, &len, s.data(), static_cast<int32_t>(s.size()), &err);
    if (err != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(err)) {
        return std::nullopt;  // ill-formed UTF-8
    }
    std::u16string out(static_cast<std::size_t>(len), u'\0');
    err = U_ZERO_ERROR;
    u_strFromUTF8(out.data(), len, nullptr, s.data(), static_cast<int32_t>(s.size()), &err);
    if (U_FAILURE(err)) {
        return std::nullopt;
    }
    return out;
}

std::optional<std::string> utf16_to_utf8(const std::u16string& s) {
    UErrorCode err = U_ZERO_ERROR;
    int32_t len = 0;
    u_strToUTF8(nullptr, 0, &len, s.data(), static_cast<int32_t>(s.size()), &err);
    if (err != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(err)) {
        return std::nullopt;
    }
    std::string out(static_cast<std::size_t>(len), '\0');
    err = U_ZERO_ERROR;
    u_strToUTF8(out.data(), len, nullptr, s.data(), static_cast<int32_t>(s.size()), &err);
    if (U_FAILURE(err)) {
        return std::nullopt;
    }
    return out;
}

std::optional<std::u16string> nfc(const std::u16string& s) {
    UErrorCode err = U_ZERO_ERROR;
    const UNormalizer2* n = unorm2_getNFCInstance(&err);
    if (U_FAILURE(err)) {
        return std::nullopt;
    }
    int32_t len = unorm2_normalize(n, s.data(), static_cast<int32_t>(s.size()), nullptr, 0, &err);
    if (err != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(err)) {
        return std::nullopt;
    }
    std::u16string out(static_cast<std::size_t>(len), u'\0');
    err = U_ZERO_ERROR;
    unorm2_normalize(n, s.data(), static_cast<int32_t>(s.size()), out.data(), len, &err);
    if (U_FAILURE(err)) {
        return std::nullopt;
    }
    return out;
}

}  // namespace

std::string_view hash_name(Hash h) {
    switch (h) {
    case Hash::sha1:
        return "SHA-1";
    case Hash::sha256:
        return "SHA-256";
    case Hash::sha512:
        return "SHA-512";
    }
    return "SHA-256";
}

const ScramKeys& Credentials::for_hash(Hash h) const {
    switch (h) {
    case Hash::sha1:
        return sha1;
    case Hash::sha256:
        return sha256;
    case Hash::sha512:
        return sha512;
    }
    return sha256;
}

std::optional<std::string> prepare_password(std::string_view password) {
    if (password.empty()) {
        return std::nullopt;
    }
    if (is_printable_ascii(password)) {
        return std::string(password);  // every rule is the identity on printable ASCII
    }
    auto wide = utf8_to_utf16(password);
    if (!wide) {
        return std::nullopt;
    }
    // RFC 8265 §4.2.2 step 2: non-ASCII spaces map to U+0020. Zs code points
    // are all in the BMP, so this can work on code units.
    for (char16_t& u : *wide) {
        if (!U16_IS_SURROGATE(u) && u != u' ' && u_charType(u) == U_SPACE_SEPARATOR) {
            u = u' ';
        }
    }
    auto normalized = nfc(*wide);  // step 4
    if (!normalized || normalized->empty()) {
        return std::nullopt;
    }
    const std::u16string& n = *normalized;
    for (int32_t i = 0; i < static_cast<int32_t>(n.size());) {
        UChar32 c = 0;
        U16_NEXT(n.data(), i, static_cast<int32_t>(n.size()), c);
        if (!freeform_allowed(c)) {
            return std::nullopt;
        }
    }
    return utf16_to_utf8(n);
}

ScramKeys derive_keys(Hash h, std::string_view prepared_password, std::string_view salt,
                      int iterations) {
    // RFC 5802 §3.
    std::string salted = crypto::pbkdf2(h, prepared_password, salt, iterations);
    std::string client_key = crypto::hmac(h, salted, "Client Key");
    ScramKeys keys;
    keys.salt = std::string(salt);
    keys.iterations = iterations;
    keys.stored_key = crypto::digest(h, client_key);
    keys.server_key = crypto::hmac(h, salted, "Server Key");
    return keys;
}

std::optional<Credentials> derive_credentials(std::string_view password, int iterations) {
    if (iterations < 1) {
        return std::nullopt;
    }
    auto prepared = prepare_password(password);
    if (!prepared) {
        return std::nullopt;
    }
    Credentials c;
    c.sha1 = derive_keys(Hash::sha1, *prepared, crypto::random_bytes(kSaltBytes), iterations);
    c.sha256 = derive_keys(Hash::sha256, *prepared, crypto::random_bytes(kSaltBytes), iterations);
    c.sha512 = derive_keys(Hash::sha512, *prepared, crypto::random_bytes(kSaltBytes), iterations);
    return c;
}

bool check_password(const ScramKeys& keys, Hash h, std::string_view password) {
    if (keys.stored_key.empty() || keys.iterations < 1) {
        return false;
    }
    auto prepared = prepare_password(password);
    if (!prepared) {
        return false;
    }
    ScramKeys candidate = derive_keys(h, *prepared, keys.salt, keys.iterations);
    return crypto::equal_ct(candidate.stored_key, keys.stored_key);
}

}  // namespace parley::auth
