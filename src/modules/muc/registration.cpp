// XEP-0045 Multi-User Chat v1.35.5 §7.10 "Registering with a Room" (the
// muc#register form over XEP-0077 jabber:iq:register) and §7.12
// "Discovering Reserved Room Nickname" (disco#info node x-roomuser-item).
//
// A registration is the user's affiliation entry with a reserved nickname
// (AffiliationEntry::nick), the same field §9.5 lets admins set on the member
// list, so it is stored with the room's affiliations and enforced on entry
// (§7.2.8) and on nickname change (§7.6) by nick_reserved_by_other().
//
// Policy, as Prosody's mod_muc (plugins/muc/register.lib.lua) does it with
// allow_unaffiliated_register on: registering makes an unaffiliated user a
// member at once (§7.10: the service "MAY immediately add the user to the
// member list"; no approval step), and keeps a higher affiliation as it is;
// <remove/> ends the registration: the reserved nickname goes and a member
// becomes unaffiliated (an admin or owner stays one). Outcasts may not
// register (forbidden), and in a members-only room only those already on the
// member list may (§7.10: "not allowed to register ... <not-allowed/>";
// "it is not possible to join a members-only room without being on the
// member list").
#include "modules/muc/data_form.hpp"
#include "modules/muc/room.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod::muc {

using xmpp::Condition;
using xmpp::Jid;
using xmpp::StanzaError;

namespace {

constexpr std::string_view kRoomNickField = "muc#register_roomnick";

}  // namespace

std::string_view Room::reserved_nick(const Jid& user) const {
    auto it = affiliations_.find(user.bare_str());
    return it == affiliations_.end() ? std::string_view() : std::string_view(it->second.nick);
}

bool Room::may_use_nick(const Jid& bare, std::string_view nick) const {
    if (!limits_.enforce_registered_nickname) {
        return true;
    }
    const std::string_view reserved = reserved_nick(bare);
    return reserved.empty() || reserved == nick;
}

std::optional<StanzaError> Room::may_register(const Jid& user) const {
    const Affiliation aff = affiliation(user);
    if (aff == Affiliation::outcast) {
        return StanzaError(Condition::forbidden);  // §5.2.1: an outcast has no privilege
    }
    if (config_.members_only && aff < Affiliation::member) {
        // §7.10 first paragraph; §5.2.1 grants "register with an open room" only.
        return StanzaError(Condition::not_allowed, "Only members may register with this room");
    }
    return std::nullopt;
}

Result<xml::ElementPtr, StanzaError> Room::register_get(const Jid& from) const {
    if (auto refused = may_register(from)) {
        return fail(*refused);
    }
    const std::string rns(ns::register_);
    auto q = xml::Element::make("query", rns);
    if (const std::string_view nick = reserved_nick(from); !nick.empty()) {
        // §7.10: "If the user is already registered, the room MUST reply with
        // ... <registered/>" (XEP-0077 §3.1), with the nickname as <username/>
        // as Prosody does.
        q->add("registered", rns);
        q->add_text_child("username", rns, std::string(nick));
        return q;
    }
    // §7.10 "Service Returns Registration Form". Only the nickname is asked
    // for: it is the one field the room keeps (the other muc#register fields
    // of §15.5.2 are optional and Prosody does not ask for them either).
    q->add_text_child("instructions", rns,
                      "Choose the nickname to reserve in this room; it makes you a member.");
    const std::string title =
        (config_.name.empty() ? std::string(jid_.local()) : config_.name) + " registration";
    auto x = form::build("form", title, "",
                         {{"FORM_TYPE", "hidden", "", {std::string(ns::muc_register)}, {}}});
    const std::string dns(ns::data_forms);
    auto& field = x->add("field", dns);
    field.set_attr("var", std::string(kRoomNickField));
    field.set_attr("type", "text-single");
    field.set_attr("label", "Desired Nickname");
    field.add("required", dns);
    q->add_child(std::move(x));
    return q;
}

Outcome Room::register_set(const Jid& from, const xml::Element& query,
                           bool* changed_affiliations) {
    if (auto refused = may_register(from)) {
        return refuse(*refused);
    }
    const Jid bare = from.bare();
    auto existing = affiliations_.find(bare.str());
    const Affiliation before =
        existing != affiliations_.end() ? existing->second.affiliation : Affiliation::none;
    std::string reason = existing != affiliations_.end() ? existing->second.reason : "";
    Outcome o;
    if (query.child("remove", ns::register_) != nullptr) {
        // XEP-0077 §3.2 cancellation, as Prosody does it for rooms: a member
        // is a member by registration and stops being one.
        if (existing == affiliations_.end()) {
            return o;  // nothing registered: nothing to cancel
        }
        const Affiliation after = before == Affiliation::member ? Affiliation::none : before;
        restore_affiliation(bare, after, {}, std::move(reason));
        affiliation_changed(o.out, bare, before, {}, {});
        if (changed_affiliations != nullptr) {
            *changed_affiliations = true;
        }
        return o;
    }
    const auto* x = query.child("x", ns::data_forms);
    if (x == nullptr) {
        return refuse(StanzaError(Condition::bad_request, "The muc#register form is missing"));
    }
    auto submitted = form::parse(*x);
    if (!submitted) {
        return refuse(submitted.error());
    }
    if (submitted->type == "cancel") {
        return o;  // XEP-0004 §3.1: the requester gave up; nothing changes
    }
    const auto* form_type = submitted->find("FORM_TYPE");
    if (submitted->type != "submit" || form_type == nullptr || form_type->size() != 1 ||
        form_type->front() != ns::muc_register) {
        return refuse(StanzaError(Condition::bad_request, "Not a muc#register form"));  // §7.10
    }
    const auto* nick_values = submitted->find(kRoomNickField);
    if (nick_values == nullptr || nick_values->size() != 1) {
        return refuse(StanzaError(Condition::bad_request, "A nickname is required"));  // §7.10
    }
    auto nick = normalize_nick(nick_values->front());
    if (!nick) {
        return refuse(StanzaError(Condition::bad_request, "Invalid nickname"));  // §7.10
    }
    // §7.10: "If the desired room nickname is already reserved for that room,
    // the room MUST return a <conflict/> error"; a nickname someone else is
    // using in the room right now is refused too (Prosody).
    const Occupant* in_use = occupant(*nick);
    if ((in_use != nullptr && in_use->bare_jid != bare) || nick_reserved_by_other(*nick, bare)) {
        return refuse(StanzaError(Condition::conflict, "That nickname is reserved"));
    }
    if (existing != affiliations_.end() && existing->second.nick == *nick) {
        return o;  // already registered with this nickname
    }
    const Affiliation after = std::max(before, Affiliation::member);
    restore_affiliation(bare, after, std::move(*nick), std::move(reason));
    // §7.10: the new member's presence goes to every occupant if they are in.
    affiliation_changed(o.out, bare, before, {}, {});
    if (changed_affiliations != nullptr) {
        *changed_affiliations = true;
    }
    return o;
}

xml::ElementPtr Room::reserved_nick_info(const Jid& from) const {
    const std::string dns(ns::disco_info);
    auto q = xml::Element::make("query", dns);
    q->set_attr("node", std::string(kRoomUserItemNode));
    // §7.12: the nickname as the name of a conference/text identity; "If the
    // user does not have a registered nickname ... empty".
    if (const std::string_view nick = reserved_nick(from); !nick.empty()) {
        auto& id = q->add("identity", dns);
        id.set_attr("category", std::string(ns::conference_category));
        id.set_attr("type", std::string(ns::conference_type_text));
        id.set_attr("name", std::string(nick));
    }
    return q;
}

}  // namespace parley::mod::muc
