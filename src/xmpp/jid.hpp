// Jid: an XMPP address, localpart@domainpart/resourcepart (RFC 7622).
//
// A Jid is always valid and normalized: parse() applies the PRECIS profiles
// of RFC 7622 §3 (UsernameCaseMapped for the localpart, OpaqueString for the
// resourcepart, IDNA2008/UTS #46 to U-label form plus lower-casing for the
// domainpart) and enforces the 1023-byte limit on each part. Two Jids are equal
// when their normalized strings are equal. A Jid is a small immutable value,
// safe to copy and to read from any thread.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace parley::xmpp {

struct JidError {
    std::string reason;  // which part is wrong and why, for logs and <text/>
};

class Jid {
public:
    Jid() = default;  // the empty JID; empty() is true

    // Parses and normalizes a JID string (RFC 7622 §3.1 splitting rules).
    static Result<Jid, JidError> parse(std::string_view s);
    // Builds from parts, each normalized as in parse(); local/resource may be empty.
    static Result<Jid, JidError> from_parts(std::string_view local, std::string_view domain,
                                            std::string_view resource = {});

    const std::string& local() const { return local_; }
    const std::string& domain() const { return domain_; }
    const std::string& resource() const { return resource_; }

    bool empty() const { return domain_.empty(); }
    bool is_bare() const { return resource_.empty(); }
    bool is_full() const { return !resource_.empty(); }
    bool is_domain() const { return local_.empty() && resource_.empty(); }

    Jid bare() const;
    // This JID with another resource (validated and normalized), or an error.
    Result<Jid, JidError> with_resource(std::string_view resource) const;

    std::string str() const;       // local@domain/resource
    std::string bare_str() const;  // local@domain (or domain)

    friend bool operator==(const Jid& a, const Jid& b) = default;

private:
    std::string local_;
    std::string domain_;
    std::string resource_;
};

// Normalizers for single parts, exposed for the places that take one part
// (SASL authcid, resource binding, parleyctl). Each returns nullopt when the
// input is not valid for that part.
std::optional<std::string> normalize_localpart(std::string_view s);
std::optional<std::string> normalize_domainpart(std::string_view s);
std::optional<std::string> normalize_resourcepart(std::string_view s);

}  // namespace parley::xmpp

template <>
struct std::hash<parley::xmpp::Jid> {
    std::size_t operator()(const parley::xmpp::Jid& j) const noexcept {
        return std::hash<std::string>{}(j.str());
    }
};
