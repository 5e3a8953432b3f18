// XEP-0045 Multi-User Chat v1.35.5: the stanzas a room sends. The extended
// presence <x xmlns='http://jabber.org/protocol/muc#user'> with its <item/>
// and <status/> codes (§7.2.2, §16.6, §17.3), occupant presence, and error
// replies stamped with the room as 'by' (§7.2 examples).
//
// Every builder returns a new tree; callers share it between recipients by
// shallow copies (`addressed`), so one fan-out builds each distinct stanza
// once. Pure functions; safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "modules/muc/affiliation.hpp"
#include "xml/element.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/stanza_error.hpp"

namespace parley::mod::muc {

// One stanza for the router: `stanza` carries from and to; `to` repeats its
// 'to' so the caller need not parse it again. `base`, when set, is the same
// stanza without 'to', shared by every recipient of a fan-out: the service
// serializes it once for all of them (xml/prepared.hpp).
struct Outgoing {
    xmpp::Jid to;
    xml::ElementRef stanza;
    xml::ElementRef base = nullptr;
};
using Outbox = std::vector<Outgoing>;

// Status codes of the §16.6 registry that rooms send.
namespace status {
inline constexpr int kNonAnonymous = 100;
inline constexpr int kConfigChanged = 104;
inline constexpr int kSelfPresence = 110;
inline constexpr int kLoggingEnabled = 170;
inline constexpr int kLoggingDisabled = 171;
inline constexpr int kNowNonAnonymous = 172;
inline constexpr int kNowSemiAnonymous = 173;
inline constexpr int kRoomCreated = 201;
inline constexpr int kNickModified = 210;
inline constexpr int kBanned = 301;
inline constexpr int kNickChanged = 303;
inline constexpr int kKicked = 307;
inline constexpr int kRemovedAffiliation = 321;
inline constexpr int kRemovedMembersOnly = 322;
inline constexpr int kRemovedShutdown = 332;
inline constexpr int kRemovedError = 333;
}  // namespace status

// The <item/> of muc#user presence (§7.2.2, §17.3 rules 8-10).
struct ItemSpec {
    Affiliation affiliation = Affiliation::none;
    Role role = Role::none;
    std::optional<xmpp::Jid> jid = {};  // the occupant's full JID, where the recipient may see it
    std::string nick = {};              // the new nickname, only in the 303 presence (§7.6)
    std::string actor_nick = {};        // <actor nick=''/> of a kick or ban (§8.2, §9.1)
    std::string reason = {};            // <reason/>
};

// <x xmlns='muc#user'><item .../><status code=''/>...</x>, codes in the order given.
xml::ElementPtr muc_user_x(const ItemSpec& item, const std::vector<int>& codes);

// A presence from `from` (an occupant JID) whose children are `payload`'s
// children other than any MUC extension (§17.3 rule 6: what a client puts
// in muc or muc#user is never reflected), followed by `x`. `payload` may be
// null (unavailable presence with no status). `type` is "" or "unavailable".
// An <occupant-id/> in `payload` is dropped and, when `occupant_id` is not
// empty, the room's own follows `x` (XEP-0421 §4). No 'to': see addressed().
xml::ElementPtr occupant_presence(const xmpp::Jid& from, const xml::Element* payload,
                                  std::string_view type, xml::ElementPtr x,
                                  std::string_view occupant_id = {});

// XEP-0421 §4: <occupant-id xmlns='urn:xmpp:occupant-id:0' id=''/>.
xml::ElementPtr occupant_id_element(std::string_view id);

// A shallow copy of `stanza` with 'to' set (children shared); `stanza` is
// the Outgoing's base.
Outgoing addressed(const xml::ElementRef& stanza, const xmpp::Jid& to);

// The error reply to `stanza` (RFC 6120 §8.3.1) as a room sends it: from and
// to swapped, <error by='room'>; for presence the children are replaced by an
// empty <x xmlns='http://jabber.org/protocol/muc'/> as in the §7.2 examples,
// so a password the user sent is not echoed back. Null for a stanza that must
// not be answered (an error).
xml::ElementPtr error_reply(const xml::Element& stanza, const xmpp::StanzaError& error,
                            const xmpp::Jid& room);

// The result of `iq` (RFC 6120 §8.2.3) with an optional payload.
xml::ElementPtr iq_result(const xml::Element& iq, xml::ElementPtr payload);

// <message from='room' type='groupchat'><x muc#user><status code=''/>...</x></message>
// (§10.2.1 configuration change notification), without 'to'.
xml::ElementPtr status_message(const xmpp::Jid& room, const std::vector<int>& codes);

}  // namespace parley::mod::muc
