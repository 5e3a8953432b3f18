// XEP-0045 Multi-User Chat v1.35.5: §5.1.1 role privileges, §5.1.2 default
// roles, §5.1.3 role state chart, §5.2.1 affiliation privileges, §5.2.2
// affiliation state chart, with the refinements of §8.2, §8.4, §9.1, §9.7,
// §10.5 and §10.8.
#include "modules/muc/affiliation.hpp"

namespace parley::mod::muc {

using xmpp::Condition;

std::string_view to_string(Affiliation a) {
    switch (a) {
        case Affiliation::owner:
            return "owner";
        case Affiliation::admin:
            return "admin";
        case Affiliation::member:
            return "member";
        case Affiliation::outcast:
            return "outcast";
        case Affiliation::none:
            break;
    }
    return "none";
}

std::string_view to_string(Role r) {
    switch (r) {
        case Role::moderator:
            return "moderator";
        case Role::participant:
            return "participant";
        case Role::visitor:
            return "visitor";
        case Role::none:
            break;
    }
    return "none";
}

std::optional<Affiliation> parse_affiliation(std::string_view s) {
    for (auto a : {Affiliation::owner, Affiliation::admin, Affiliation::member, Affiliation::none,
                   Affiliation::outcast}) {
        if (s == to_string(a)) {
            return a;
        }
    }
    return std::nullopt;
}

std::optional<Role> parse_role(std::string_view s) {
    for (auto r : {Role::moderator, Role::participant, Role::visitor, Role::none}) {
        if (s == to_string(r)) {
            return r;
        }
    }
    return std::nullopt;
}

bool role_has(Role r, RolePrivilege p) {
    // §5.1.1: "each role has all the privileges possessed by the next-lowest
    // role", so every row is a threshold.
    Role lowest = Role::moderator;
    switch (p) {
        case RolePrivilege::present_in_room:
        case RolePrivilege::receive_messages:
        case RolePrivilege::receive_occupant_presence:
        case RolePrivilege::broadcast_presence:
        case RolePrivilege::change_availability:
        case RolePrivilege::change_nickname:
        case RolePrivilege::send_private_messages:
        case RolePrivilege::invite_other_users:
            lowest = Role::visitor;
            break;
        case RolePrivilege::send_messages_to_all:
        case RolePrivilege::modify_subject:
            lowest = Role::participant;
            break;
        case RolePrivilege::kick_participants_and_visitors:
        case RolePrivilege::grant_voice:
        case RolePrivilege::revoke_voice:
            lowest = Role::moderator;
            break;
    }
    return r >= lowest;
}

bool affiliation_has(Affiliation a, AffiliationPrivilege p) {
    switch (p) {
        case AffiliationPrivilege::enter_open_room:
            return a >= Affiliation::none;
        case AffiliationPrivilege::register_with_open_room:
            return a == Affiliation::none;  // "N/A" for those already affiliated
        case AffiliationPrivilege::retrieve_member_list:
        case AffiliationPrivilege::enter_members_only_room:
            return a >= Affiliation::member;
        case AffiliationPrivilege::ban_members_and_unaffiliated:
        case AffiliationPrivilege::edit_member_list:
        case AffiliationPrivilege::assign_and_remove_moderator_role:
            return a >= Affiliation::admin;
        case AffiliationPrivilege::edit_admin_list:
        case AffiliationPrivilege::edit_owner_list:
        case AffiliationPrivilege::change_room_configuration:
        case AffiliationPrivilege::destroy_room:
            return a == Affiliation::owner;
    }
    return false;
}

std::optional<Role> default_role(Affiliation a, bool moderated, bool members_only) {
    switch (a) {
        case Affiliation::owner:
        case Affiliation::admin:
            return Role::moderator;
        case Affiliation::member:
            return Role::participant;
        case Affiliation::none:
            if (members_only) {
                return std::nullopt;  // "N/A *: Entry is not permitted"
            }
            return moderated ? Role::visitor : Role::participant;
        case Affiliation::outcast:
            break;
    }
    return std::nullopt;  // "there is no role associated with the outcast affiliation"
}

std::optional<Condition> check_role_change(Actor actor, Affiliation target_affiliation,
                                           Role target_role, Role new_role) {
    // §8 intro: every moderator use case is denied with forbidden unless the
    // requester is a moderator.
    if (actor.role != Role::moderator) {
        return Condition::forbidden;
    }
    if (new_role == target_role) {
        return std::nullopt;  // nothing changes
    }
    // §5.2.1 "Assign and Remove Moderator Role" is an admin/owner privilege
    // (§9.6, §9.7); this also covers kicking a moderator (§5.1.3 state chart:
    // "be kicked by an admin or owner").
    const bool moderator_involved = target_role == Role::moderator || new_role == Role::moderator;
    if (moderator_involved && actor.affiliation < Affiliation::admin) {
        return Condition::forbidden;
    }
    if (new_role == Role::none) {
        // §8.2: "A user cannot be kicked by a moderator with a lower
        // affiliation"; an owner is never kicked (the room's control model
        // rests on its owners, §10 intro).
        if (target_affiliation == Affiliation::owner || target_affiliation > actor.affiliation) {
            return Condition::not_allowed;
        }
        return std::nullopt;
    }
    // §8.4: "a service MUST NOT allow the voice privileges of an admin or
    // owner to be removed by anyone"; §9.7: nor their moderator status.
    if (target_affiliation >= Affiliation::admin && new_role < target_role) {
        return Condition::not_allowed;
    }
    // §5.1.1 note ***, §5.1.3 note *: not from a user of higher affiliation.
    // (§8.4 says "at or above"; we follow the two tables, which say
    // "higher", so that an unaffiliated moderator can still silence an
    // unaffiliated participant, as Prosody and ejabberd allow.)
    if (new_role < target_role && target_affiliation > actor.affiliation) {
        return Condition::not_allowed;
    }
    return std::nullopt;
}

std::optional<Condition> check_affiliation_change(Affiliation actor, Affiliation current,
                                                  Affiliation wanted) {
    if (actor < Affiliation::admin) {
        return Condition::forbidden;  // §9 intro
    }
    if (current == wanted || actor == Affiliation::owner) {
        return std::nullopt;  // §5.2.2: an owner may make every transition
    }
    // The actor is an admin.
    if (wanted >= Affiliation::admin) {
        return Condition::forbidden;  // §10.5, §10.8: only owners edit those lists
    }
    if (current >= Affiliation::admin) {
        return Condition::not_allowed;  // §9.1, §5.2.2: "Owner applies ban" etc.
    }
    return std::nullopt;
}

}  // namespace parley::mod::muc
