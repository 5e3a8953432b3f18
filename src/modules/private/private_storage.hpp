// Request checks of XEP-0049 Private XML Storage v1.2 §2.3 and §3, as pure
// functions over the <query xmlns='jabber:iq:private'/> payload; any thread.
#pragma once

#include <optional>
#include <string_view>

#include "xml/element.hpp"
#include "xmpp/stanza_error.hpp"

namespace parley::mod::private_xml {

// §2.3: namespaces reserved in Jabber ('jabber:*', 'http://jabber.org/*' and
// 'vcard-temp') may not be stored; the empty namespace (an element that has
// none of its own) may not either.
bool is_reserved_namespace(std::string_view uri);

// Checks a query before it is served; nullopt when it is acceptable.
//  - no child element: not-acceptable (§2.3 "MUST respond with Not Acceptable");
//  - get with more than one child: bad-request (§2.3: one namespace per get);
//  - set with two children in one namespace: not-acceptable (each namespace
//    is stored as one element; see private_module.cpp);
//  - a reserved namespace: not-acceptable (§2.3, §3).
std::optional<xmpp::StanzaError> check_query(const xml::Element& query, bool is_set);

}  // namespace parley::mod::private_xml
