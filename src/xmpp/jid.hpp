// Jid: an XMPP address, localpart@domainpart/resourcepart (RFC 7622).
//
// A Jid is always valid and normalized: parse() applies the PRECIS profiles
// of RFC 7622 §3 (UsernameCaseMapped for the localpart, OpaqueString for the
// resourcepart, IDNA2008/UTS #46 to U-label form plus lower-casing for the
// domainpart) and enforces the 1023-byte limit on each part.
//
// Representation: JIDs are built, compared, hashed and printed on every routed
// stanza, so a Jid is one string holding the normalized text
// "local@domain/resource" plus the lengths of the localpart and domainpart.
// str() and bare_view() cost nothing, local()/domain()/resource() are views into
// that string (valid while the Jid lives and is not assigned to), and two Jids
// are equal exactly when their strings are: in the normalized text the first '@'
// before the first '/' is the only possible split, because neither the localpart
// nor the domainpart may contain '@' or '/'.
//
// A Jid is a small immutable value, safe to copy and to read from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
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

    // Parses and normalizes a JID string (RFC 7622 §3.1 splitting rules). All-ASCII
    // input takes a one-pass path that needs neither ICU nor libidn2 (unless the
    // domainpart has an A-label) and allocates at most once.
    static Result<Jid, JidError> parse(std::string_view s);
    // Builds from parts, each normalized as in parse(); local/resource may be empty.
    static Result<Jid, JidError> from_parts(std::string_view local, std::string_view domain,
                                            std::string_view resource = {});

    std::string_view local() const { return std::string_view(full_).substr(0, local_len_); }
    std::string_view domain() const {
        return std::string_view(full_).substr(domain_pos(), domain_len_);
    }
    std::string_view resource() const {
        return is_bare() ? std::string_view{} : std::string_view(full_).substr(bare_len() + 1);
    }

    bool empty() const { return full_.empty(); }
    bool is_bare() const { return full_.size() == bare_len(); }
    bool is_full() const { return !is_bare(); }
    bool is_domain() const { return local_len_ == 0 && is_bare(); }

    Jid bare() const;
    // This JID with another resource (validated and normalized), or an error.
    Result<Jid, JidError> with_resource(std::string_view resource) const;

    const std::string& str() const { return full_; }  // local@domain/resource
    std::string_view bare_view() const {              // local@domain (or domain)
        return std::string_view(full_).substr(0, bare_len());
    }
    std::string bare_str() const { return std::string(bare_view()); }

    friend bool operator==(const Jid& a, const Jid& b) { return a.full_ == b.full_; }

private:
    // parse() for all-ASCII input, already split; local/resource may be empty.
    static Result<Jid, JidError> parse_ascii(std::string_view local, std::string_view domain,
                                             std::string_view resource);
    // Takes parts that are already normalized and valid.
    static Jid assemble(std::string_view local, std::string_view domain,
                        std::string_view resource);

    std::size_t domain_pos() const { return local_len_ == 0 ? 0 : local_len_ + 1u; }
    std::size_t bare_len() const { return domain_pos() + domain_len_; }

    std::string full_;             // normalized "local@domain/resource"
    std::uint16_t local_len_ = 0;  // bytes; each part is at most 1023 bytes
    std::uint16_t domain_len_ = 0;
};

// Normalizers for single parts, exposed for the places that take one part
// (SASL authcid, resource binding, parleyctl). Each returns nullopt when the
// input is not valid for that part.
std::optional<std::string> normalize_localpart(std::string_view s);
std::optional<std::string> normalize_domainpart(std::string_view s);
std::optional<std::string> normalize_resourcepart(std::string_view s);

}  // namespace parley::xmpp

// Hashes the normalized string, so equal Jids hash equal; std::hash<std::string_view>
// of j.str() (or of a bare_view()) gives the same value.
template <>
struct std::hash<parley::xmpp::Jid> {
    std::size_t operator()(const parley::xmpp::Jid& j) const noexcept {
        return std::hash<std::string_view>{}(j.str());
    }
};
