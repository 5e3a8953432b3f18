// XEP-0059 Result Set Management v1.0: the request a client puts in a query
// (§2.1 <max/>, §2.2 <after/>, §2.5 <before/> — empty for the last page) and
// the <set/> a server answers with (§2.1 <first/>, <last/>, <count/>).
// Pure functions on values; any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "core/result.hpp"
#include "xml/element.hpp"
#include "xmpp/stanza_error.hpp"

namespace parley::xmpp::rsm {

struct Request {
    std::optional<std::size_t> max;
    std::optional<std::string> after;
    // Present: page backwards from this item; "" (an empty <before/>) asks for
    // the last page (§2.5).
    std::optional<std::string> before;
    std::optional<std::size_t> index;  // §2.4, read but not supported by every user
};

// Reads <set xmlns='http://jabber.org/protocol/rsm'/>. bad-request when <max/>
// or <index/> is not a non-negative integer, or <after/> is empty (§2.2 gives
// it an item id).
Result<Request, StanzaError> parse(const xml::Element& set);

struct Reply {
    std::optional<std::string> first;  // nullopt for an empty page (§2.6)
    std::optional<std::size_t> first_index;
    std::optional<std::string> last;
    std::optional<std::size_t> count;
};

// <set xmlns='http://jabber.org/protocol/rsm'> with the fields that are set.
xml::ElementPtr build(const Reply& reply);

}  // namespace parley::xmpp::rsm
