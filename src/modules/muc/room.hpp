// XEP-0045 Multi-User Chat v1.35.5: one room and every decision the XEP asks
// of it, with no I/O. A call takes what arrived (who sent it, the stanza, the
// time) and returns what to send: the stanzas for the router, in the order the
// XEP requires, or the stanza error to answer with. Nothing is sent or stored
// here; the MUC service module routes the Outbox and persists what changed.
//
//   presence (§7.2 enter, §7.6 nick, §7.7 status, §7.14 exit)   presence.cpp
//   groupchat, private messages, subject (§7.4, §7.5, §8.1)      messages.cpp
//   muc#admin roles and affiliations (§8.2-§8.5, §9, §10.3-§10.8) moderation.cpp
//   muc#owner configuration and destruction (§10.1, §10.2, §10.9) owner.cpp
//   invitations, declines, voice requests (§7.8.2, §8.6)          requests.cpp
//   XEP-0425 moderated retraction                                retraction.cpp
//   registration and reserved nicknames (§7.10, §7.12)           registration.cpp
//   state, look-ups and presence fan-out                          room.cpp
//
// Time comes in as a parameter (an injectable clock, STYLE.md b.10) and
// every output is a function of the inputs, so tests assert exact stanzas.
//
// A Room is owned by the MUC service and used by one thread at a time (the
// service serialises work per room); it is not internally synchronised.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.hpp"
#include "modules/muc/affiliation.hpp"
#include "modules/muc/history.hpp"
#include "modules/muc/occupant.hpp"
#include "modules/muc/room_config.hpp"
#include "modules/muc/stanzas.hpp"
#include "xml/element.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/stanza_error.hpp"

namespace parley::mod::muc {

// A groupchat message for the room's XEP-0313 archive, as the room sent it
// (from the occupant JID, no 'to', no stanza-id: the archive id is `id`).
struct Archived {
    std::string id;  // the archive UID, also the broadcast's <stanza-id by='room'/>
    std::string nick;
    xml::ElementRef message;
    TimePoint stamp;
};

// What one call decided.
struct Outcome {
    // Set when the request was refused: nothing changed and nothing is in
    // `out`; answer the request with this error (error_reply() builds it).
    std::optional<xmpp::StanzaError> error;
    Outbox out;              // stanzas to route, in order
    bool destroyed = false;  // the room is gone (§7.14 last occupant of a temporary
                             // room, §10.1.3 cancelled creation, §10.9 destroy)
    std::optional<Archived> archived;  // to append to the room's archive before `out` is sent
    bool ok() const { return !error.has_value(); }
};

// The Outcome of a refused request.
inline Outcome refuse(xmpp::StanzaError e) {
    Outcome o;
    o.error = std::move(e);
    return o;
}

// A request to enter the room (§7.2.1): available presence to room@service/nick
// carrying <x xmlns='http://jabber.org/protocol/muc'/>.
struct JoinRequest {
    xmpp::Jid from;                       // the user's full JID
    std::string nick;                     // the requested nickname, as sent
    std::optional<std::string> password;  // <password/> (§7.2.5)
    HistoryRequest history;               // <history/> (§7.2.14)
    xml::ElementRef presence;             // the join presence; its show/status/caps are reflected
};
// Reads the <x xmlns='muc'/> of `presence` (password, history); the
// presence is kept for its payload. `nick` is the resourcepart of its 'to'.
JoinRequest parse_join(const xml::ElementRef& presence, const xmpp::Jid& from,
                       std::string_view nick);

// The result of entering. On success `out` holds, in the order of §7.1:
// the presence of every existing occupant to the new one (§7.2.2), the new
// occupant's presence to the others, its self-presence (110; 100 in a
// non-anonymous room, 170 if logged, 201 for the room's creator, 210 when the
// nickname was changed by normalization), the discussion history (§7.2.13)
// and the subject (§7.2.15).
struct JoinResult : Outcome {
    std::string nick;  // as normalized
    Role role = Role::none;
    Affiliation affiliation = Affiliation::none;
    bool created = false;  // status 201 was sent (§10.1.1)
};

// One <item/> of a muc#admin set about a role (§8.2-§8.5, §9.6-§9.8).
struct RoleItem {
    std::string nick;
    Role role = Role::none;
    std::string reason;
};
// One <item/> of a muc#admin set about an affiliation (§9.1-§9.5, §10.3-§10.8).
struct AffiliationItem {
    xmpp::Jid jid;  // bare or full: affiliations are kept by bare JID (§10.3)
    Affiliation affiliation = Affiliation::none;
    std::optional<std::string> nick;  // reserved nickname; "" unsets it (§9.5)
    std::string reason;
};
// A whole muc#admin set: either role items or affiliation items.
struct AdminRequest {
    std::vector<RoleItem> roles;
    std::vector<AffiliationItem> affiliations;
};
// Reads <query xmlns='muc#admin'>. bad-request when there is no item, an item
// has both 'role' and 'affiliation' (§17.4 rule 4) or neither, a role item
// has no nick or an affiliation item no jid, a value is unknown, or role and
// affiliation items are mixed; jid-malformed for an invalid jid.
Result<AdminRequest, xmpp::StanzaError> parse_admin_set(const xml::Element& query);

// <destroy/> of a muc#owner set (§10.9).
struct DestroyRequest {
    std::optional<xmpp::Jid> alternate;  // 'jid': the alternate venue
    std::string reason;
    std::optional<std::string> password;  // for the alternate venue
};

// XEP-0425: the moderator who retracts a message, as the room names them.
struct Moderator {
    xmpp::Jid occupant_jid;
    std::string occupant_id;  // XEP-0421, "" when the room hands out none
};

// XEP-0425 §5 (tombstones): `stored`, an archived message, with its content
// replaced by <retracted stamp='now'><moderated by/><reason/></retracted>;
// its attributes and the sender's <occupant-id/> are kept.
xml::ElementPtr tombstone(const xml::Element& stored, const Moderator& by,
                          const std::string& reason, TimePoint now);

// §7.12 "Discovering Reserved Room Nickname": the well-known disco#info node
// (a node name, not a namespace, so it lives here rather than in ns.hpp).
inline constexpr std::string_view kRoomUserItemNode = "x-roomuser-item";

// A room's long-lived record of one bare JID (§5.2).
struct AffiliationEntry {
    xmpp::Jid jid;  // bare
    Affiliation affiliation = Affiliation::none;
    std::string nick;    // reserved nickname (§7.12), "" if none
    std::string reason;  // the reason of a ban, shown in the ban list (§9.2)
};

class Room {
public:
    // A room that exists and is open (e.g. loaded from storage).
    Room(xmpp::Jid jid, RoomConfig config, ConfigLimits limits = {});
    // §10.1.1: a room created by `creator`'s first presence: the creator's
    // bare JID becomes the owner and the room stays locked (others get
    // item-not-found, §7.2.10) until the owner submits a configuration.
    static Room create(xmpp::Jid jid, const xmpp::Jid& creator, RoomConfig defaults,
                       ConfigLimits limits = {});

    // --- state -------------------------------------------------------------
    const xmpp::Jid& jid() const { return jid_; }
    const RoomConfig& config() const { return config_; }
    bool locked() const { return locked_; }
    const std::string& subject() const { return subject_; }
    const History& history() const { return history_; }
    std::size_t occupant_count() const { return occupants_.size(); }
    const std::map<std::string, Occupant>& occupants() const { return occupants_; }
    const Occupant* occupant(std::string_view nick) const;
    const Occupant* occupant_by_jid(const xmpp::Jid& full) const;
    Affiliation affiliation(const xmpp::Jid& user) const;  // by bare JID
    const std::map<std::string, AffiliationEntry>& affiliations() const { return affiliations_; }
    std::vector<xmpp::Jid> with_affiliation(Affiliation a) const;
    // Loading from storage: sets an affiliation with no checks and no presence.
    void restore_affiliation(const xmpp::Jid& user, Affiliation a, std::string nick = {},
                             std::string reason = {});
    void restore_subject(std::string subject, std::optional<xmpp::Jid> from,
                         std::optional<TimePoint> stamp);
    // XEP-0421: with a secret set (the service's), occupants who enter from
    // now on get an occupant id, shown in their presence and messages.
    void set_occupant_id_secret(std::string secret) { occupant_id_secret_ = std::move(secret); }
    bool occupant_ids() const { return !occupant_id_secret_.empty(); }

    // --- presence (presence.cpp) ------------------------------------------
    // Every presence to room@service/nick from `from`, dispatched by §17.3:
    // available from a non-occupant with <x muc/> enters (join); without it
    // the service answers with the kick of §7.2.18 (110, 307, 333); from an
    // occupant: same nick and <x muc/> re-synchronises (§17.3 rule 3), same
    // nick without it changes status (§7.7), another nick changes nickname
    // (§7.6); unavailable exits (§7.14) or is ignored from a non-occupant
    // (§17.3 rule 5); an error from an occupant's server removes that
    // resource with 333 (§11.1); any other type is ignored (§17.3 rules 1, 2, 4).
    Outcome handle_presence(const xmpp::Jid& from, std::string_view nick,
                            const xml::ElementRef& presence, TimePoint now);
    JoinResult join(const JoinRequest& request, TimePoint now);
    Outcome leave(const xmpp::Jid& from, const xml::Element* presence);
    Outcome change_nick(const xmpp::Jid& from, std::string_view new_nick,
                        const xml::ElementRef& presence);
    Outcome update_presence(const xmpp::Jid& from, const xml::ElementRef& presence);

    // --- messages (messages.cpp) -------------------------------------------
    // A message to room@service: groupchat to all occupants (§7.4), or a
    // subject change when it has <subject/> and neither <body/> nor <thread/>
    // (§8.1). History keeps messages with a <body/>. `archive_id` is a fresh
    // archive UID: when the room archives (muc#roomconfig_enablearchiving)
    // and the message belongs in its archive (XEP-0313 §6.1.2), the broadcast
    // carries <stanza-id id=archive_id by=room/> (XEP-0359 §4) and the
    // Outcome's `archived` is set. A <stanza-id/> the sender claimed by the
    // room is removed (XEP-0359 §5).
    Outcome groupchat_message(const xmpp::Jid& from, const xml::Element& message, TimePoint now,
                              const std::string& archive_id = {});
    // A message to room@service/nick (§7.5).
    Outcome private_message(const xmpp::Jid& from, std::string_view to_nick,
                            const xml::Element& message);
    Outcome change_subject(const xmpp::Jid& from, const xml::Element& message, TimePoint now);

    // --- requests (requests.cpp) --------------------------------------------
    // A message to room@service that is not groupchat (§17.2 rule 1): a
    // mediated invitation (§7.8.2), a decline (§7.8.2), a voice request from a
    // visitor or a moderator's approval of one (§8.6). bad-request for any
    // other message. `changed_affiliations` is set when an invitation to a
    // members-only room added the invitee to the member list.
    Outcome room_message(const xmpp::Jid& from, const xml::Element& message,
                         bool* changed_affiliations = nullptr);

    // --- muc#admin (moderation.cpp) ----------------------------------------
    // Each request is applied whole or not at all (§9.2: "SHOULD NOT apply
    // any of the requested changes").
    Outcome set_roles(const xmpp::Jid& actor, const std::vector<RoleItem>& items);
    Outcome set_affiliations(const xmpp::Jid& actor, const std::vector<AffiliationItem>& items);
    Outcome admin_set(const xmpp::Jid& actor, const xml::Element& query);
    // The answer to a muc#admin get (§8.5, §9.2, §9.5, §9.8, §10.5, §10.8): the
    // <query xmlns='muc#admin'> with the list asked for by its first <item/>.
    Result<xml::ElementPtr, xmpp::StanzaError> admin_get(const xmpp::Jid& actor,
                                                         const xml::Element& query) const;

    // --- XEP-0425 moderation (retraction.cpp) --------------------------------
    // Who may retract others' messages: an occupant whose role is moderator
    // (forbidden otherwise).
    Result<Moderator, xmpp::StanzaError> moderator(const xmpp::Jid& actor) const;
    // The announcement of §4 to every occupant: a groupchat message from the
    // room with <retract id=''><moderated by=''/><reason/></retract>, stamped
    // and archived under `archive_id` when the room archives, so that clients
    // catching up through the archive learn of it too.
    Outcome announce_retraction(const Moderator& by, const std::string& id,
                                const std::string& reason, TimePoint now,
                                const std::string& archive_id);

    // --- registration (registration.cpp) -----------------------------------
    // §7.10: the answer to an iq get jabber:iq:register: <registered/> with
    // <username/> when `from` has a reserved nickname, otherwise the
    // muc#register form (muc#register_roomnick required). forbidden for an
    // outcast, not-allowed for a non-member of a members-only room.
    Result<xml::ElementPtr, xmpp::StanzaError> register_get(const xmpp::Jid& from) const;
    // §7.10 set: the submitted form reserves muc#register_roomnick for
    // `from`'s bare JID and makes an unaffiliated user a member (presence
    // with the new affiliation to every occupant if they are in); <remove/>
    // cancels it. bad-request for a missing or invalid form or nickname,
    // conflict for a nickname reserved by or in use by someone else.
    // `changed_affiliations` is set when the stored affiliations changed.
    Outcome register_set(const xmpp::Jid& from, const xml::Element& query,
                         bool* changed_affiliations = nullptr);
    // The nickname reserved for `user`'s bare JID, "" if none (§7.12).
    std::string_view reserved_nick(const xmpp::Jid& user) const;
    // §7.12: <query xmlns='disco#info' node='x-roomuser-item'> with a
    // conference/text identity named after `from`'s reserved nickname, or empty.
    xml::ElementPtr reserved_nick_info(const xmpp::Jid& from) const;

    // --- muc#owner (owner.cpp) ---------------------------------------------
    // The <query xmlns='muc#owner'> with the configuration form (§10.1.3,
    // §10.2); forbidden for a non-owner.
    Result<xml::ElementPtr, xmpp::StanzaError> owner_get(const xmpp::Jid& actor) const;
    // A muc#owner set: a data form (configure) or <destroy/>.
    Outcome owner_set(const xmpp::Jid& actor, const xml::Element& query);
    Outcome configure(const xmpp::Jid& actor, const xml::Element& form);
    Outcome destroy(const xmpp::Jid& actor, const DestroyRequest& request);

private:
    // room.cpp: look-ups and fan-out.
    Occupant* find_by_jid(const xmpp::Jid& full);
    bool sees_jids(const Occupant& recipient) const;
    bool broadcasts(const Occupant& o) const;
    bool nick_reserved_by_other(std::string_view nick, const xmpp::Jid& bare) const;
    int owner_count() const;
    Affiliation affiliation_of(const Occupant& o) const { return affiliation(o.bare_jid); }
    // The presence of `subject` to every session in the room, the others
    // first and the subject's own sessions last: `codes` to everyone, 110
    // and `self_codes` added for the subject's sessions. Others get it only
    // when `to_others` (and then per presencebroadcast); the real JID goes to
    // those who may see it (§7.2.3, §7.2.4) and always to the subject.
    // `extra` is appended to every <x/> (the <destroy/> of §10.9).
    void fan_out_presence(Outbox& out, const Occupant& subject, const xml::Element* payload,
                          std::string_view type, ItemSpec item, std::vector<int> codes,
                          bool to_others, std::vector<int> self_codes = {},
                          xml::ElementPtr extra = nullptr) const;
    // The subject's current presence to one recipient (§7.2.2).
    xml::ElementPtr presence_of(const Occupant& subject, const Occupant& recipient) const;
    xml::ElementPtr subject_message() const;
    void remove_occupant(const std::string& nick);
    // Removes every session of `o` from the room with `codes` (kick 307, ban
    // 301, 321, 322), telling the occupant and then everyone else.
    void eject(Outbox& out, const std::string& nick, Affiliation shown, std::vector<int> codes,
               const std::string& actor_nick, const std::string& reason);
    // moderation.cpp: the effects of one committed affiliation change.
    void affiliation_changed(Outbox& out, const xmpp::Jid& bare, Affiliation old_affiliation,
                             const std::string& actor_nick, const std::string& reason);
    std::string actor_nick(const xmpp::Jid& actor) const;
    // registration.cpp: false when nicknames are locked down
    // (ConfigLimits::enforce_registered_nickname) and `bare` reserved another.
    bool may_use_nick(const xmpp::Jid& bare, std::string_view nick) const;
    // registration.cpp: why `user` may not register (§7.10), or nullopt.
    std::optional<xmpp::StanzaError> may_register(const xmpp::Jid& user) const;
    JoinResult resync(const Occupant& occupant, const JoinRequest& request, TimePoint now);

    xmpp::Jid jid_;
    RoomConfig config_;
    ConfigLimits limits_;
    bool locked_ = false;
    bool created_ = false;                                // 201 not yet sent to the creator
    std::map<std::string, Occupant> occupants_;           // by nickname, ordered for stable output
    std::unordered_map<xmpp::Jid, std::string> nick_of_;  // full JID -> nickname
    std::map<std::string, AffiliationEntry> affiliations_;  // by bare JID
    std::string subject_;
    std::optional<xmpp::Jid> subject_from_;  // occupant JID of whoever set it
    std::optional<TimePoint> subject_stamp_;
    History history_;
    std::string occupant_id_secret_;
};

}  // namespace parley::mod::muc
