// XEP-0045 Multi-User Chat v1.35.5 muc#admin: §8.2 kicking, §8.3-§8.5 voice,
// §9.1-§9.2 bans, §9.3-§9.5 membership, §9.6-§9.8 moderators, §10.3-§10.8
// owners and admins, §17.4 IQ business rules.
#include "modules/muc/room.hpp"

#include "xmpp/ns.hpp"

namespace parley::mod::muc {

using xmpp::Condition;
using xmpp::Jid;
using xmpp::StanzaError;

namespace {

// The role an occupant has after its affiliation changed (§5.1.3 note: the
// role gained with an affiliation is fixed, the role lost is ours to choose).
Role adjusted_role(Role current, Affiliation before, Affiliation after, bool moderated) {
    if (after >= Affiliation::admin) {
        return Role::moderator;  // §9.6, §10.3, §10.6: "moderator is recommended"
    }
    if (before >= Affiliation::admin) {
        // §10.7: "typically participant"; a visitor in a moderated room.
        return default_role(after, moderated, false).value_or(Role::participant);
    }
    if (after == Affiliation::member && current == Role::visitor) {
        return Role::participant;  // §5.1.3 note: a new member has voice
    }
    return current;
}

}  // namespace

Result<AdminRequest, StanzaError> parse_admin_set(const xml::Element& query) {
    AdminRequest r;
    const auto items = query.children("item", ns::muc_admin);
    if (items.empty()) {
        return fail(StanzaError(Condition::bad_request, "No item"));
    }
    for (const auto* item : items) {
        auto role = item->attr("role");
        auto affiliation = item->attr("affiliation");
        std::string reason = item->child_text("reason", ns::muc_admin).value_or("");
        if (role.has_value() == affiliation.has_value()) {
            // §17.4 rule 4: both in one item is bad-request; neither says nothing.
            return fail(StanzaError(Condition::bad_request,
                                    "An item sets either a role or an affiliation"));
        }
        if (role) {
            auto r2 = parse_role(*role);
            auto nick = item->attr("nick");
            if (!r2 || !nick) {
                return fail(StanzaError(Condition::bad_request, "A role item needs nick and role"));
            }
            r.roles.push_back(RoleItem{std::string(*nick), *r2, std::move(reason)});
            continue;
        }
        auto a = parse_affiliation(*affiliation);
        auto jid = item->attr("jid");
        if (!a || !jid) {
            return fail(StanzaError(Condition::bad_request,
                                    "An affiliation item needs jid and affiliation"));
        }
        auto parsed = Jid::parse(*jid);
        if (!parsed) {
            return fail(StanzaError(Condition::jid_malformed));
        }
        std::optional<std::string> nick;
        if (auto n = item->attr("nick")) {
            nick = std::string(*n);
        }
        r.affiliations.push_back(
            AffiliationItem{parsed->bare(), *a, std::move(nick), std::move(reason)});
    }
    if (!r.roles.empty() && !r.affiliations.empty()) {
        return fail(StanzaError(Condition::bad_request, "Roles and affiliations are set apart"));
    }
    return r;
}

Outcome Room::admin_set(const Jid& actor, const xml::Element& query) {
    auto request = parse_admin_set(query);
    if (!request) {
        return refuse(request.error());
    }
    return request->roles.empty() ? set_affiliations(actor, request->affiliations)
                                  : set_roles(actor, request->roles);
}

Outcome Room::set_roles(const Jid& actor, const std::vector<RoleItem>& items) {
    const Occupant* me = occupant_by_jid(actor);
    const Actor who{affiliation(actor), me != nullptr ? me->role : Role::none};
    if (who.role != Role::moderator) {
        return refuse(StanzaError(Condition::forbidden));  // §8 intro
    }
    // Check every item before changing anything (§9.2).
    std::vector<std::string> nicks;
    for (const auto& item : items) {
        auto nick = normalize_nick(item.nick);
        const Occupant* target = nick ? occupant(*nick) : nullptr;
        if (target == nullptr) {
            return refuse(StanzaError(Condition::item_not_found, "No such occupant"));
        }
        if (auto c = check_role_change(who, affiliation_of(*target), target->role, item.role)) {
            return refuse(StanzaError(*c));
        }
        nicks.push_back(*nick);
    }
    Outcome o;
    const std::string by = me->nick;
    for (std::size_t i = 0; i < items.size(); ++i) {
        auto it = occupants_.find(nicks[i]);
        if (it == occupants_.end() || it->second.role == items[i].role) {
            continue;  // already kicked by an earlier item, or nothing to do
        }
        Occupant& target = it->second;
        if (items[i].role == Role::none) {
            // §8.2: unavailable with 307 to the kicked occupant (110 added) and
            // to everyone else, with actor and reason.
            eject(o.out, nicks[i], affiliation_of(target), {status::kKicked}, by, items[i].reason);
            continue;
        }
        // §8.3, §8.4, §9.6, §9.7: updated presence with the new role to all.
        const Role before = target.role;
        target.role = items[i].role;
        ItemSpec item{
            .affiliation = affiliation_of(target), .role = target.role, .reason = items[i].reason};
        fan_out_presence(o.out, target, target.primary().presence.get(), "", item, {}, true);
        if (before != Role::moderator && target.role == Role::moderator &&
            !config_.non_anonymous()) {
            // §7.2.4: moderators see real JIDs; a new moderator learns them now.
            for (const auto& [nick, other] : occupants_) {
                if (nick != target.nick && broadcasts(other)) {
                    for (const auto& s : target.sessions) {
                        o.out.push_back(addressed(presence_of(other, target), s.jid));
                    }
                }
            }
        }
    }
    o.destroyed = occupants_.empty() && !config_.persistent;
    return o;
}

Outcome Room::set_affiliations(const Jid& actor, const std::vector<AffiliationItem>& items) {
    const Affiliation mine = affiliation(actor);
    if (mine < Affiliation::admin) {
        return refuse(StanzaError(Condition::forbidden));  // §9 intro
    }
    // Plan the whole request against the state it will produce, so that it
    // is applied entirely or not at all (§9.2) and the owner count is right
    // however the items are ordered (§10.5).
    std::map<std::string, Affiliation> planned;
    std::vector<std::optional<std::string>> nicks;
    for (const auto& item : items) {
        const Jid bare = item.jid.bare();
        auto p = planned.find(bare.str());
        const Affiliation current = p != planned.end() ? p->second : affiliation(bare);
        if (item.affiliation == Affiliation::outcast && bare.str() == actor.bare_view()) {
            return refuse(StanzaError(Condition::conflict, "You cannot ban yourself"));  // §9.1
        }
        if (auto c = check_affiliation_change(mine, current, item.affiliation)) {
            return refuse(StanzaError(*c));
        }
        std::optional<std::string> nick;
        if (item.nick && !item.nick->empty()) {
            auto n = normalize_nick(*item.nick);
            if (!n) {
                return refuse(n.error());
            }
            if (nick_reserved_by_other(*n, bare)) {
                return refuse(StanzaError(Condition::conflict, "Nickname already reserved"));
            }
            nick = std::move(*n);
        } else if (item.nick) {
            nick = std::string();  // §9.5: an empty nick unsets the reservation
        }
        nicks.push_back(std::move(nick));
        planned[bare.str()] = item.affiliation;
    }
    int owners = 0;
    for (const auto& [bare, entry] : affiliations_) {
        owners += !planned.count(bare) && entry.affiliation == Affiliation::owner ? 1 : 0;
    }
    for (const auto& [bare, a] : planned) {
        owners += a == Affiliation::owner ? 1 : 0;
    }
    if (owners == 0) {
        // §10.4, §10.5: the last owner may not give up ownership.
        return refuse(StanzaError(Condition::conflict, "A room needs an owner"));
    }
    Outcome o;
    const std::string by = actor_nick(actor);
    for (std::size_t i = 0; i < items.size(); ++i) {
        const auto& item = items[i];
        const Jid bare = item.jid.bare();
        auto existing = affiliations_.find(bare.str());
        const Affiliation before =
            existing != affiliations_.end() ? existing->second.affiliation : Affiliation::none;
        std::string nick = existing != affiliations_.end() ? existing->second.nick : "";
        if (nicks[i]) {
            nick = *nicks[i];
        }
        std::string reason;
        if (item.affiliation == Affiliation::outcast) {
            nick.clear();  // §9.1: "MUST remove the outcast's nickname"
            reason = item.reason;
        }
        restore_affiliation(bare, item.affiliation, std::move(nick), std::move(reason));
        affiliation_changed(o.out, bare, before, by, item.reason);
    }
    o.destroyed = occupants_.empty() && !config_.persistent;
    return o;
}

void Room::affiliation_changed(Outbox& out, const Jid& bare, Affiliation before,
                               const std::string& by, const std::string& reason) {
    // Every occupant the change applies to: the user's nicknames, or for a
    // domain every user of it (§9.2: a ban on <domain> matches user@domain).
    std::vector<std::string> nicks;
    for (const auto& [nick, o] : occupants_) {
        if (o.bare_jid == bare || (bare.is_domain() && o.bare_jid.domain() == bare.domain())) {
            nicks.push_back(nick);
        }
    }
    for (const auto& nick : nicks) {
        Occupant& o = occupants_.at(nick);
        const Affiliation now = affiliation_of(o);
        if (o.bare_jid != bare) {
            // A user of a domain whose affiliation changed: only a domain ban
            // concerns it (its own entry, if any, still applies).
            if (now == Affiliation::outcast) {
                eject(out, nick, now, {status::kBanned}, by, reason);
            }
            continue;
        }
        const Affiliation was = before;
        if (now == was) {
            continue;  // e.g. only the reserved nickname changed
        }
        if (now == Affiliation::outcast) {
            eject(out, nick, now, {status::kBanned}, by, reason);  // §9.1: 301
            continue;
        }
        if (config_.members_only && now < Affiliation::member) {
            // §9.4: removed with 321, and only the unavailable presence is sent.
            eject(out, nick, now, {status::kRemovedAffiliation}, by, reason);
            continue;
        }
        const Role role_before = o.role;
        o.role = adjusted_role(o.role, was, now, config_.moderated);
        ItemSpec item{.affiliation = now, .role = o.role, .reason = reason};
        fan_out_presence(out, o, o.primary().presence.get(), "", item, {}, true);
        if (role_before != Role::moderator && o.role == Role::moderator &&
            !config_.non_anonymous()) {
            for (const auto& [other_nick, other] : occupants_) {
                if (other_nick != o.nick && broadcasts(other)) {
                    for (const auto& s : o.sessions) {
                        out.push_back(addressed(presence_of(other, o), s.jid));
                    }
                }
            }
        }
    }
}

Result<xml::ElementPtr, StanzaError> Room::admin_get(const Jid& actor,
                                                     const xml::Element& query) const {
    const auto* item = query.child("item", ns::muc_admin);
    if (item == nullptr) {
        return fail(StanzaError(Condition::bad_request, "No item"));
    }
    const std::string ans(ns::muc_admin);
    auto result = xml::Element::make("query", ans);
    const Affiliation mine = affiliation(actor);
    if (auto attr = item->attr("affiliation")) {
        auto a = parse_affiliation(*attr);
        if (!a || *a == Affiliation::none) {
            return fail(StanzaError(Condition::bad_request, "No such list"));
        }
        bool allowed = false;
        switch (*a) {
            case Affiliation::outcast:
                allowed = mine >= Affiliation::admin;  // §9.2
                break;
            case Affiliation::member:
                // §9.5 note and §5.2.1 ***: members too, in non-anonymous rooms.
                allowed = mine >= Affiliation::admin ||
                          (config_.non_anonymous() && mine >= Affiliation::member);
                break;
            default:
                // §10.5, §10.8: owners; in non-anonymous rooms the service "MAY
                // process the request" of others, and we do for the affiliated.
                allowed = mine == Affiliation::owner ||
                          (config_.non_anonymous() && mine >= Affiliation::member);
                break;
        }
        if (!allowed) {
            return fail(StanzaError(Condition::forbidden));
        }
        // §17.4 rule 6: affiliation, bare jid, nick (not for outcasts), no role.
        for (const auto& [bare, entry] : affiliations_) {
            if (entry.affiliation != *a) {
                continue;
            }
            auto& i = result->add("item", ans);
            i.set_attr("affiliation", std::string(to_string(entry.affiliation)));
            i.set_attr("jid", entry.jid.str());
            if (entry.affiliation == Affiliation::outcast) {
                if (!entry.reason.empty()) {
                    i.add_text_child("reason", ans, entry.reason);
                }
                continue;
            }
            std::string nick = entry.nick;
            for (const auto& [n, o] : occupants_) {
                if (nick.empty() && o.bare_jid == entry.jid) {
                    nick = n;
                }
            }
            if (!nick.empty()) {
                i.set_attr("nick", nick);
            }
        }
        return result;
    }
    if (auto attr = item->attr("role")) {
        auto r = parse_role(*attr);
        if (!r || *r == Role::none) {
            return fail(StanzaError(Condition::bad_request, "No such list"));
        }
        const Occupant* me = occupant_by_jid(actor);
        // §8.5: moderators get the voice list; §9.8: admins the moderator list.
        const bool allowed = me != nullptr && me->role == Role::moderator &&
                             (*r != Role::moderator || mine >= Affiliation::admin);
        if (!allowed) {
            return fail(StanzaError(Condition::forbidden));
        }
        // §17.4 rule 5: nick, role, affiliation and the full jid.
        for (const auto& [nick, o] : occupants_) {
            if (o.role != *r) {
                continue;
            }
            auto& i = result->add("item", ans);
            i.set_attr("affiliation", std::string(to_string(affiliation_of(o))));
            i.set_attr("jid", o.primary().jid.str());
            i.set_attr("nick", nick);
            i.set_attr("role", std::string(to_string(o.role)));
        }
        return result;
    }
    return fail(StanzaError(Condition::bad_request, "An item names a role or an affiliation"));
}

}  // namespace parley::mod::muc
