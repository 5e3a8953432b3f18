// XEP-0049 Private XML Storage v1.2: §2.3 (query contents, reserved
// namespaces), §3 (error conditions).
#include "modules/private/private_storage.hpp"

#include <set>
#include <string>

#include "xmpp/ns.hpp"

namespace parley::mod::private_xml {

using xmpp::Condition;
using xmpp::StanzaError;

bool is_reserved_namespace(std::string_view uri) {
    return uri.empty() || uri.starts_with("jabber:") || uri.starts_with("http://jabber.org/") ||
           uri == ns::vcard;
}

std::optional<StanzaError> check_query(const xml::Element& query, bool is_set) {
    const auto children = query.children();
    if (children.empty()) {
        return StanzaError(Condition::not_acceptable,
                           "the query needs a child element in its own namespace");
    }
    if (!is_set && children.size() > 1) {
        return StanzaError(Condition::bad_request, "ask for one namespace per request");
    }
    std::set<std::string_view> seen;
    for (const auto* child : children) {
        if (is_reserved_namespace(child->ns())) {
            return StanzaError(Condition::not_acceptable,
                               "namespace '" + child->ns() + "' is reserved");
        }
        if (!seen.insert(child->ns()).second) {
            return StanzaError(Condition::not_acceptable,
                               "one element per namespace ('" + child->ns() + "' repeats)");
        }
    }
    return std::nullopt;
}

}  // namespace parley::mod::private_xml
