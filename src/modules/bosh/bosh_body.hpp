// The <body/> wrapper of XEP-0124 v1.11.2 (§4) with the XEP-0206 v1.4
// attributes: a request body parsed into its attributes and payload, and
// response bodies built around payload bytes serialized one element at a
// time. Pure functions; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "xml/element.hpp"
#include "xml/stream_parser.hpp"

namespace parley::mod::bosh {

// One request's <body/> (§7.1 session creation, §8 requests, §10 pause,
// §13 terminate; XEP-0206 §3 xmpp:version, §5 xmpp:restart).
struct RequestBody {
    xml::ElementPtr body;
    std::uint64_t rid = 0;
    std::string sid;  // empty: a session creation request
    std::string to;
    std::string lang;
    std::string xmpp_version;                  // xmpp:version (XEP-0206 §3)
    std::optional<std::int64_t> wait;          // §7.1
    std::optional<std::int64_t> hold;          // §7.1
    std::optional<std::uint64_t> ack;          // §9: creation: "1" asks for acks; later: client ack
    std::optional<std::int64_t> pause;         // §10
    bool terminate = false;                    // type='terminate' (§13)
    bool restart = false;                      // xmpp:restart='true' (XEP-0206 §5)
    std::vector<xml::ElementPtr> payload;      // the child elements, in order
};

// §17.1 terminal binding conditions Parley uses.
inline constexpr std::string_view kBadRequest = "bad-request";
inline constexpr std::string_view kHostUnknown = "host-unknown";
inline constexpr std::string_view kImproperAddressing = "improper-addressing";
inline constexpr std::string_view kItemNotFound = "item-not-found";
inline constexpr std::string_view kPolicyViolation = "policy-violation";
inline constexpr std::string_view kRemoteStreamError = "remote-stream-error";  // XEP-0206 §6
inline constexpr std::string_view kSystemShutdown = "system-shutdown";

// Parses a request. Fails (with the §17.1 condition to answer: bad-request)
// when it is not one <body/> in the httpbind namespace with a valid rid.
Result<RequestBody> parse_request(std::string_view text, const xml::ParserLimits& limits);

using Attrs = std::vector<std::pair<std::string, std::string>>;
// <body xmlns='http://jabber.org/protocol/httpbind' attrs…>payload</body>;
// attribute names "xmpp:…" are in urn:xmpp:xbosh (declared on the body).
std::string make_body(const Attrs& attrs, std::string_view payload);
// A terminal binding error (§17.1): type='terminate' condition=….
std::string terminate_body(std::string_view condition, std::string_view payload = {});

}  // namespace parley::mod::bosh
