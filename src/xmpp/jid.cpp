// RFC 7622 XMPP Address Format: §3.1 splitting, §3.2 domainpart, §3.3 localpart,
// §3.4 resourcepart. The localpart uses the PRECIS UsernameCaseMapped profile (RFC 8265
// §3.3), the resourcepart the OpaqueString profile (RFC 8265 §4.2), both built on the
// PRECIS string classes of RFC 8264 §4 with the derived property of RFC 8264 §8-§9.
//
// Every part has an ASCII fast path that needs neither ICU nor libidn2: for pure ASCII
// input the PRECIS rules reduce to a byte-range check plus (for localpart and domainpart)
// ASCII lower-casing, which is exactly what the full Unicode path computes for it.
// Jid::parse goes further for all-ASCII input (the common case on the routing path): one
// pass splits the string, then each part is checked and written in place into the Jid's
// single string, with the same checks, in the same order, as the per-part functions.
#include "xmpp/jid.hpp"

#include <arpa/inet.h>
#include <idn2.h>
#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/uscript.h>

#include <array>
#include <cstdio>
#include <utility>
#include <vector>

namespace parley::xmpp {
namespace {

using PartResult = Result<std::string, JidError>;
using CheckResult = Result<void, JidError>;

// RFC 7622 §3.2.1, §3.3.1, §3.4.1: each part is at most 1023 octets (after enforcement).
constexpr std::size_t kMaxPartBytes = 1023;
// Input cap for the Unicode paths, so that hostile input never reaches ICU at full size.
// The mappings shrink a string by less than 4x (fullwidth 3 -> 1 byte, Hangul L+V+T
// 9 -> 3 bytes under NFC), so nothing valid is refused by this.
constexpr std::size_t kMaxRawPartBytes = 4 * kMaxPartBytes;
// RFC 1034 §3.1 / RFC 5890 §2.3.2.1: a DNS label is at most 63 octets.
constexpr std::size_t kMaxLabelBytes = 63;

Unexpected<JidError> bad(std::string reason) { return {JidError{std::move(reason)}}; }

std::string code_point_name(UChar32 c) {
    std::array<char, 16> buf{};
    std::snprintf(buf.data(), buf.size(), "U+%04X", static_cast<unsigned>(c));
    return buf.data();
}

bool is_ascii(std::string_view s) {
    for (unsigned char c : s) {
        if (c >= 0x80) {
            return false;
        }
    }
    return true;
}

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// Strict UTF-8 (RFC 3629 §4): no overlong forms, no surrogates, nothing above U+10FFFF.
bool is_valid_utf8(std::string_view s) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const auto* end = p + s.size();
    while (p < end) {
        unsigned char c = *p;
        if (c < 0x80) {
            ++p;
            continue;
        }
        std::size_t n = 0;
        unsigned char lo = 0x80;
        unsigned char hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            lo = (c == 0xE0) ? 0xA0 : 0x80;  // overlong
            hi = (c == 0xED) ? 0x9F : 0xBF;  // surrogates
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            lo = (c == 0xF0) ? 0x90 : 0x80;  // overlong
            hi = (c == 0xF4) ? 0x8F : 0xBF;  // above U+10FFFF
        } else {
            return false;
        }
        if (static_cast<std::size_t>(end - p) <= n) {
            return false;
        }
        if (p[1] < lo || p[1] > hi) {
            return false;
        }
        for (std::size_t i = 2; i <= n; ++i) {
            if (p[i] < 0x80 || p[i] > 0xBF) {
                return false;
            }
        }
        p += n + 1;
    }
    return true;
}

// ---------------------------------------------------------------------------------------
// PRECIS (RFC 8264)

enum class StringClass { identifier, freeform };
enum class Derived { pvalid, contextj, contexto, disallowed, unassigned };

// RFC 5892 §2.6 Exceptions (F), used by RFC 8264 §9.6.
std::optional<Derived> exception_value(UChar32 c) {
    switch (c) {
        case 0x00DF: case 0x03C2: case 0x06FD: case 0x06FE: case 0x0F0B: case 0x3007:
            return Derived::pvalid;
        case 0x00B7: case 0x0375: case 0x05F3: case 0x05F4: case 0x30FB:
            return Derived::contexto;
        case 0x0640: case 0x07FA: case 0x302E: case 0x302F: case 0x3031: case 0x3032:
        case 0x3033: case 0x3034: case 0x3035: case 0x303B:
            return Derived::disallowed;
        default:
            break;
    }
    if ((c >= 0x0660 && c <= 0x0669) || (c >= 0x06F0 && c <= 0x06F9)) {
        return Derived::contexto;
    }
    return std::nullopt;
}

// The PRECIS derived property, RFC 8264 §8, computed from ICU's character database at run
// time (Unicode 15 with ICU 72) rather than from the IANA tables; the algorithm is the
// RFC's, in its order. BackwardCompatible (G) is empty. HasCompat (Q, "toNFKC(cp) != cp")
// is read from the NFKC_Quick_Check property, which for a single code point is "No"
// exactly when NFKC changes it.
Derived derived_property(UChar32 c, StringClass cls) {
    if (auto e = exception_value(c)) {
        return *e;
    }
    const auto gc = static_cast<UCharCategory>(u_charType(c));
    const bool nonchar = u_hasBinaryProperty(c, UCHAR_NONCHARACTER_CODE_POINT);
    if (gc == U_UNASSIGNED && !nonchar) {
        return Derived::unassigned;  // J
    }
    if (c >= 0x21 && c <= 0x7E) {
        return Derived::pvalid;  // K: ASCII7
    }
    if (c == 0x200C || c == 0x200D) {
        return Derived::contextj;  // H: JoinControl
    }
    const auto hst = u_getIntPropertyValue(c, UCHAR_HANGUL_SYLLABLE_TYPE);
    if (hst == U_HST_LEADING_JAMO || hst == U_HST_VOWEL_JAMO || hst == U_HST_TRAILING_JAMO) {
        return Derived::disallowed;  // I: OldHangulJamo
    }
    if (nonchar || u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT)) {
        return Derived::disallowed;  // M: PrecisIgnorableProperties
    }
    if (gc == U_CONTROL_CHAR) {
        return Derived::disallowed;  // L: Controls
    }
    const Derived id_dis_or_free_pval =
        cls == StringClass::freeform ? Derived::pvalid : Derived::disallowed;
    if (u_getIntPropertyValue(c, UCHAR_NFKC_QUICK_CHECK) == UNORM_NO) {
        return id_dis_or_free_pval;  // Q: HasCompat
    }
    switch (gc) {
        case U_LOWERCASE_LETTER: case U_UPPERCASE_LETTER: case U_OTHER_LETTER:
        case U_DECIMAL_DIGIT_NUMBER: case U_MODIFIER_LETTER: case U_NON_SPACING_MARK:
        case U_COMBINING_SPACING_MARK:
            return Derived::pvalid;  // A: LetterDigits
        case U_TITLECASE_LETTER: case U_LETTER_NUMBER: case U_OTHER_NUMBER:
        case U_ENCLOSING_MARK:  // R: OtherLetterDigits
        case U_SPACE_SEPARATOR:  // N: Spaces
        case U_MATH_SYMBOL: case U_CURRENCY_SYMBOL: case U_MODIFIER_SYMBOL:
        case U_OTHER_SYMBOL:  // O: Symbols
        case U_CONNECTOR_PUNCTUATION: case U_DASH_PUNCTUATION: case U_START_PUNCTUATION:
        case U_END_PUNCTUATION: case U_INITIAL_PUNCTUATION: case U_FINAL_PUNCTUATION:
        case U_OTHER_PUNCTUATION:  // P: Punctuation
            return id_dis_or_free_pval;
        default:
            return Derived::disallowed;  // private use, format, line/paragraph separators
    }
}

bool is_virama(UChar32 c) { return u_getCombiningClass(c) == 9; }

bool has_script(UChar32 c, UScriptCode script) {
    UErrorCode ec = U_ZERO_ERROR;
    return uscript_getScript(c, &ec) == script && U_SUCCESS(ec);
}

// RFC 5892 Appendix A.1: ZWNJ after a virama, or inside
// (Joining_Type:{L,D})(Joining_Type:T)* ZWNJ (Joining_Type:T)*(Joining_Type:{R,D}).
bool zwnj_allowed(const std::vector<UChar32>& cps, std::size_t i) {
    if (i > 0 && is_virama(cps[i - 1])) {
        return true;
    }
    auto joining = [](UChar32 c) { return u_getIntPropertyValue(c, UCHAR_JOINING_TYPE); };
    std::size_t b = i;
    while (b > 0 && joining(cps[b - 1]) == U_JT_TRANSPARENT) {
        --b;
    }
    if (b == 0) {
        return false;
    }
    const auto before = joining(cps[b - 1]);
    if (before != U_JT_LEFT_JOINING && before != U_JT_DUAL_JOINING) {
        return false;
    }
    std::size_t a = i + 1;
    while (a < cps.size() && joining(cps[a]) == U_JT_TRANSPARENT) {
        ++a;
    }
    if (a == cps.size()) {
        return false;
    }
    const auto after = joining(cps[a]);
    return after == U_JT_RIGHT_JOINING || after == U_JT_DUAL_JOINING;
}

// The CONTEXTJ and CONTEXTO rules of RFC 5892 Appendix A, as required by RFC 8264 §9.
bool context_rule_ok(const std::vector<UChar32>& cps, std::size_t i) {
    const UChar32 c = cps[i];
    const UChar32 prev = i > 0 ? cps[i - 1] : -1;
    const UChar32 next = i + 1 < cps.size() ? cps[i + 1] : -1;
    auto any_of = [&cps](auto pred) {
        for (UChar32 x : cps) {
            if (pred(x)) {
                return true;
            }
        }
        return false;
    };
    switch (c) {
        case 0x200C:
            return zwnj_allowed(cps, i);
        case 0x200D:
            return prev >= 0 && is_virama(prev);  // A.2
        case 0x00B7:
            return prev == 0x6C && next == 0x6C;  // A.3: Catalan "l·l"
        case 0x0375:
            return next >= 0 && has_script(next, USCRIPT_GREEK);  // A.4
        case 0x05F3:
        case 0x05F4:
            return prev >= 0 && has_script(prev, USCRIPT_HEBREW);  // A.5, A.6
        case 0x30FB:  // A.7
            return any_of([](UChar32 x) {
                return has_script(x, USCRIPT_HIRAGANA) || has_script(x, USCRIPT_KATAKANA) ||
                       has_script(x, USCRIPT_HAN);
            });
        default:
            break;
    }
    if (c >= 0x0660 && c <= 0x0669) {  // A.8
        return !any_of([](UChar32 x) { return x >= 0x06F0 && x <= 0x06F9; });
    }
    if (c >= 0x06F0 && c <= 0x06F9) {  // A.9
        return !any_of([](UChar32 x) { return x >= 0x0660 && x <= 0x0669; });
    }
    return false;
}

// RFC 8264 §4.2.1 / §4.3.1: every code point must be PVALID (or FREE_PVAL for the
// FreeformClass), or CONTEXTJ/CONTEXTO with its context rule satisfied.
CheckResult check_string_class(const std::vector<UChar32>& cps, StringClass cls,
                               std::string_view part) {
    for (std::size_t i = 0; i < cps.size(); ++i) {
        switch (derived_property(cps[i], cls)) {
            case Derived::pvalid:
                break;
            case Derived::contextj:
            case Derived::contexto:
                if (!context_rule_ok(cps, i)) {
                    return bad(std::string(part) + " contains " + code_point_name(cps[i]) +
                               " outside the context that allows it");
                }
                break;
            case Derived::unassigned:
                return bad(std::string(part) + " contains unassigned code point " +
                           code_point_name(cps[i]));
            case Derived::disallowed:
                return bad(std::string(part) + " contains disallowed code point " +
                           code_point_name(cps[i]));
        }
    }
    return {};
}

// The "Bidi Rule" of RFC 5893 §2, which UsernameCaseMapped applies (RFC 8265 §3.3.2 rule
// 5) to strings that contain right-to-left characters (R, AL or AN).
bool bidi_rule_ok(const std::vector<UChar32>& cps) {
    auto dir = [](UChar32 c) { return u_charDirection(c); };
    bool has_rtl = false;
    for (UChar32 c : cps) {
        const auto d = dir(c);
        has_rtl = has_rtl || d == U_RIGHT_TO_LEFT || d == U_RIGHT_TO_LEFT_ARABIC ||
                  d == U_ARABIC_NUMBER;
    }
    if (!has_rtl || cps.empty()) {
        return true;
    }
    const auto first = dir(cps.front());  // condition 1
    const bool rtl = first == U_RIGHT_TO_LEFT || first == U_RIGHT_TO_LEFT_ARABIC;
    if (!rtl && first != U_LEFT_TO_RIGHT) {
        return false;
    }
    bool seen_en = false;
    bool seen_an = false;
    for (UChar32 c : cps) {  // conditions 2 and 5
        switch (dir(c)) {
            case U_LEFT_TO_RIGHT:
                if (rtl) {
                    return false;
                }
                break;
            case U_RIGHT_TO_LEFT:
            case U_RIGHT_TO_LEFT_ARABIC:
            case U_ARABIC_NUMBER:
                if (!rtl) {
                    return false;
                }
                seen_an = seen_an || dir(c) == U_ARABIC_NUMBER;
                break;
            case U_EUROPEAN_NUMBER:
                seen_en = true;
                break;
            case U_EUROPEAN_NUMBER_SEPARATOR: case U_COMMON_NUMBER_SEPARATOR:
            case U_EUROPEAN_NUMBER_TERMINATOR: case U_OTHER_NEUTRAL:
            case U_BOUNDARY_NEUTRAL: case U_DIR_NON_SPACING_MARK:
                break;
            default:
                return false;
        }
    }
    if (rtl && seen_en && seen_an) {
        return false;  // condition 4
    }
    std::size_t last = cps.size();  // conditions 3 and 6: last non-NSM character
    while (last > 0 && dir(cps[last - 1]) == U_DIR_NON_SPACING_MARK) {
        --last;
    }
    const auto end = dir(cps[last - 1]);  // last >= 1: the first character is not NSM
    if (rtl) {
        return end == U_RIGHT_TO_LEFT || end == U_RIGHT_TO_LEFT_ARABIC ||
               end == U_EUROPEAN_NUMBER || end == U_ARABIC_NUMBER;
    }
    return end == U_LEFT_TO_RIGHT || end == U_EUROPEAN_NUMBER;
}

// ---------------------------------------------------------------------------------------
// Mapping rules on ICU strings. Each returns false only when ICU itself fails.

std::vector<UChar32> code_points(const icu::UnicodeString& s) {
    std::vector<UChar32> out;
    out.reserve(static_cast<std::size_t>(s.length()));
    for (int32_t i = 0; i < s.length();) {
        const UChar32 c = s.char32At(i);
        out.push_back(c);
        i += U16_LENGTH(c);
    }
    return out;
}

// RFC 8265 §3.3.2 rule 1: fullwidth and halfwidth code points are mapped to their
// decomposition mappings (<wide> and <narrow> compatibility decompositions).
bool map_width(icu::UnicodeString& s) {
    UErrorCode ec = U_ZERO_ERROR;
    const icu::Normalizer2* nfkc = icu::Normalizer2::getNFKCInstance(ec);
    if (U_FAILURE(ec)) {
        return false;
    }
    icu::UnicodeString out;
    bool changed = false;
    for (int32_t i = 0; i < s.length();) {
        const UChar32 c = s.char32At(i);
        i += U16_LENGTH(c);
        const auto dt = u_getIntPropertyValue(c, UCHAR_DECOMPOSITION_TYPE);
        icu::UnicodeString mapping;
        if ((dt == U_DT_WIDE || dt == U_DT_NARROW) && nfkc->getRawDecomposition(c, mapping)) {
            out.append(mapping);
            changed = true;
        } else {
            out.append(c);
        }
    }
    if (changed) {
        s = std::move(out);
    }
    return true;
}

// RFC 8264 §5.2.3 / RFC 8265 §3.3.2 rule 3: Unicode toLowerCase(), not case folding, so
// "ß" and "ς" stay as they are (RFC 7622 §3.5 lists fußball@ and ς@ as valid).
bool map_lower(icu::UnicodeString& s) {
    s.toLower(icu::Locale::getRoot());
    return !s.isBogus();
}

bool normalize_nfc(icu::UnicodeString& s) {
    UErrorCode ec = U_ZERO_ERROR;
    const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(ec);
    if (U_FAILURE(ec)) {
        return false;
    }
    if (nfc->isNormalized(s, ec) && U_SUCCESS(ec)) {
        return true;
    }
    ec = U_ZERO_ERROR;
    icu::UnicodeString out = nfc->normalize(s, ec);
    if (U_FAILURE(ec)) {
        return false;
    }
    s = std::move(out);
    return true;
}

// RFC 8265 §4.2.2 rule 2: non-ASCII spaces (Zs) are mapped to U+0020.
bool map_spaces(icu::UnicodeString& s) {
    for (int32_t i = 0; i < s.length(); ++i) {
        const UChar c = s.charAt(i);
        if (c >= 0x80 && u_charType(c) == U_SPACE_SEPARATOR) {  // all Zs are in the BMP
            s.setCharAt(i, 0x20);
        }
    }
    return true;
}

// UTS #46 / RFC 5895 §2 step 4: the ideographic and fullwidth full stops are dots.
bool map_dots(icu::UnicodeString& s) {
    for (int32_t i = 0; i < s.length(); ++i) {
        const UChar c = s.charAt(i);
        if (c == 0x3002 || c == 0xFF0E || c == 0xFF61) {
            s.setCharAt(i, u'.');
        }
    }
    return true;
}

using Mapping = bool (*)(icu::UnicodeString&);

bool map_username(icu::UnicodeString& s) {
    return map_width(s) && map_lower(s) && normalize_nfc(s);
}
bool map_opaque(icu::UnicodeString& s) { return map_spaces(s) && normalize_nfc(s); }
bool map_domain(icu::UnicodeString& s) {
    return map_dots(s) && map_width(s) && map_lower(s) && normalize_nfc(s);
}

// RFC 8264 §7: the rules are applied until the output is stable; a string that has not
// stabilized after three further applications is rejected.
std::optional<icu::UnicodeString> apply_until_stable(std::string_view in, Mapping map) {
    icu::UnicodeString s =
        icu::UnicodeString::fromUTF8(icu::StringPiece(in.data(), static_cast<int32_t>(in.size())));
    if (!map(s)) {
        return std::nullopt;
    }
    for (int round = 0; round < 3; ++round) {
        icu::UnicodeString again = s;
        if (!map(again)) {
            return std::nullopt;
        }
        if (again == s) {
            return s;
        }
        s = std::move(again);
    }
    return std::nullopt;
}

std::string to_utf8(const icu::UnicodeString& s) {
    std::string out;
    s.toUTF8String(out);
    return out;
}

// Shared entry checks for every part: encoding and the raw-size cap.
CheckResult check_input(std::string_view in, std::string_view part) {
    if (in.empty()) {
        return bad(std::string(part) + " is empty");
    }
    if (!is_valid_utf8(in)) {
        return bad(std::string(part) + " is not valid UTF-8");
    }
    if (in.size() > kMaxRawPartBytes) {
        return bad(std::string(part) + " is longer than 1023 bytes");
    }
    return {};
}

CheckResult check_output_size(const std::string& out, std::string_view part) {
    if (out.empty()) {
        return bad(std::string(part) + " is empty");
    }
    if (out.size() > kMaxPartBytes) {
        return bad(std::string(part) + " is longer than 1023 bytes");
    }
    return {};
}

// ---------------------------------------------------------------------------------------
// Localpart: RFC 7622 §3.3, UsernameCaseMapped (RFC 8265 §3.3).

// RFC 7622 §3.3.1: characters that PRECIS allows but a localpart must not contain.
bool is_localpart_excluded(UChar32 c) {
    switch (c) {
        case '"': case '&': case '\'': case '/': case ':': case '<': case '>': case '@':
            return true;
        default:
            return false;
    }
}

// Fast path for a non-empty ASCII localpart: ASCII7 (U+0021..U+007E) is PVALID in the
// IdentifierClass and no other ASCII code point is; ASCII needs no width mapping, is NFC,
// and has no RTL. Appends the lower-cased localpart to `out`; on error `out` is garbage.
CheckResult append_ascii_localpart(std::string_view in, std::string& out) {
    if (in.size() > kMaxPartBytes) {
        return bad("localpart is longer than 1023 bytes");
    }
    const std::size_t at = out.size();
    out.resize(at + in.size());
    char* dst = out.data() + at;
    for (std::size_t i = 0; i < in.size(); ++i) {
        const char c = in[i];
        if (c < 0x21 || c > 0x7E) {
            return bad("localpart contains disallowed code point " + code_point_name(c));
        }
        if (is_localpart_excluded(c)) {
            return bad(std::string("localpart contains '") + c + "' (RFC 7622 §3.3.1)");
        }
        dst[i] = ascii_lower(c);
    }
    return {};
}

PartResult enforce_localpart(std::string_view in) {
    constexpr std::string_view part = "localpart";
    if (auto r = check_input(in, part); !r) {
        return bad(r.error().reason);
    }
    if (is_ascii(in)) {
        std::string out;
        if (auto r = append_ascii_localpart(in, out); !r) {
            return bad(r.error().reason);
        }
        return out;
    }
    auto mapped = apply_until_stable(in, map_username);
    if (!mapped) {
        return bad("localpart could not be normalized");
    }
    const std::vector<UChar32> cps = code_points(*mapped);
    if (auto r = check_string_class(cps, StringClass::identifier, part); !r) {
        return bad(r.error().reason);
    }
    for (UChar32 c : cps) {
        if (is_localpart_excluded(c)) {
            return bad("localpart contains '" + std::string(1, static_cast<char>(c)) +
                       "' after normalization (RFC 7622 §3.3.1)");
        }
    }
    if (!bidi_rule_ok(cps)) {
        return bad("localpart violates the Bidi Rule (RFC 5893 §2)");
    }
    std::string out = to_utf8(*mapped);
    if (auto r = check_output_size(out, part); !r) {
        return bad(r.error().reason);
    }
    return out;
}

// ---------------------------------------------------------------------------------------
// Resourcepart: RFC 7622 §3.4, OpaqueString (RFC 8265 §4.2).

// Fast path for a non-empty ASCII resourcepart: in the FreeformClass, U+0020 (Spaces) and
// ASCII7 are valid and the ASCII controls are not; nothing is mapped, so a valid input is
// its own normalized form.
CheckResult check_ascii_resourcepart(std::string_view in) {
    if (in.size() > kMaxPartBytes) {
        return bad("resourcepart is longer than 1023 bytes");
    }
    for (char c : in) {
        if (c < 0x20 || c > 0x7E) {
            return bad("resourcepart contains disallowed code point " + code_point_name(c));
        }
    }
    return {};
}

PartResult enforce_resourcepart(std::string_view in) {
    constexpr std::string_view part = "resourcepart";
    if (auto r = check_input(in, part); !r) {
        return bad(r.error().reason);
    }
    if (is_ascii(in)) {
        if (auto r = check_ascii_resourcepart(in); !r) {
            return bad(r.error().reason);
        }
        return std::string(in);
    }
    auto mapped = apply_until_stable(in, map_opaque);
    if (!mapped) {
        return bad("resourcepart could not be normalized");
    }
    if (auto r = check_string_class(code_points(*mapped), StringClass::freeform, part); !r) {
        return bad(r.error().reason);
    }
    std::string out = to_utf8(*mapped);
    if (auto r = check_output_size(out, part); !r) {
        return bad(r.error().reason);
    }
    return out;
}

// ---------------------------------------------------------------------------------------
// Domainpart: RFC 7622 §3.2.

// RFC 3986 §3.2.2 IPv4address: four dec-octets, no leading zeros.
bool is_ipv4(std::string_view s) {
    int octets = 0;
    std::size_t i = 0;
    while (true) {
        std::size_t start = i;
        int value = 0;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9' && i - start < 3) {
            value = value * 10 + (s[i] - '0');
            ++i;
        }
        const std::size_t len = i - start;
        if (len == 0 || value > 255 || (len > 1 && s[start] == '0')) {
            return false;
        }
        ++octets;
        if (i == s.size()) {
            return octets == 4;
        }
        if (s[i] != '.' || octets == 4) {
            return false;
        }
        ++i;
    }
}

// RFC 3986 §3.2.2 IP-literal restricted to IPv6address (no IPvFuture, no zone id).
CheckResult check_ip_literal(std::string_view s) {
    if (s.size() < 3 || s.back() != ']' || s.size() > 2 + INET6_ADDRSTRLEN) {
        return bad("domainpart is not a valid IPv6 literal");
    }
    std::array<char, INET6_ADDRSTRLEN + 1> inner{};  // inet_pton needs a C string
    s.substr(1, s.size() - 2).copy(inner.data(), inner.size() - 1);
    in6_addr addr{};
    if (inet_pton(AF_INET6, inner.data(), &addr) != 1) {
        return bad("domainpart is not a valid IPv6 literal");
    }
    return {};
}

PartResult enforce_ip_literal(std::string_view s) {
    if (auto r = check_ip_literal(s); !r) {
        return bad(r.error().reason);
    }
    std::string out(s);
    for (char& c : out) {
        c = ascii_lower(c);
    }
    return out;
}

// An ASCII label that is not an A-label: RFC 5890 §2.3.1 LDH label (letters, digits and
// hyphens, no hyphen first or last), 1-63 octets. Input is already lower-cased.
CheckResult check_ldh_label(std::string_view label) {
    if (label.empty()) {
        return bad("domainpart contains an empty label");
    }
    if (label.size() > kMaxLabelBytes) {
        return bad("domainpart contains a label longer than 63 bytes");
    }
    for (char c : label) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
        if (!ok) {
            return bad("domainpart contains disallowed code point " + code_point_name(c));
        }
    }
    if (label.front() == '-' || label.back() == '-') {
        return bad("domainpart label starts or ends with '-'");
    }
    return {};
}

struct Idn2String {
    char* p = nullptr;
    ~Idn2String() { idn2_free(p); }
};

// IDNA2008 (RFC 5891 §5.4) validity of a U-label, or of an A-label; returns the A-label.
PartResult idna2008_to_ascii(const std::string& label) {
    Idn2String a;
    const int rc = idn2_to_ascii_8z(label.c_str(), &a.p, IDN2_NFC_INPUT | IDN2_NO_TR46);
    if (rc != IDN2_OK) {
        return bad(std::string("domainpart label is not a valid IDN: ") + idn2_strerror(rc));
    }
    return std::string(a.p);
}

// A label that needs IDNA: a non-ASCII label (after the RFC 7622 §3.2.2 mappings) or an
// A-label ("xn--"). Returns the label in U-label form (RFC 7622 §3.2.1: A-labels are
// converted to U-labels), or the LDH label that UTS #46 mapped it to.
PartResult enforce_idn_label(const std::string& label) {
    auto alabel = idna2008_to_ascii(label);
    if (!alabel && !is_ascii(label)) {
        // Strict IDNA2008 refused it; allow the UTS #46 non-transitional mappings (for
        // instance U+2163 ROMAN NUMERAL FOUR -> "iv"), then re-validate the result below.
        Idn2String a;
        if (idn2_to_ascii_8z(label.c_str(), &a.p, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL) ==
            IDN2_OK) {
            alabel = std::string(a.p);
        }
    }
    if (!alabel) {
        return alabel;
    }
    const std::string& a = *alabel;
    if (a.find('.') != std::string::npos) {
        return bad("domainpart label maps to more than one label");
    }
    if (a.size() > kMaxLabelBytes) {
        return bad("domainpart contains a label longer than 63 bytes");
    }
    if (!a.starts_with("xn--")) {
        if (auto r = check_ldh_label(a); !r) {
            return bad(r.error().reason);
        }
        return a;
    }
    Idn2String u;
    if (idn2_to_unicode_8z8z(a.c_str(), &u.p, 0) != IDN2_OK) {
        return bad("domainpart contains an invalid A-label");
    }
    std::string ulabel(u.p);
    // RFC 5891 §5.4: the decoded U-label must be valid itself and encode to the same
    // A-label; an "xn--" label that decodes to ASCII is not an A-label.
    auto again = idna2008_to_ascii(ulabel);
    if (is_ascii(ulabel) || !again || *again != a) {
        return bad("domainpart contains an invalid A-label");
    }
    // RFC 5891 §4.2.3.1: no hyphen first or last (libidn2 checks this only with UTS #46).
    if (ulabel.front() == '-' || ulabel.back() == '-') {
        return bad("domainpart label starts or ends with '-'");
    }
    return ulabel;
}

// RFC 3696 §2: a top-level domain is never all-numeric, so "1.2.3.999" is neither an
// IPv4 address nor a host name.
CheckResult check_top_label(std::string_view last_label) {
    if (last_label.find_first_not_of("0123456789") == std::string_view::npos) {
        return bad("domainpart is neither an IP address nor a valid host name");
    }
    return {};
}

// True when a lower-cased, mapped domain name has a label that is not an LDH label.
bool needs_idna(std::string_view name) {
    return !is_ascii(name) || name.starts_with("xn--") ||
           name.find(".xn--") != std::string_view::npos;
}

// A lower-cased domain name made of LDH labels only (!needs_idna(name)): it is its own
// normalized form.
CheckResult check_ldh_name(std::string_view name) {
    std::size_t start = 0;
    while (true) {
        const std::size_t dot = name.find('.', start);
        const std::string_view label =
            name.substr(start, dot == std::string_view::npos ? dot : dot - start);
        if (auto r = check_ldh_label(label); !r) {
            return r;
        }
        if (dot == std::string_view::npos) {
            return check_top_label(label);
        }
        start = dot + 1;
    }
}

// Validates the labels of a lower-cased, mapped domain name and returns its U-label form.
PartResult enforce_dns_labels(std::string name) {
    // Common case: all labels are LDH labels and the name is returned as it is.
    if (!needs_idna(name)) {
        if (auto r = check_ldh_name(name); !r) {
            return bad(r.error().reason);
        }
        return name;
    }
    std::string out;
    out.reserve(name.size());
    std::string_view view = name;
    std::string_view last_label;
    std::size_t start = 0;
    while (true) {
        const std::size_t dot = view.find('.', start);
        const std::string_view label =
            view.substr(start, dot == std::string_view::npos ? dot : dot - start);
        if (start > 0) {
            out.push_back('.');
        }
        if (is_ascii(label) && !label.starts_with("xn--")) {
            if (auto r = check_ldh_label(label); !r) {
                return bad(r.error().reason);
            }
            out += label;
        } else {
            auto r = enforce_idn_label(std::string(label));
            if (!r) {
                return r;
            }
            out += *r;
        }
        if (dot == std::string_view::npos) {
            last_label = label;
            break;
        }
        start = dot + 1;
    }
    if (auto r = check_top_label(last_label); !r) {
        return bad(r.error().reason);
    }
    return out;
}

// No ASCII space, control, '@' or '/' in any domain form (and no NUL reaches libidn2's C
// strings).
CheckResult check_domain_bytes(std::string_view in) {
    for (unsigned char c : in) {
        if (c <= 0x20 || c == 0x7F || c == '@' || c == '/') {
            return bad("domainpart contains disallowed code point " + code_point_name(c));
        }
    }
    return {};
}

enum class AsciiDomain { done, needs_idna };

// Fast path for a non-empty ASCII domainpart, with the checks of enforce_domainpart in the
// same order. Appends the lower-cased name without its trailing dot to `out`; that is the
// normalized domainpart when the result is `done`. With `needs_idna` (an "xn--" label) the
// caller must finish with enforce_dns_labels. On error `out` is garbage.
Result<AsciiDomain, JidError> append_ascii_domainpart(std::string_view in, std::string& out) {
    if (in.size() > kMaxRawPartBytes) {
        return bad("domainpart is longer than 1023 bytes");
    }
    if (auto r = check_domain_bytes(in); !r) {
        return bad(r.error().reason);
    }
    // RFC 7622 §3.2: one trailing label separator is stripped before anything else.
    if (in.back() == '.') {
        in.remove_suffix(1);
    }
    if (in.empty()) {
        return bad("domainpart is empty");
    }
    if (in.size() > kMaxPartBytes) {
        return bad("domainpart is longer than 1023 bytes");
    }
    const std::size_t at = out.size();
    out.resize(at + in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        out[at + i] = ascii_lower(in[i]);
    }
    const std::string_view name = std::string_view(out).substr(at);
    if (name.front() == '[') {
        if (auto r = check_ip_literal(name); !r) {
            return bad(r.error().reason);
        }
        return AsciiDomain::done;
    }
    if (is_ipv4(name)) {
        return AsciiDomain::done;
    }
    if (needs_idna(name)) {
        return AsciiDomain::needs_idna;
    }
    if (auto r = check_ldh_name(name); !r) {
        return bad(r.error().reason);
    }
    return AsciiDomain::done;
}

PartResult enforce_domainpart(std::string_view in) {
    constexpr std::string_view part = "domainpart";
    if (auto r = check_input(in, part); !r) {
        return bad(r.error().reason);
    }
    std::string name;
    if (is_ascii(in)) {
        auto r = append_ascii_domainpart(in, name);
        if (!r) {
            return bad(r.error().reason);
        }
        if (*r == AsciiDomain::done) {
            return name;
        }
        // An A-label: validated and converted to a U-label below.
    } else {
        if (auto r = check_domain_bytes(in); !r) {
            return bad(r.error().reason);
        }
        // RFC 7622 §3.2.2: width mapping, case mapping and normalization (RFC 5895).
        auto mapped = apply_until_stable(in, map_domain);
        if (!mapped) {
            return bad("domainpart could not be normalized");
        }
        name = to_utf8(*mapped);
        // RFC 7622 §3.2: one trailing label separator is stripped before anything else.
        if (!name.empty() && name.back() == '.') {
            name.pop_back();
        }
        if (name.empty()) {
            return bad("domainpart is empty");
        }
        if (name.size() > kMaxPartBytes) {
            return bad("domainpart is longer than 1023 bytes");
        }
        if (name.front() == '[') {
            return enforce_ip_literal(name);
        }
        if (is_ipv4(name)) {
            return name;
        }
    }
    auto out = enforce_dns_labels(std::move(name));
    if (out) {
        if (auto r = check_output_size(*out, part); !r) {
            return bad(r.error().reason);
        }
    }
    return out;
}

std::optional<std::string> to_optional(PartResult r) {
    if (!r) {
        return std::nullopt;
    }
    return std::move(r).value();
}

}  // namespace

// RFC 7622 §3.1: the resourcepart is everything after the first '/', the localpart
// everything before the first '@' that precedes it, the domainpart what is left.
Result<Jid, JidError> Jid::parse(std::string_view s) {
    // One pass finds both separators and whether the input is all ASCII.
    std::size_t slash = std::string_view::npos;
    std::size_t at = std::string_view::npos;
    unsigned char high = 0;  // the OR of every byte: < 0x80 iff all ASCII
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        high |= c;
        if (c == '/') {
            slash = i;
            break;
        }
        if (c == '@' && at == std::string_view::npos) {
            at = i;
        }
    }
    if (slash != std::string_view::npos) {
        for (std::size_t i = slash + 1; i < s.size(); ++i) {  // the resourcepart
            high |= static_cast<unsigned char>(s[i]);
        }
    }
    std::string_view local;
    std::string_view domain = s.substr(0, slash);
    std::string_view resource;
    if (at != std::string_view::npos) {
        local = domain.substr(0, at);
        domain.remove_prefix(at + 1);
        if (local.empty()) {
            return bad("localpart is empty");
        }
    }
    if (domain.empty()) {
        return bad("domainpart is empty");
    }
    if (slash != std::string_view::npos) {
        resource = s.substr(slash + 1);
        if (resource.empty()) {
            return bad("resourcepart is empty");
        }
    }
    return high < 0x80 ? parse_ascii(local, domain, resource)
                       : from_parts(local, domain, resource);
}

// Validates each part in from_parts' order and writes its normalized form straight into
// the result. The buffer is sized for the input, capped at what a valid part can take, so
// that hostile input allocates no more than ~3 KiB before it is refused.
Result<Jid, JidError> Jid::parse_ascii(std::string_view local, std::string_view domain,
                                       std::string_view resource) {
    const auto capped = [](std::string_view part, std::size_t max) {
        return part.size() < max ? part.size() : max;
    };
    Jid jid;
    std::string& full = jid.full_;
    full.reserve((local.empty() ? 0 : capped(local, kMaxPartBytes) + 1) +
                 capped(domain, kMaxPartBytes + 1) +
                 (resource.empty() ? 0 : capped(resource, kMaxPartBytes) + 1));
    if (!local.empty()) {
        if (auto r = append_ascii_localpart(local, full); !r) {
            return bad(r.error().reason);
        }
        full.push_back('@');
    }
    auto d = append_ascii_domainpart(domain, full);
    if (!d) {
        return bad(d.error().reason);
    }
    if (*d == AsciiDomain::needs_idna) {
        return from_parts(local, domain, resource);  // an A-label needs libidn2
    }
    jid.local_len_ = static_cast<std::uint16_t>(local.size());
    jid.domain_len_ = static_cast<std::uint16_t>(full.size() - jid.domain_pos());
    if (!resource.empty()) {
        if (auto r = check_ascii_resourcepart(resource); !r) {
            return bad(r.error().reason);
        }
        full.push_back('/');
        full.append(resource);
    }
    return jid;
}

Result<Jid, JidError> Jid::from_parts(std::string_view local, std::string_view domain,
                                      std::string_view resource) {
    std::string l;
    if (!local.empty()) {
        auto r = enforce_localpart(local);
        if (!r) {
            return bad(r.error().reason);
        }
        l = std::move(r).value();
    }
    auto d = enforce_domainpart(domain);
    if (!d) {
        return bad(d.error().reason);
    }
    std::string res;
    if (!resource.empty()) {
        auto r = enforce_resourcepart(resource);
        if (!r) {
            return bad(r.error().reason);
        }
        res = std::move(r).value();
    }
    return assemble(l, *d, res);
}

Jid Jid::assemble(std::string_view local, std::string_view domain, std::string_view resource) {
    Jid jid;
    jid.full_.reserve(local.size() + domain.size() + resource.size() + 2);
    if (!local.empty()) {
        jid.full_ += local;
        jid.full_ += '@';
    }
    jid.full_ += domain;
    if (!resource.empty()) {
        jid.full_ += '/';
        jid.full_ += resource;
    }
    jid.local_len_ = static_cast<std::uint16_t>(local.size());
    jid.domain_len_ = static_cast<std::uint16_t>(domain.size());
    return jid;
}

Jid Jid::bare() const {
    Jid jid;
    jid.full_.assign(bare_view());
    jid.local_len_ = local_len_;
    jid.domain_len_ = domain_len_;
    return jid;
}

Result<Jid, JidError> Jid::with_resource(std::string_view resource) const {
    if (empty()) {
        return bad("domainpart is empty");
    }
    if (!resource.empty() && is_ascii(resource)) {
        // Fast path: a valid ASCII resourcepart is its own normalized form.
        if (auto r = check_ascii_resourcepart(resource); !r) {
            return bad(r.error().reason);
        }
        return assemble(local(), domain(), resource);
    }
    auto r = enforce_resourcepart(resource);
    if (!r) {
        return bad(r.error().reason);
    }
    return assemble(local(), domain(), *r);
}

std::optional<std::string> normalize_localpart(std::string_view s) {
    return to_optional(enforce_localpart(s));
}

std::optional<std::string> normalize_domainpart(std::string_view s) {
    return to_optional(enforce_domainpart(s));
}

std::optional<std::string> normalize_resourcepart(std::string_view s) {
    return to_optional(enforce_resourcepart(s));
}

}  // namespace parley::xmpp
