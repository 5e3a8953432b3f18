// The roster item payload of RFC 6121 §2.1 (<item/> in jabber:iq:roster):
// the typed form a client sends in a roster set, its validation (§2.3.3 and
// §2.1.2), and the serializer for the items the server returns and pushes.
// Pure functions on values; safe from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "storage/stores.hpp"
#include "xml/element.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/stanza_error.hpp"

namespace parley::mod::roster {

// The "server-configured limit" of RFC 6121 §2.3.3 on handles and group
// names, in bytes (the same as a JID part, RFC 7622 §3.1).
inline constexpr std::size_t kMaxNameBytes = 1023;
// Groups per item: a bound on input, not a number the RFC names.
inline constexpr std::size_t kMaxGroups = 64;

// The 'subscription' attribute as a client may send it (§2.1.2.5): every
// value but "remove" is ignored by the server.
enum class ItemSubscription { none, to, from, both, remove };

// One <item/> of a roster set, validated.
struct ItemRequest {
    xmpp::Jid jid;     // bare JID of the contact (§2.1.2.3)
    std::string name;  // empty when absent (§2.1.2.4)
    ItemSubscription subscription = ItemSubscription::none;
    std::vector<std::string> groups;  // in document order, unique, non-empty
};

// Decodes and validates an <item xmlns='jabber:iq:roster'/>: jid required
// (bad-request) and valid (jid-malformed), bare (bad-request); name and
// groups at most kMaxNameBytes (not-acceptable); no empty group
// (not-acceptable); no duplicate group (bad-request); subscription one of
// none/to/from/both/remove (bad-request).
Result<ItemRequest, xmpp::StanzaError> parse_item(const xml::Element& item);

// <item jid='' name='' subscription='' ask='subscribe' approved='true'><group/>...</item>
// as the server returns it (§2.1.2): ask only for Pending Out, approved only
// when true and the contact has no subscription from the user yet (§3.4).
xml::ElementPtr serialize_item(const storage::RosterItem& item);
// <item jid='' subscription='remove'/> for the push that announces a removal (§2.5.2).
xml::ElementPtr serialize_removed_item(std::string_view jid);

std::string_view to_string(storage::Subscription s);

}  // namespace parley::mod::roster
