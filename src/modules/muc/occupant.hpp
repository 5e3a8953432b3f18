// XEP-0045 Multi-User Chat v1.35.5: an occupant of a room (§4.1 "Occupant",
// "Multi-Session Nick") and the rules for room nicknames (§17.1).
//
// An Occupant is a value owned by its Room; not synchronised.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "modules/muc/affiliation.hpp"
#include "xml/element.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/stanza_error.hpp"

namespace parley::mod::muc {

// One of the user's resources in the room.
struct OccupantSession {
    xmpp::Jid jid;             // the user's full JID
    xml::ElementRef presence;  // that resource's last available presence (may be null)
};

// Everything a room knows about one nickname in it. Several resources of
// the same bare JID may share the nickname (§7.2.8: the service "SHOULD
// allow entry ... so that the user has two (or more) in-room sessions"),
// so an occupant has one or more sessions; all of them receive the room's
// traffic and may speak for it.
struct Occupant {
    std::string nick;
    xmpp::Jid occupant_jid;  // room@service/nick
    xmpp::Jid bare_jid;      // the user's bare JID
    Role role = Role::none;
    // Never empty; back() is the resource whose presence the room shows
    // (the one that sent presence last).
    std::vector<OccupantSession> sessions;
    std::string occupant_id;  // XEP-0421, "" when the room hands out none

    const OccupantSession& primary() const { return sessions.back(); }
    const OccupantSession* session(const xmpp::Jid& full) const;
    OccupantSession* session(const xmpp::Jid& full);
};

// Checks and normalizes a requested room nickname (§17.1): it must be a valid
// resourcepart (RFC 7622 OpaqueString, the successor of the Resourceprep of
// RFC 6122) and not empty: jid-malformed otherwise (§7.2.1: "If the user
// does not specify a room nickname ... jid-malformed"). A nickname of spaces
// only is not-acceptable ("MUST NOT allow empty or invisible Room Nicknames").
// Nickname conflicts are decided on the normalized form (§7.2.8 leaves the
// comparison to the implementation; no further case folding, as in Prosody).
Result<std::string, xmpp::StanzaError> normalize_nick(std::string_view nick);

// XEP-0421 v0.1.x §4: the occupant id of `bare` (a real bare JID) in `room`:
// stable for that pair, the same whatever the nickname, and revealing
// nothing about the JID: base64 of HMAC-SHA-256(secret, room NUL bare).
std::string make_occupant_id(std::string_view secret, std::string_view room,
                             std::string_view bare);

}  // namespace parley::mod::muc
