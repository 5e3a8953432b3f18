// XEP-0045 Multi-User Chat v1.35.5: the non-groupchat messages a room acts on
// (§17.2 rule 1): §7.8.2 mediated invitations and declines, §8.6 voice
// requests and their approval.
#include <algorithm>

#include "modules/muc/data_form.hpp"
#include "modules/muc/room.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod::muc {

using xmpp::Condition;
using xmpp::Jid;
using xmpp::StanzaError;

namespace {

// <message from='room' to='...'> with the original's id (§7.8.2 examples).
xml::ElementPtr room_message_to(const Jid& room, const Jid& to, const xml::Element& original) {
    auto m = xml::Element::make("message", std::string(ns::client));
    m->set_attr("from", room.str());
    m->set_attr("to", to.str());
    if (auto id = original.attr("id")) {
        m->set_attr("id", std::string(*id));
    }
    return m;
}

// The muc#request form of a message (§8.6), or nullopt.
std::optional<form::Submitted> request_form(const xml::Element& message) {
    for (const auto* x : message.children("x", ns::data_forms)) {
        auto f = form::parse(*x);
        if (!f) {
            continue;
        }
        const auto* type = f->find("FORM_TYPE");
        if (type && !type->empty() && type->front() == ns::muc_request) {
            return std::move(*f);
        }
    }
    return std::nullopt;
}

std::string single(const form::Submitted& f, std::string_view var) {
    const auto* v = f.find(var);
    return v && !v->empty() ? v->front() : std::string();
}

}  // namespace

Outcome Room::room_message(const Jid& from, const xml::Element& message,
                           bool* changed_affiliations) {
    const auto* x = message.child("x", ns::muc_user);
    const Occupant* sender = occupant_by_jid(from);
    const std::string uns(ns::muc_user);

    // §7.8.2 decline: the invitee answers through the room, which passes it
    // to the inviter with the invitee's bare JID as 'from'.
    if (const auto* decline = x ? x->child("decline", ns::muc_user) : nullptr) {
        auto to = Jid::parse(decline->attr_or("to"));
        if (!to) {
            return refuse(StanzaError(Condition::jid_malformed, "A decline needs a 'to'"));
        }
        auto m = room_message_to(jid_, *to, message);
        auto& d = m->add("x", uns).add("decline", uns);
        d.set_attr("from", from.bare_str());
        if (auto reason = decline->child_text("reason", ns::muc_user)) {
            d.add_text_child("reason", uns, *reason);
        }
        Outcome o;
        o.out.push_back({*to, m});
        return o;
    }

    // §7.8.2 mediated invitation: one message per <invite/>.
    if (x != nullptr && x->child("invite", ns::muc_user) != nullptr) {
        if (sender == nullptr) {
            return refuse(StanzaError(Condition::not_acceptable, "Only occupants may invite"));
        }
        const Affiliation aff = affiliation_of(*sender);
        // "Invitation privileges in members-only rooms SHOULD be restricted to
        // room admins" unless the owner allowed occupants to invite
        // (muc#roomconfig_allowinvites); in an open room any occupant may.
        const bool privileged = aff >= Affiliation::admin;
        if (config_.members_only && !privileged && !config_.allow_invites) {
            return refuse(StanzaError(Condition::forbidden, "Only admins may invite"));
        }
        if (!role_has(sender->role, RolePrivilege::invite_other_users)) {
            return refuse(StanzaError(Condition::forbidden));
        }
        const auto invites = x->children("invite", ns::muc_user);
        std::vector<Jid> invitees;
        for (const auto* invite : invites) {
            auto to = Jid::parse(invite->attr_or("to"));
            if (!to) {
                return refuse(StanzaError(Condition::jid_malformed, "An invite needs a 'to'"));
            }
            invitees.push_back(*to);
        }
        Outcome o;
        for (std::size_t i = 0; i < invites.size(); ++i) {
            const Jid& to = invitees[i];
            // "If the room is members-only, the service MAY also add the
            // invitee to the member list": otherwise the invitation could
            // not be accepted.
            if (config_.members_only && affiliation(to) == Affiliation::none) {
                restore_affiliation(to.bare(), Affiliation::member);
                if (changed_affiliations != nullptr) {
                    *changed_affiliations = true;
                }
            }
            auto m = room_message_to(jid_, to, message);
            auto& out_x = m->add("x", uns);
            auto& inv = out_x.add("invite", uns);
            inv.set_attr("from", from.str());
            if (auto reason = invites[i]->child_text("reason", ns::muc_user)) {
                inv.add_text_child("reason", uns, *reason);
            }
            if (config_.password_protected) {
                out_x.add_text_child("password", uns, config_.password);
            }
            o.out.push_back({to, m});
        }
        return o;
    }

    // §8.6 voice requests: a visitor asks, the moderators get a form; a
    // moderator who submits it with muc#request_allow grants voice.
    if (auto f = request_form(message)) {
        if (sender == nullptr) {
            return refuse(StanzaError(Condition::not_acceptable, "Not in the room"));
        }
        const auto allow = form::parse_boolean(single(*f, "muc#request_allow"));
        if (allow.has_value()) {
            if (sender->role != Role::moderator) {
                return refuse(StanzaError(Condition::forbidden));
            }
            if (!*allow) {
                return {};  // the moderator declined the request
            }
            return set_roles(from, {RoleItem{single(*f, "muc#roomnick"), Role::participant, ""}});
        }
        if (single(*f, "muc#role") != to_string(Role::participant) ||
            sender->role != Role::visitor) {
            return {};  // nothing to grant: only a visitor may ask for voice
        }
        std::vector<form::Field> fields{
            {"FORM_TYPE", "hidden", "", {std::string(ns::muc_request)}, {}},
            {"muc#role", "list-single", "Requested role", {"participant"}, {}},
            {"muc#jid", "jid-single", "User ID", {from.str()}, {}},
            {"muc#roomnick", "text-single", "Room Nickname", {sender->nick}, {}},
            {"muc#request_allow", "boolean", "Grant voice to this person?", {"false"}, {}},
        };
        const xml::ElementPtr request = form::build(
            "form", "Voice request",
            "To approve this request for voice, select the \"Grant voice to this person?\" "
            "checkbox and click OK. To skip this request, click the cancel button.",
            fields);
        Outcome o;
        for (const auto& [nick, occupant] : occupants_) {
            if (occupant.role != Role::moderator) {
                continue;
            }
            for (const auto& s : occupant.sessions) {
                auto m = room_message_to(jid_, s.jid, message);
                m->add_child(request);  // shared, never changed
                o.out.push_back({s.jid, m});
            }
        }
        return o;
    }
    return refuse(StanzaError(Condition::bad_request));  // §17.2 rule 1
}

}  // namespace parley::mod::muc
