// XEP-0045 §5: the role and affiliation tables, row by row, and the rules for
// changing them (§5.1.3, §5.2.2, §8.2-§8.4, §9.1, §9.6-§9.7, §10.5, §10.8).
#include "modules/muc/affiliation.hpp"

#include <gtest/gtest.h>

namespace parley::mod::muc {
namespace {

using xmpp::Condition;
using A = Affiliation;
using P = RolePrivilege;
using AP = AffiliationPrivilege;

TEST(MucRoles, Xep0045_5_StringsRoundTrip) {
    for (auto r : {Role::none, Role::visitor, Role::participant, Role::moderator}) {
        EXPECT_EQ(parse_role(to_string(r)), r);
    }
    for (auto a : {A::outcast, A::none, A::member, A::admin, A::owner}) {
        EXPECT_EQ(parse_affiliation(to_string(a)), a);
    }
    EXPECT_EQ(to_string(Role::participant), "participant");
    EXPECT_EQ(to_string(A::outcast), "outcast");
    EXPECT_FALSE(parse_role("Moderator"));  // values are case-sensitive
    EXPECT_FALSE(parse_affiliation("banned"));
    EXPECT_FALSE(parse_role(""));
}

TEST(MucRoles, Xep0045_5_1_1_PrivilegesAssociatedWithRoles) {
    // Columns: None, Visitor, Participant, Moderator (defaults, "*" as shown).
    struct Row {
        P privilege;
        bool none, visitor, participant, moderator;
    };
    const Row table[] = {
        {P::present_in_room, false, true, true, true},
        {P::receive_messages, false, true, true, true},
        {P::receive_occupant_presence, false, true, true, true},
        {P::broadcast_presence, false, true, true, true},
        {P::change_availability, false, true, true, true},
        {P::change_nickname, false, true, true, true},
        {P::send_private_messages, false, true, true, true},
        {P::invite_other_users, false, true, true, true},
        {P::send_messages_to_all, false, false, true, true},
        {P::modify_subject, false, false, true, true},
        {P::kick_participants_and_visitors, false, false, false, true},
        {P::grant_voice, false, false, false, true},
        {P::revoke_voice, false, false, false, true},
    };
    for (const auto& row : table) {
        SCOPED_TRACE(static_cast<int>(row.privilege));
        EXPECT_EQ(role_has(Role::none, row.privilege), row.none);
        EXPECT_EQ(role_has(Role::visitor, row.privilege), row.visitor);
        EXPECT_EQ(role_has(Role::participant, row.privilege), row.participant);
        EXPECT_EQ(role_has(Role::moderator, row.privilege), row.moderator);
    }
}

TEST(MucAffiliations, Xep0045_5_2_1_PrivilegesAssociatedWithAffiliations) {
    // Columns: Outcast, None, Member, Admin, Owner ("N/A" read as No).
    struct Row {
        AP privilege;
        bool outcast, none, member, admin, owner;
    };
    const Row table[] = {
        {AP::enter_open_room, false, true, true, true, true},
        {AP::register_with_open_room, false, true, false, false, false},
        {AP::retrieve_member_list, false, false, true, true, true},
        {AP::enter_members_only_room, false, false, true, true, true},
        {AP::ban_members_and_unaffiliated, false, false, false, true, true},
        {AP::edit_member_list, false, false, false, true, true},
        {AP::assign_and_remove_moderator_role, false, false, false, true, true},
        {AP::edit_admin_list, false, false, false, false, true},
        {AP::edit_owner_list, false, false, false, false, true},
        {AP::change_room_configuration, false, false, false, false, true},
        {AP::destroy_room, false, false, false, false, true},
    };
    for (const auto& row : table) {
        SCOPED_TRACE(static_cast<int>(row.privilege));
        EXPECT_EQ(affiliation_has(A::outcast, row.privilege), row.outcast);
        EXPECT_EQ(affiliation_has(A::none, row.privilege), row.none);
        EXPECT_EQ(affiliation_has(A::member, row.privilege), row.member);
        EXPECT_EQ(affiliation_has(A::admin, row.privilege), row.admin);
        EXPECT_EQ(affiliation_has(A::owner, row.privilege), row.owner);
    }
}

TEST(MucRoles, Xep0045_5_1_2_InitialRoleBasedOnAffiliation) {
    // Moderated (open) room.
    EXPECT_EQ(default_role(A::none, true, false), Role::visitor);
    EXPECT_EQ(default_role(A::member, true, false), Role::participant);
    EXPECT_EQ(default_role(A::admin, true, false), Role::moderator);
    EXPECT_EQ(default_role(A::owner, true, false), Role::moderator);
    // Unmoderated (open) room.
    EXPECT_EQ(default_role(A::none, false, false), Role::participant);
    EXPECT_EQ(default_role(A::member, false, false), Role::participant);
    EXPECT_EQ(default_role(A::admin, false, false), Role::moderator);
    EXPECT_EQ(default_role(A::owner, false, false), Role::moderator);
    // Members-only: "N/A *: Entry is not permitted" for no affiliation.
    EXPECT_EQ(default_role(A::none, false, true), std::nullopt);
    EXPECT_EQ(default_role(A::member, false, true), Role::participant);
    EXPECT_EQ(default_role(A::admin, true, true), Role::moderator);
    EXPECT_EQ(default_role(A::owner, false, true), Role::moderator);
    // "there is no role associated with the outcast affiliation".
    EXPECT_EQ(default_role(A::outcast, false, false), std::nullopt);
}

TEST(MucRoles, Xep0045_8_OnlyModeratorsChangeRoles) {
    EXPECT_EQ(
        check_role_change({A::owner, Role::participant}, A::none, Role::participant, Role::none),
        Condition::forbidden);
    EXPECT_EQ(
        check_role_change({A::none, Role::visitor}, A::none, Role::visitor, Role::participant),
        Condition::forbidden);
}

TEST(MucRoles, Xep0045_8_2_KickRules) {
    const Actor member_mod{A::member, Role::moderator};
    const Actor admin{A::admin, Role::moderator};
    const Actor owner{A::owner, Role::moderator};
    EXPECT_EQ(check_role_change(member_mod, A::none, Role::participant, Role::none), std::nullopt);
    EXPECT_EQ(check_role_change(member_mod, A::member, Role::visitor, Role::none), std::nullopt);
    // "if a moderator who is a member attempts to kick an admin, or a moderator
    // who is a member or admin attempts to kick an owner ... not-allowed".
    EXPECT_EQ(check_role_change(member_mod, A::admin, Role::participant, Role::none),
              Condition::not_allowed);
    EXPECT_EQ(check_role_change(admin, A::owner, Role::moderator, Role::none),
              Condition::not_allowed);
    // An owner is never kicked, even by another owner.
    EXPECT_EQ(check_role_change(owner, A::owner, Role::participant, Role::none),
              Condition::not_allowed);
    // Kicking a moderator takes an admin or owner (§5.1.3 state chart).
    EXPECT_EQ(check_role_change(member_mod, A::none, Role::moderator, Role::none),
              Condition::forbidden);
    EXPECT_EQ(check_role_change(admin, A::none, Role::moderator, Role::none), std::nullopt);
    EXPECT_EQ(check_role_change(owner, A::admin, Role::moderator, Role::none), std::nullopt);
}

TEST(MucRoles, Xep0045_8_3_And_8_4_VoiceRules) {
    const Actor mod{A::none, Role::moderator};
    EXPECT_EQ(check_role_change(mod, A::none, Role::visitor, Role::participant), std::nullopt);
    EXPECT_EQ(check_role_change(mod, A::none, Role::participant, Role::visitor), std::nullopt);
    // §8.4: nobody removes the voice of an admin or owner.
    EXPECT_EQ(
        check_role_change({A::owner, Role::moderator}, A::admin, Role::participant, Role::visitor),
        Condition::not_allowed);
    // §5.1.1 ***: not from a user of higher affiliation.
    EXPECT_EQ(check_role_change(mod, A::member, Role::participant, Role::visitor),
              Condition::not_allowed);
    EXPECT_EQ(check_role_change({A::member, Role::moderator}, A::member, Role::participant,
                                Role::visitor),
              std::nullopt);
}

TEST(MucRoles, Xep0045_9_6_And_9_7_ModeratorStatus) {
    // §9.6: granting moderator status is an admin privilege.
    EXPECT_EQ(check_role_change({A::member, Role::moderator}, A::none, Role::participant,
                                Role::moderator),
              Condition::forbidden);
    EXPECT_EQ(
        check_role_change({A::admin, Role::moderator}, A::none, Role::participant, Role::moderator),
        std::nullopt);
    // §9.7: "an admin MUST NOT be allowed to revoke moderator status from a user
    // whose affiliation is owner or admin".
    EXPECT_EQ(check_role_change({A::admin, Role::moderator}, A::admin, Role::moderator,
                                Role::participant),
              Condition::not_allowed);
    EXPECT_EQ(check_role_change({A::owner, Role::moderator}, A::owner, Role::moderator,
                                Role::participant),
              Condition::not_allowed);
    EXPECT_EQ(check_role_change({A::admin, Role::moderator}, A::member, Role::moderator,
                                Role::participant),
              std::nullopt);
    // No change is always fine for a moderator.
    EXPECT_EQ(
        check_role_change({A::none, Role::moderator}, A::owner, Role::moderator, Role::moderator),
        std::nullopt);
}

TEST(MucAffiliations, Xep0045_5_2_2_AffiliationStateChart) {
    // Admin or owner: ban, unban, add and remove members.
    for (auto actor : {A::admin, A::owner}) {
        for (auto from : {A::outcast, A::none, A::member}) {
            for (auto to : {A::outcast, A::none, A::member}) {
                EXPECT_EQ(check_affiliation_change(actor, from, to), std::nullopt);
            }
        }
    }
    // Only owners touch the admin and owner lists (§10.5, §10.8: forbidden).
    EXPECT_EQ(check_affiliation_change(A::admin, A::member, A::admin), Condition::forbidden);
    EXPECT_EQ(check_affiliation_change(A::admin, A::none, A::owner), Condition::forbidden);
    EXPECT_EQ(check_affiliation_change(A::owner, A::member, A::admin), std::nullopt);
    EXPECT_EQ(check_affiliation_change(A::owner, A::admin, A::owner), std::nullopt);
    EXPECT_EQ(check_affiliation_change(A::owner, A::owner, A::outcast), std::nullopt);
    // §9.1: an admin cannot ban (or demote) an owner or another admin.
    EXPECT_EQ(check_affiliation_change(A::admin, A::owner, A::outcast), Condition::not_allowed);
    EXPECT_EQ(check_affiliation_change(A::admin, A::admin, A::none), Condition::not_allowed);
    // §9 intro: members and the unaffiliated may not.
    EXPECT_EQ(check_affiliation_change(A::member, A::none, A::outcast), Condition::forbidden);
    EXPECT_EQ(check_affiliation_change(A::none, A::none, A::member), Condition::forbidden);
}

}  // namespace
}  // namespace parley::mod::muc
