// XEP-0045 Multi-User Chat v1.35.5 §5: roles and affiliations, the privileges
// each carries (§5.1.1, §5.2.1), the role an affiliation enters with
// (§5.1.2), and who may change whose role (§5.1.3, §8.2-§8.4, §9.6-§9.7) or
// affiliation (§5.2.2, §9.1-§9.5, §10.3-§10.8).
//
// Section numbers in this folder are those of XEP-0045 v1.35.5, where §7.2
// starts with "Basic MUC Protocol" (older revisions numbered §7.2 one higher
// because "Groupchat 1.0 Protocol" came first); the anchor names
// (#enter-conflict, #kick ...) are given where a number might be ambiguous.
//
// Pure functions over values; safe from any thread.
#pragma once

#include <optional>
#include <string_view>

#include "xmpp/stanza_error.hpp"

namespace parley::mod::muc {

// §5.2: long-lived, kept per bare JID. Declared in rank order so that the
// built-in comparisons follow the hierarchy of §5.2.1 (outcast lowest).
enum class Affiliation { outcast, none, member, admin, owner };
// §5.1: per visit, kept per occupant. Rank order of §5.1.1 (none lowest).
enum class Role { none, visitor, participant, moderator };

std::string_view to_string(Affiliation a);
std::string_view to_string(Role r);
std::optional<Affiliation> parse_affiliation(std::string_view s);
std::optional<Role> parse_role(std::string_view s);

// The rows of the table "Privileges Associated With Roles" (§5.1.1).
enum class RolePrivilege {
    present_in_room,
    receive_messages,
    receive_occupant_presence,
    broadcast_presence,
    change_availability,
    change_nickname,
    send_private_messages,
    invite_other_users,
    send_messages_to_all,
    modify_subject,
    kick_participants_and_visitors,
    grant_voice,
    revoke_voice,
};
// The table's defaults ("*" entries as the table shows them); room
// configuration overrides some of them (changesubject, allowpm,
// allowinvites, presencebroadcast), which Room applies on top.
bool role_has(Role r, RolePrivilege p);

// The rows of the table "Privileges Associated With Affiliations" (§5.2.1).
enum class AffiliationPrivilege {
    enter_open_room,
    register_with_open_room,
    retrieve_member_list,
    enter_members_only_room,
    ban_members_and_unaffiliated,
    edit_member_list,
    assign_and_remove_moderator_role,
    edit_admin_list,
    edit_owner_list,
    change_room_configuration,
    destroy_room,
};
bool affiliation_has(Affiliation a, AffiliationPrivilege p);

// §5.1.2 "Initial Role Based on Affiliation": nullopt where entry is not
// permitted (an outcast anywhere; no affiliation in a members-only room).
std::optional<Role> default_role(Affiliation a, bool moderated, bool members_only);

// Who asks for a change: the requester's affiliation with the room and, for
// role changes, the role of the requester's occupant (none if not in the room).
struct Actor {
    Affiliation affiliation = Affiliation::none;
    Role role = Role::none;
};

// May `actor` set the role of an occupant with (`target_affiliation`,
// `target_role`) to `new_role`? nullopt when allowed, otherwise the error
// condition to return:
//   forbidden    the actor lacks the privilege (not a moderator, §8 intro; or
//                not an admin/owner when moderator status is involved, §9 intro)
//   not_allowed  the target is protected: an owner can never be kicked, nor
//                can an admin or owner lose voice or moderator status (§8.4,
//                §9.7); nobody is kicked by a moderator of lower affiliation
//                (§8.2)
std::optional<xmpp::Condition> check_role_change(Actor actor, Affiliation target_affiliation,
                                                 Role target_role, Role new_role);

// May an actor with `actor` affiliation change a user's affiliation from
// `current` to `wanted` (§5.2.2 state chart)? nullopt when allowed:
//   forbidden    the actor is not an admin or owner (§9 intro), or a
//                non-owner touches the admin or owner lists (§10.5, §10.8)
//   not_allowed  an admin acts on an admin or owner (§9.1: "a user cannot be
//                banned by an admin with a lower affiliation")
// The rules that need more than the two affiliations (banning oneself,
// removing the last owner: conflict) are checked by Room.
std::optional<xmpp::Condition> check_affiliation_change(Affiliation actor, Affiliation current,
                                                        Affiliation wanted);

}  // namespace parley::mod::muc
