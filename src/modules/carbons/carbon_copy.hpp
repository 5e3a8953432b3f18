// The pure parts of Message Carbons (XEP-0280 v1.0.1): which messages are
// copied (§6, §7, and XEP-0334 v0.3.0 §4 <no-copy/>) and the copies
// themselves (§8 received, §9 sent). Functions over immutable elements; any
// thread.
#pragma once

#include <string>
#include <string_view>

#include "xml/element.hpp"

namespace parley::mod::carbons {

enum class Direction { sent, received };

// XEP-0280 §6 "Messages Eligible for Carbons Delivery", the suggested rules:
// type "chat"; type "normal" (or no type) with a <body/>. Never: other types
// (error copies would need tracking the original), messages from or to a MUC
// occupant (they carry <x xmlns='http://jabber.org/protocol/muc#user'/>,
// XEP-0045 §7.5), messages marked <private xmlns='urn:xmpp:carbons:2'/> (§7) or
// <no-copy xmlns='urn:xmpp:hints'/> (XEP-0334 §4), and carbons themselves
// (a <sent/> or <received/> inside: a copy of a copy, or a forged one).
bool eligible(const xml::Element& message);

// The <message/> to send to `to_full` (a resource of `owner_bare`): from the
// user's bare JID, to the resource, same type, holding <sent/> or <received/>
// around <forwarded/> with the original (§8, §9, XEP-0297 §3).
xml::ElementPtr make_copy(Direction d, const xml::ElementRef& original,
                          const std::string& owner_bare, const std::string& to_full);

// §7: the receiving server "SHOULD remove the <private/> element before
// delivering to the recipient". Returns `message` itself when it has none.
xml::ElementRef without_private(const xml::ElementRef& message);

}  // namespace parley::mod::carbons
