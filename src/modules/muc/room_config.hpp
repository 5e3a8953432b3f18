// XEP-0045 Multi-User Chat v1.35.5 room configuration: the muc#roomconfig
// fields (§10.1.3 example form, §16.5.3 registry), the form an owner gets
// (§10.1.3, §10.2), the parsing of a submitted form (§10.1.2 instant room,
// §10.1.3 / §10.2 submit and cancel), the disco features the configuration
// implies (§6.4, §16.3) and the status codes a change announces (§10.2.1).
// Pure functions on values; safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "modules/muc/affiliation.hpp"
#include "xml/element.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/stanza_error.hpp"

namespace parley::mod::muc {

// muc#roomconfig_whois (§10.1.3 note): who sees occupants' real JIDs.
// "moderators" makes the room semi-anonymous, "anyone" non-anonymous.
enum class Whois { moderators, anyone };
// muc#roomconfig_allowpm (§10.1.3): who may send private messages (§7.5).
enum class AllowPm { anyone, participants, moderators, none };

std::string_view to_string(Whois w);
std::string_view to_string(AllowPm p);

// Service-wide bounds a room's configuration must stay within (the
// "service policies" of §10.1.3, whose violation is not-acceptable).
struct ConfigLimits {
    std::uint32_t max_users = 1000;     // highest muc#roomconfig_maxusers an owner may set
    std::uint32_t max_history = 50;     // highest muc#maxhistoryfetch
    std::size_t max_text_bytes = 1024;  // roomname, roomdesc, roomsecret, lang
    // §7.10 last paragraph, §7.12 "lock down" (Prosody's
    // enforce_registered_nickname): a user with a reserved nickname may enter
    // and change nickname only to it (not-acceptable otherwise).
    bool enforce_registered_nickname = false;
};

// The configuration of one room. Defaults follow Prosody and ejabberd: a
// public, temporary, open, unmoderated, semi-anonymous room without password,
// where only moderators change the subject, anyone may send private messages,
// and the last 20 messages are replayed.
struct RoomConfig {
    std::string name;                 // muc#roomconfig_roomname
    std::string description;          // muc#roomconfig_roomdesc
    std::string language;             // muc#roomconfig_lang
    bool persistent = false;          // muc#roomconfig_persistentroom
    bool public_room = true;          // muc#roomconfig_publicroom
    bool members_only = false;        // muc#roomconfig_membersonly
    bool moderated = false;           // muc#roomconfig_moderatedroom
    bool password_protected = false;  // muc#roomconfig_passwordprotectedroom
    std::string password;             // muc#roomconfig_roomsecret
    Whois whois = Whois::moderators;  // muc#roomconfig_whois
    std::uint32_t max_users = 200;    // muc#roomconfig_maxusers; 0 = "none" (no room limit)
    bool allow_invites = false;       // muc#roomconfig_allowinvites (members may invite, §7.8.2)
    bool change_subject = false;      // muc#roomconfig_changesubject (§8.1)
    AllowPm allow_pm = AllowPm::anyone;  // muc#roomconfig_allowpm
    bool logging = false;                // muc#roomconfig_enablelogging (status 170, §7.2.12)
    // muc#roomconfig_enablearchiving (Prosody's field): groupchat messages go
    // into the room's XEP-0313 archive.
    bool archiving = true;
    // muc#roomconfig_presencebroadcast: roles whose presence is broadcast (§7.2.2).
    std::set<Role> presence_broadcast = {Role::moderator, Role::participant, Role::visitor};
    std::uint32_t history_length = 20;  // muc#maxhistoryfetch

    bool non_anonymous() const { return whois == Whois::anyone; }
    friend bool operator==(const RoomConfig&, const RoomConfig&) = default;
};

// The <x xmlns='jabber:x:data' type='form'/> an owner receives (§10.1.3,
// §10.2): FORM_TYPE muc#roomconfig and every field above with its current
// value, plus the full owner and admin lists (muc#roomconfig_roomowners,
// muc#roomconfig_roomadmins, bare JIDs).
xml::ElementPtr config_form(const RoomConfig& config, const xmpp::Jid& room,
                            const std::vector<xmpp::Jid>& owners,
                            const std::vector<xmpp::Jid>& admins, const ConfigLimits& limits = {});

// A submitted configuration form, applied to the current configuration.
struct ConfigSubmission {
    bool cancel = false;  // type='cancel' (§10.1.3, §10.2): nothing else is set
    RoomConfig config;    // the current configuration with every submitted field applied
    // The full lists when the form carried them (not deltas, §10.5 note).
    std::optional<std::vector<xmpp::Jid>> owners;
    std::optional<std::vector<xmpp::Jid>> admins;
};

// Parses <x xmlns='jabber:x:data'/> from a muc#owner set. Fields not in the
// form keep their current value, so the empty submit of an instant room
// (§10.1.2) accepts the defaults; unknown fields are ignored (XEP-0068 lets
// a service define more). Errors:
//   bad-request     not a data form, type other than submit/cancel, a FORM_TYPE
//                   other than muc#roomconfig, or a value that does not parse
//                   (a boolean that is not 0/1/true/false, an unknown option of
//                   a list field, a number that is not a number)
//   jid-malformed   an entry of roomowners/roomadmins is not a JID
//   not-acceptable  a value that parses but breaks a service policy (§10.1.3):
//                   password protection with an empty password, maxusers or
//                   maxhistoryfetch above the service limit or maxusers of 0,
//                   a text field longer than the limit
Result<ConfigSubmission, xmpp::StanzaError> parse_config_submission(
    const xml::Element& x, const RoomConfig& current, const ConfigLimits& limits = {});

// The status codes of §10.2.1 for a change from `before` to `after`: 170 or
// 171 when logging is turned on or off, 172 or 173 when the room becomes
// non-anonymous or semi-anonymous, and 104 for any other change. Empty when
// nothing changed.
std::vector<int> config_change_status_codes(const RoomConfig& before, const RoomConfig& after);

// The room-type features of §16.3 for disco#info (§6.4), in a fixed order:
// public/hidden, persistent/temporary, passwordprotected/unsecured,
// membersonly/open, moderated/unmoderated, nonanonymous/semianonymous.
std::vector<std::string_view> room_features(const RoomConfig& config);

}  // namespace parley::mod::muc
