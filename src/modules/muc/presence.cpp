// XEP-0045 Multi-User Chat v1.35.5: §7.1 order of events, §7.2 entering a room
// (§7.2.1-§7.2.15, §7.2.18), §7.6 changing nickname, §7.7 changing
// availability status, §7.14 exiting a room, §11.1 removal after an error,
// §17.3 presence business rules.
#include "modules/muc/room.hpp"

#include "xmpp/ns.hpp"

namespace parley::mod::muc {

using xmpp::Condition;
using xmpp::ErrorType;
using xmpp::Jid;
using xmpp::StanzaError;

namespace {

// §7.2.9: a full room "MUST allow the admin or owner to join, up to some
// reasonable number of additional occupants".
constexpr std::size_t kPrivilegedOverflow = 10;

template <class R = Outcome>
R refuse(StanzaError e) {
    R r;
    r.error = std::move(e);
    return r;
}

}  // namespace

JoinRequest parse_join(const xml::ElementRef& presence, const Jid& from, std::string_view nick) {
    JoinRequest r{from, std::string(nick), std::nullopt, {}, presence};
    if (const auto* x = presence ? presence->child("x", ns::muc) : nullptr) {
        r.password = x->child_text("password", ns::muc);
        r.history = parse_history_request(x->child("history", ns::muc));
    }
    return r;
}

Outcome Room::handle_presence(const Jid& from, std::string_view nick,
                              const xml::ElementRef& presence, TimePoint now) {
    const auto type = presence->attr_or("type");
    const Occupant* current = occupant_by_jid(from);
    if (type == "unavailable") {
        return leave(from, presence.get());  // ignored from a non-occupant (§17.3 rule 5)
    }
    if (type == "error") {
        // §11.1: the occupant's server bounced our traffic; remove that
        // resource and tell the others why (333).
        if (current == nullptr) {
            return {};
        }
        Outcome o;
        const std::string occupant_nick = current->nick;
        if (current->sessions.size() > 1) {
            std::erase_if(find_by_jid(from)->sessions,
                          [&](const OccupantSession& s) { return s.jid == from; });
            nick_of_.erase(from);
            return o;
        }
        ItemSpec item{.affiliation = affiliation_of(*current), .role = Role::none};
        fan_out_presence(o.out, *current, nullptr, "unavailable", item, {status::kRemovedError},
                         true);
        // The removed resource is unreachable: drop what was addressed to it.
        std::erase_if(o.out, [&](const Outgoing& g) { return g.to == from; });
        remove_occupant(occupant_nick);
        o.destroyed = occupants_.empty() && !config_.persistent;
        return o;
    }
    if (!type.empty()) {
        return {};  // probes and subscriptions are not joins or exits (§17.3 rules 1, 2, 4)
    }
    if (current == nullptr) {
        if (presence->child("x", ns::muc) == nullptr) {
            // §7.2.18: presence without <x/> from a non-occupant is a client
            // that lost track of the room; tell it plainly that it is out.
            ItemSpec item{.affiliation = affiliation(from),
                          .role = Role::none,
                          .reason = "You are not in the room."};
            auto nick_jid = jid_.with_resource(nick);
            auto p = occupant_presence(
                nick_jid ? *nick_jid : jid_, nullptr, "unavailable",
                muc_user_x(item, {status::kSelfPresence, status::kKicked, status::kRemovedError}));
            Outcome o;
            o.out.push_back(addressed(p, from));
            return o;
        }
        return join(parse_join(presence, from, nick), now);
    }
    auto normalized = normalize_nick(nick);
    if (normalized && *normalized == current->nick) {
        if (presence->child("x", ns::muc) != nullptr) {
            return resync(*current, parse_join(presence, from, nick), now);
        }
        return update_presence(from, presence);
    }
    return change_nick(from, nick, presence);
}

JoinResult Room::join(const JoinRequest& request, TimePoint now) {
    auto nick = normalize_nick(request.nick);
    if (!nick) {
        return refuse<JoinResult>(nick.error());
    }
    if (const Occupant* current = occupant_by_jid(request.from)) {
        if (current->nick == *nick) {
            return resync(*current, request, now);
        }
        // A join to another nickname from a resource already in the room is
        // a nickname change (§7.6).
        JoinResult r;
        static_cast<Outcome&>(r) = change_nick(request.from, request.nick, request.presence);
        if (const Occupant* moved = occupant_by_jid(request.from); r.ok() && moved != nullptr) {
            r.nick = moved->nick;
            r.role = moved->role;
            r.affiliation = affiliation_of(*moved);
        }
        return r;
    }
    const Jid bare = request.from.bare();
    const Affiliation aff = affiliation(bare);
    // The order of the checks decides what a refused user learns: a banned
    // user hears only that (§7.2.7), and nobody learns which nicknames are
    // in use before passing membership and password (§7.2.6, §7.2.5).
    if (locked_ && aff != Affiliation::owner) {
        return refuse<JoinResult>(StanzaError(Condition::item_not_found));  // §7.2.10
    }
    if (aff == Affiliation::outcast) {
        return refuse<JoinResult>(StanzaError(Condition::forbidden));  // §7.2.7
    }
    if (config_.members_only && aff < Affiliation::member) {
        return refuse<JoinResult>(StanzaError(Condition::registration_required));  // §7.2.6
    }
    if (config_.password_protected && request.password != config_.password) {
        return refuse<JoinResult>(StanzaError(Condition::not_authorized));  // §7.2.5
    }
    const Occupant* same_nick = occupant(*nick);
    if ((same_nick != nullptr && same_nick->bare_jid != bare) ||
        nick_reserved_by_other(*nick, bare)) {
        return refuse<JoinResult>(StanzaError(Condition::conflict));  // §7.2.8
    }
    if (!may_use_nick(bare, *nick)) {
        return refuse<JoinResult>(
            StanzaError(Condition::not_acceptable, "Use your registered nickname"));  // §7.10
    }
    if (same_nick == nullptr && config_.max_users != 0 && occupants_.size() >= config_.max_users &&
        (aff < Affiliation::admin ||
         occupants_.size() >= config_.max_users + kPrivilegedOverflow)) {
        return refuse<JoinResult>(StanzaError(Condition::service_unavailable, ErrorType::wait));
    }
    const auto role = default_role(aff, config_.moderated, config_.members_only);
    if (!role) {
        return refuse<JoinResult>(StanzaError(Condition::registration_required));
    }

    JoinResult r;
    r.nick = *nick;
    r.affiliation = aff;
    r.created = created_ && aff == Affiliation::owner;
    if (same_nick != nullptr) {
        // §7.2.8 multi-session: another resource of the same user joins the
        // nickname; the others see no new occupant.
        auto& occ = occupants_.at(*nick);
        occ.sessions.push_back(OccupantSession{request.from, request.presence});
        nick_of_[request.from] = *nick;
        r.role = occ.role;
    } else {
        Occupant occ{*nick,
                     jid_.with_resource(*nick).value(),
                     bare,
                     *role,
                     {OccupantSession{request.from, request.presence}},
                     occupant_ids()
                         ? make_occupant_id(occupant_id_secret_, jid_.bare_str(), bare.str())
                         : std::string()};
        occupants_.emplace(*nick, std::move(occ));
        nick_of_[request.from] = *nick;
        r.role = *role;
    }
    const Occupant& self = occupants_.at(*nick);
    // §7.2.2: everyone already there, to the newcomer first.
    for (const auto& [other_nick, other] : occupants_) {
        if (other_nick != *nick && broadcasts(other)) {
            r.out.push_back(addressed(presence_of(other, self), request.from));
        }
    }
    // Then the newcomer to everyone (a new session of an existing occupant
    // only to itself), the self-presence last (§7.2.2).
    std::vector<int> codes;
    if (config_.non_anonymous()) {
        codes.push_back(status::kNonAnonymous);  // §7.2.3
    }
    if (config_.logging) {
        codes.push_back(status::kLoggingEnabled);  // §7.2.12
    }
    if (r.created) {
        codes.push_back(status::kRoomCreated);  // §10.1.1
        created_ = false;
    }
    if (*nick != request.nick) {
        codes.push_back(status::kNickModified);  // §7.2.2
    }
    ItemSpec item{.affiliation = aff, .role = self.role};
    Outbox presences;
    fan_out_presence(presences, self, request.presence.get(), "", item, {}, same_nick == nullptr,
                     codes);
    for (auto& g : presences) {
        // Only the new resource gets the self-presence of a multi-session join.
        if (same_nick == nullptr || g.to == request.from) {
            r.out.push_back(std::move(g));
        }
    }
    // Self-presence carries the id the user sent, for tracking (§7.2.2).
    if (auto id = request.presence ? request.presence->attr("id") : std::nullopt) {
        auto& last = r.out.back();
        auto tagged = last.stanza->shallow_copy();
        tagged->set_attr("id", std::string(*id));
        last.stanza = tagged;
    }
    for (const auto& h : history_.select(request.history, now)) {  // §7.2.13, §7.2.14
        r.out.push_back(addressed(h, request.from));
    }
    r.out.push_back(addressed(subject_message(), request.from));  // §7.2.15
    return r;
}

JoinResult Room::resync(const Occupant& occupant, const JoinRequest& request, TimePoint now) {
    // §7.2.1 / §17.3 rule 3: a join from a resource already in the room means
    // the client lost track; send it everything a join sends, and tell the
    // others only if its presence changed.
    JoinResult r;
    r.nick = occupant.nick;
    r.role = occupant.role;
    r.affiliation = affiliation_of(occupant);
    Occupant& occ = *find_by_jid(request.from);
    OccupantSession* s = occ.session(request.from);
    const bool changed =
        !(s->presence && request.presence && xml::equal(*s->presence, *request.presence));
    s->presence = request.presence;
    for (const auto& [other_nick, other] : occupants_) {
        if (other_nick != occ.nick && broadcasts(other)) {
            r.out.push_back(addressed(presence_of(other, occ), request.from));
        }
    }
    std::vector<int> codes;
    if (config_.non_anonymous()) {
        codes.push_back(status::kNonAnonymous);
    }
    if (config_.logging) {
        codes.push_back(status::kLoggingEnabled);
    }
    ItemSpec item{.affiliation = r.affiliation, .role = occ.role};
    Outbox presences;
    fan_out_presence(presences, occ, request.presence.get(), "", item, {}, changed, codes);
    for (auto& g : presences) {
        if (changed || g.to == request.from) {
            r.out.push_back(std::move(g));
        }
    }
    for (const auto& h : history_.select(request.history, now)) {
        r.out.push_back(addressed(h, request.from));
    }
    r.out.push_back(addressed(subject_message(), request.from));
    return r;
}

Outcome Room::leave(const Jid& from, const xml::Element* presence) {
    Occupant* occ = find_by_jid(from);
    if (occ == nullptr) {
        return {};  // §17.3 rule 5
    }
    Outcome o;
    ItemSpec item{.affiliation = affiliation_of(*occ), .role = Role::none};
    if (occ->sessions.size() > 1) {
        // One resource of a multi-session occupant leaves: only it is told.
        auto self = occupant_presence(
            occ->occupant_jid, presence, "unavailable",
            muc_user_x(ItemSpec{.affiliation = item.affiliation, .role = Role::none, .jid = from},
                       {status::kSelfPresence}),
            occ->occupant_id);
        o.out.push_back(addressed(self, from));
        std::erase_if(occ->sessions, [&](const OccupantSession& s) { return s.jid == from; });
        nick_of_.erase(from);
        return o;
    }
    // §10.1.3: the creator leaving a room it never configured destroys it.
    const bool abandon = locked_;
    xml::ElementPtr destroy;
    if (abandon) {
        destroy = xml::Element::make("destroy", std::string(ns::muc_user));
    }
    // §7.14: unavailable presence with role 'none' to everyone, 110 to self,
    // carrying the occupant's <status/> (custom exit message).
    fan_out_presence(o.out, *occ, presence, "unavailable", item, {}, true, {}, destroy);
    remove_occupant(occ->nick);
    // §7.14 note: a temporary room is destroyed when its last occupant exits.
    o.destroyed = occupants_.empty() && (!config_.persistent || abandon);
    return o;
}

Outcome Room::change_nick(const Jid& from, std::string_view new_nick,
                          const xml::ElementRef& presence) {
    Occupant* occ = find_by_jid(from);
    if (occ == nullptr) {
        return refuse(StanzaError(Condition::not_acceptable, "Not in the room"));
    }
    auto nick = normalize_nick(new_nick);
    if (!nick) {
        return refuse(nick.error());
    }
    if (*nick == occ->nick) {
        return update_presence(from, presence);
    }
    // §7.6: a nickname in use or reserved by someone else is a conflict. A
    // second nickname of the same user is a conflict too: merging two
    // occupants is not supported (the XEP only says "MAY allow").
    if (occupant(*nick) != nullptr || nick_reserved_by_other(*nick, occ->bare_jid)) {
        return refuse(StanzaError(Condition::conflict));
    }
    if (!may_use_nick(occ->bare_jid, *nick)) {
        return refuse(StanzaError(Condition::not_acceptable, "Use your registered nickname"));
    }
    Outcome o;
    const Affiliation aff = affiliation_of(*occ);
    // First: unavailable from the old nickname with the new one and 303.
    ItemSpec gone{.affiliation = aff, .role = occ->role, .nick = *nick};
    fan_out_presence(o.out, *occ, nullptr, "unavailable", gone, {status::kNickChanged}, true);
    // Then the occupant, all its resources, moves to the new nickname.
    Occupant moved = std::move(*occ);
    remove_occupant(moved.nick);
    moved.nick = *nick;
    moved.occupant_jid = jid_.with_resource(*nick).value();
    if (auto* s = moved.session(from)) {
        s->presence = presence;
    }
    std::stable_partition(moved.sessions.begin(), moved.sessions.end(),
                          [&](const OccupantSession& s) { return s.jid != from; });
    for (const auto& s : moved.sessions) {
        nick_of_[s.jid] = *nick;
    }
    const auto& self = occupants_.emplace(*nick, std::move(moved)).first->second;
    std::vector<int> codes;
    if (*nick != new_nick) {
        codes.push_back(status::kNickModified);  // §7.6: changed by the service
    }
    ItemSpec here{.affiliation = aff, .role = self.role};
    fan_out_presence(o.out, self, presence.get(), "", here, {}, true, codes);
    return o;
}

Outcome Room::update_presence(const Jid& from, const xml::ElementRef& presence) {
    Occupant* occ = find_by_jid(from);
    if (occ == nullptr) {
        return refuse(StanzaError(Condition::not_acceptable, "Not in the room"));
    }
    // §7.7: the new presence becomes the occupant's, from this resource.
    occ->session(from)->presence = presence;
    std::stable_partition(occ->sessions.begin(), occ->sessions.end(),
                          [&](const OccupantSession& s) { return s.jid != from; });
    Outcome o;
    ItemSpec item{.affiliation = affiliation_of(*occ), .role = occ->role};
    fan_out_presence(o.out, *occ, presence.get(), "", item, {}, true);
    return o;
}

}  // namespace parley::mod::muc
