// Helpers for modules that serve a domain of their own through
// ModuleContext::serve_domain (upload.<host>, proxy.<host>): the checks every
// such service makes before looking at an iq's payload, and the XEP-0030
// answers about the domain itself. Pure functions over the event; any thread.
#pragma once

#include <set>
#include <string>

#include "core/module.hpp"
#include "router/router.hpp"

namespace parley::mod {

// The result of `iq` (RFC 6120 §8.2.3) with an optional payload.
xml::ElementPtr iq_result(const xml::Element& iq, xml::ElementPtr payload);

// The payload of an iq get/set addressed to the service's domain itself, or
// nullptr when the stanza was dealt with here: messages are bounced with
// service-unavailable, presence and iq results/errors need no answer, an iq
// without exactly one child is bad-request (RFC 6120 §8.2.3) and one to a JID
// at the domain is item-not-found.
const xml::Element* service_request(Router& router, const StanzaEvent& ev);

// Answers disco#info (with `info`) and an empty disco#items about the domain
// itself (XEP-0030 §3.1, §4.1), item-not-found for a node (§7). False when the
// payload is not a disco query.
bool answer_disco(Router& router, const StanzaEvent& ev, const xml::Element& payload,
                  const std::function<xml::ElementPtr()>& info);

// The items of a comma-separated setting ("a.example, b.example"), trimmed,
// empty ones left out.
std::vector<std::string> split_list(std::string_view text);
// The same as a set (allowed_domains settings).
std::set<std::string, std::less<>> domain_set(std::string_view text);

}  // namespace parley::mod
