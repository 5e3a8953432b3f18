// A-label conversion and ASCII case folding for s2s (RFC 6125 §6.4.1–§6.4.2).
#include "s2s/domain_name.hpp"

#include <idn2.h>

#include <algorithm>
#include <cstdlib>

namespace parley::s2s {

namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool is_ascii(std::string_view s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

bool has_empty_label(std::string_view s) {
    return s.empty() || s.front() == '.' || s.back() == '.' ||
           s.find("..") != std::string_view::npos;
}

}  // namespace

std::string lower_ascii(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), lower);
    return out;
}

bool iequals_ascii(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(),
                      [](char x, char y) { return lower(x) == lower(y); });
}

std::optional<std::string> to_ascii_domain(std::string_view domain) {
    if (!domain.empty() && domain.back() == '.') {
        domain.remove_suffix(1);
    }
    if (has_empty_label(domain) || domain.find('\0') != std::string_view::npos) {
        return std::nullopt;
    }
    if (is_ascii(domain)) {
        return lower_ascii(domain);
    }
    // UTS #46 non-transitional mapping lower-cases and NFC-normalizes the
    // U-labels before converting them (RFC 5891 §5 for lookups).
    const std::string input(domain);
    char* out = nullptr;
    const int rc = idn2_to_ascii_8z(input.c_str(), &out, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
    if (rc != IDN2_OK || out == nullptr) {
        return std::nullopt;
    }
    std::string result = lower_ascii(out);
    idn2_free(out);
    if (has_empty_label(result)) {
        return std::nullopt;
    }
    return result;
}

}  // namespace parley::s2s
