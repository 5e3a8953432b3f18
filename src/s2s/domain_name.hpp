// DNS domain names in the form s2s compares and queries them: ASCII, lower
// case, internationalized labels as A-labels ("xn--..."), no trailing dot.
//
// RFC 6125 §6.4.2 compares an internationalized reference identifier with
// presented identifiers in A-label form, and DNS queries (RFC 6120 §3.2) must
// use A-labels too, while a JID's domainpart is kept in U-label form
// (RFC 7622 §3.2). These helpers bridge the two. Pure functions, any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace parley::s2s {

// The A-label form of a domain name: ASCII input is lower-cased, a name with
// non-ASCII labels goes through IDNA2008 / UTS #46 (libidn2). One trailing dot
// is dropped. nullopt for an empty name, an empty label, an embedded NUL or a
// name libidn2 rejects.
std::optional<std::string> to_ascii_domain(std::string_view domain);

// ASCII case-insensitive equality (RFC 6125 §6.4.1: DNS names compare
// case-insensitively in ASCII); bytes outside ASCII must match exactly.
bool iequals_ascii(std::string_view a, std::string_view b);

std::string lower_ascii(std::string_view s);

}  // namespace parley::s2s
