// XEP-0388 Extensible SASL Profile (SASL2) v0.4 and XEP-0386 Bind 2 v1.0:
// the typed view of a client's <authenticate/> and the elements the server
// answers with. Pure functions over xml::Element, any thread; the exchange
// itself (mechanisms, storage, binding) is C2sSession's.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "auth/sasl.hpp"
#include "xml/element.hpp"

namespace parley::sasl2 {

inline constexpr std::string_view kNs = "urn:xmpp:sasl:2";    // XEP-0388
inline constexpr std::string_view kBindNs = "urn:xmpp:bind:0";  // XEP-0386
inline constexpr std::string_view kFastNs = "urn:xmpp:fast:0";  // XEP-0484

// XEP-0386 §2.2: <bind/> inside <authenticate/>.
struct BindRequest {
    std::string tag;                             // <tag/>, may be empty
    std::vector<const xml::Element*> features;   // children in other namespaces (<enable/>...)
};

// XEP-0388 §2.3 <authenticate/>, with the inline requests of XEP-0386,
// XEP-0198 and XEP-0484. Pointers point into the element it was parsed
// from, which must outlive it.
struct Authenticate {
    std::string mechanism;
    std::optional<std::string> initial_response;  // decoded; absent when not sent
    std::string user_agent_id;                    // <user-agent id=.../>, may be empty
    std::string software;                         // <user-agent><software/>
    std::string device;                           // <user-agent><device/>
    std::optional<BindRequest> bind;              // XEP-0386
    const xml::Element* resume = nullptr;         // XEP-0198 <resume/>
    std::string request_token;                    // XEP-0484 <request-token mechanism=.../>
    bool fast = false;                            // XEP-0484 <fast/>: authenticating with a token
    bool fast_invalidate = false;                 // <fast invalidate='true'/>
};

// One SASL2 attempt in progress on a stream: the request (kept alive for
// the pointers of `auth`) and what it asked for.
struct Exchange {
    xml::ElementRef request;
    Authenticate auth;
};

struct ParseError {
    auth::SaslFailure condition;
    std::string text;
};

// Parses and checks <authenticate/>: a mechanism is required; the initial
// response is base64 (whitespace around it tolerated, §2.2 examples wrap it),
// an empty element meaning an empty response.
std::variant<Authenticate, ParseError> parse_authenticate(const xml::Element& el);
// The payload of a <response/> (base64, may be empty); nullopt when not base64.
std::optional<std::string> decode_payload(const xml::Element& el);

// <challenge/> with base64 data (§2.5).
xml::ElementPtr challenge(std::string_view data);
// <failure/> with the RFC 6120 §6.5 condition and an optional <text/> (§2.6.2).
xml::ElementPtr failure(auth::SaslFailure f, std::string_view text);
// <success/> (§2.6.1) with <additional-data/> when `data` is not empty and
// the <authorization-identifier/>; the caller appends extensions.
xml::ElementPtr success(std::string_view data, std::string_view authorization_identifier);

// XEP-0386 §3.1 resource: "<tag>/<id>", where <id> is stable for one
// account and client (a hash of the bare JID and the <user-agent/> id, which
// is never shown) or random when the client sent no id; the tag defaults to
// "parley" and is cut to a sane length. A tag the resourceprep profile would
// refuse is dropped.
std::string make_resource(std::string_view bare, std::string_view tag, std::string_view user_agent_id);

}  // namespace parley::sasl2
