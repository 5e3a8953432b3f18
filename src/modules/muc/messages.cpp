// XEP-0045 Multi-User Chat v1.35.5: §7.4 sending a message to all occupants,
// §7.5 sending a private message, §8.1 modifying the room subject (and §7.3),
// §17.2 message business rules.
#include "modules/muc/room.hpp"

#include "modules/archive/archiving.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod::muc {

using xmpp::Condition;
using xmpp::Jid;
using xmpp::StanzaError;

namespace {

// A copy of `message` as the room sends it: from the occupant JID, no 'to'
// (added per recipient), the rest untouched (§7.4: the service "MUST change
// the 'from' attribute to the sender's occupant JID"; §17.2 rule 4: extended
// content passes through; the 'id' is kept, §7.4 and muc#stable_id).
// XEP-0359 §5: a <stanza-id/> that claims to be by the room did not come
// from it and is removed (others are kept). XEP-0421 §4: any <occupant-id/>
// the sender put in is removed, and the sender's own is added.
xml::ElementPtr reflected(const xml::Element& message, const Occupant& sender) {
    auto copy = message.shallow_copy();
    copy->remove_attr("to");
    copy->set_attr("from", sender.occupant_jid.str());
    const std::string room = sender.occupant_jid.bare_str();
    std::vector<xml::ElementPtr> keep;
    bool forged = false;
    for (const auto& node : message.nodes()) {
        const auto* child = std::get_if<xml::ElementPtr>(&node);
        if (child == nullptr || !(*child)->is("stanza-id", ns::sid)) {
            continue;
        }
        if ((*child)->attr_or("by") == room) {
            forged = true;
        } else {
            keep.push_back(*child);
        }
    }
    if (forged) {
        copy->remove_children("stanza-id", ns::sid);
        for (const auto& k : keep) {
            copy->add_child(k);
        }
    }
    copy->remove_children("occupant-id", ns::occupant_id);
    if (!sender.occupant_id.empty()) {
        copy->add_child(occupant_id_element(sender.occupant_id));
    }
    return copy;
}

bool is_subject_change(const xml::Element& m) {
    // §8.1: <subject/> without <body/> or <thread/>; any other message with a
    // subject "SHALL NOT be interpreted as a subject change".
    return m.child("subject", ns::client) != nullptr && m.child("body", ns::client) == nullptr &&
           m.child("thread", ns::client) == nullptr;
}

}  // namespace

Outcome Room::groupchat_message(const Jid& from, const xml::Element& message, TimePoint now,
                                const std::string& archive_id) {
    if (message.attr_or("type") != "groupchat") {
        // §17.2 rule 1: the service MAY reject improperly typed messages.
        // (Invitations and voice requests to the room are normal messages the
        // service handles before it gets here.)
        return refuse(StanzaError(Condition::bad_request));
    }
    const Occupant* sender = occupant_by_jid(from);
    if (sender == nullptr) {
        return refuse(StanzaError(Condition::not_acceptable));  // §7.4 non-occupant
    }
    if (is_subject_change(message)) {
        return change_subject(from, message, now);
    }
    // §7.4: a visitor (no voice) gets forbidden; §5.1.1 "Send Messages to All".
    if (!role_has(sender->role, RolePrivilege::send_messages_to_all)) {
        return refuse(StanzaError(Condition::forbidden));
    }
    auto copy = reflected(message, *sender);
    Outcome o;
    if (config_.archiving && !archive_id.empty() && mam::archivable_in_room(*copy)) {
        o.archived = Archived{archive_id, sender->nick, xml::ElementRef(copy->shallow_copy()), now};
        auto& sid = copy->add("stanza-id", std::string(ns::sid));  // XEP-0359 §4
        sid.set_attr("id", archive_id);
        sid.set_attr("by", jid_.bare_str());
    }
    const xml::ElementRef out = std::move(copy);
    for (const auto& [nick, recipient] : occupants_) {
        for (const auto& s : recipient.sessions) {
            o.out.push_back(addressed(out, s.jid));  // the sender gets its echo too
        }
    }
    if (message.child("body", ns::client) != nullptr) {
        history_.append(*out, jid_, now);  // §7.2.13
    }
    return o;
}

Outcome Room::private_message(const Jid& from, std::string_view to_nick,
                              const xml::Element& message) {
    const Occupant* sender = occupant_by_jid(from);
    if (sender == nullptr) {
        return refuse(StanzaError(Condition::not_acceptable));  // §7.5
    }
    if (message.attr_or("type") == "groupchat") {
        return refuse(StanzaError(Condition::bad_request));  // §7.5
    }
    // muc#roomconfig_allowpm (§10.1.3) narrows §5.1.1 "Send Private Messages".
    bool allowed = role_has(sender->role, RolePrivilege::send_private_messages);
    switch (config_.allow_pm) {
        case AllowPm::anyone:
            break;
        case AllowPm::participants:
            allowed = allowed && sender->role >= Role::participant;
            break;
        case AllowPm::moderators:
            allowed = allowed && sender->role == Role::moderator;
            break;
        case AllowPm::none:
            allowed = false;
            break;
    }
    if (!allowed) {
        return refuse(StanzaError(Condition::forbidden, "Private messages are not allowed"));
    }
    auto nick = normalize_nick(to_nick);
    const Occupant* recipient = nick ? occupant(*nick) : nullptr;
    if (recipient == nullptr) {
        return refuse(StanzaError(Condition::item_not_found));  // §7.5
    }
    auto copy = reflected(message, *sender);
    // §7.5: the service SHOULD add <x xmlns='muc#user'/> (for XEP-0280 carbons).
    if (message.child("x", ns::muc_user) == nullptr) {
        copy->add("x", std::string(ns::muc_user));
    }
    const xml::ElementRef out = copy;
    Outcome o;
    // §7.2.8: to every resource of a multi-session occupant (RECOMMENDED).
    for (const auto& s : recipient->sessions) {
        o.out.push_back(addressed(out, s.jid));
    }
    return o;
}

Outcome Room::change_subject(const Jid& from, const xml::Element& message, TimePoint now) {
    const Occupant* sender = occupant_by_jid(from);
    if (sender == nullptr) {
        return refuse(StanzaError(Condition::not_acceptable));
    }
    // §8.1: moderators by default; muc#roomconfig_changesubject opens it to
    // participants (§7.3; §5.1.1 "Modify Subject": visitors No*).
    const bool allowed = sender->role == Role::moderator ||
                         (config_.change_subject && sender->role >= Role::participant);
    if (!allowed) {
        return refuse(StanzaError(Condition::forbidden));
    }
    subject_ = message.child_text("subject", ns::client).value_or("");
    subject_from_ = sender->occupant_jid;
    subject_stamp_ = now;
    const xml::ElementRef out = reflected(message, *sender);
    Outcome o;
    for (const auto& [nick, recipient] : occupants_) {
        for (const auto& s : recipient.sessions) {
            o.out.push_back(addressed(out, s.jid));
        }
    }
    return o;
}

}  // namespace parley::mod::muc
