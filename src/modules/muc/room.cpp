// XEP-0045 Multi-User Chat v1.35.5: room state, §7.2.2-§7.2.4 presence
// fan-out (who sees real JIDs), §7.2.15 the subject message, §5.2 the
// affiliation list.
#include "modules/muc/room.hpp"

#include <algorithm>

#include "modules/time/datetime.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod::muc {

using xmpp::Jid;

Room::Room(Jid jid, RoomConfig config, ConfigLimits limits)
    : jid_(std::move(jid)),
      config_(std::move(config)),
      limits_(limits),
      history_(config_.history_length) {}

Room Room::create(Jid jid, const Jid& creator, RoomConfig defaults, ConfigLimits limits) {
    Room room(std::move(jid), std::move(defaults), limits);
    room.locked_ = true;
    room.created_ = true;
    room.restore_affiliation(creator, Affiliation::owner);
    return room;
}

const Occupant* Room::occupant(std::string_view nick) const {
    auto it = occupants_.find(std::string(nick));
    return it == occupants_.end() ? nullptr : &it->second;
}

const Occupant* Room::occupant_by_jid(const Jid& full) const {
    auto it = nick_of_.find(full);
    return it == nick_of_.end() ? nullptr : occupant(it->second);
}

Occupant* Room::find_by_jid(const Jid& full) {
    auto it = nick_of_.find(full);
    if (it == nick_of_.end()) {
        return nullptr;
    }
    auto o = occupants_.find(it->second);
    return o == occupants_.end() ? nullptr : &o->second;
}

Affiliation Room::affiliation(const Jid& user) const {
    auto it = affiliations_.find(std::string(user.bare_view()));
    if (it != affiliations_.end()) {
        return it->second.affiliation;
    }
    // §9.2: "<domain> (the domain itself matches, as does any user@domain)",
    // after <user@domain>: a ban of a whole domain.
    if (!user.local().empty()) {
        auto d = affiliations_.find(std::string(user.domain()));
        if (d != affiliations_.end() && d->second.affiliation == Affiliation::outcast) {
            return Affiliation::outcast;
        }
    }
    return Affiliation::none;
}

std::vector<Jid> Room::with_affiliation(Affiliation a) const {
    std::vector<Jid> out;
    for (const auto& [bare, entry] : affiliations_) {
        if (entry.affiliation == a) {
            out.push_back(entry.jid);
        }
    }
    return out;
}

void Room::restore_affiliation(const Jid& user, Affiliation a, std::string nick,
                               std::string reason) {
    const std::string bare = user.bare_str();
    if (a == Affiliation::none) {
        // §5.2: "a service does not maintain a 'none list'"; a reserved
        // nickname alone is kept, as §9.5 lets an open room register users.
        if (nick.empty()) {
            affiliations_.erase(bare);
            return;
        }
    }
    affiliations_[bare] = AffiliationEntry{user.bare(), a, std::move(nick), std::move(reason)};
}

void Room::restore_subject(std::string subject, std::optional<Jid> from,
                           std::optional<TimePoint> stamp) {
    subject_ = std::move(subject);
    subject_from_ = std::move(from);
    subject_stamp_ = stamp;
}

bool Room::sees_jids(const Occupant& recipient) const {
    // §7.2.3 non-anonymous: everyone; §7.2.4 semi-anonymous: moderators only.
    return config_.non_anonymous() || recipient.role == Role::moderator;
}

bool Room::broadcasts(const Occupant& o) const {
    return config_.presence_broadcast.count(o.role) != 0;
}

bool Room::nick_reserved_by_other(std::string_view nick, const Jid& bare) const {
    for (const auto& [key, entry] : affiliations_) {
        if (!entry.nick.empty() && entry.nick == nick && entry.jid != bare) {
            return true;
        }
    }
    return false;
}

int Room::owner_count() const {
    return static_cast<int>(std::count_if(affiliations_.begin(), affiliations_.end(), [](auto& e) {
        return e.second.affiliation == Affiliation::owner;
    }));
}

std::string Room::actor_nick(const Jid& actor) const {
    const auto* o = occupant_by_jid(actor);
    return o == nullptr ? std::string() : o->nick;
}

void Room::fan_out_presence(Outbox& out, const Occupant& subject, const xml::Element* payload,
                            std::string_view type, ItemSpec item, std::vector<int> codes,
                            bool to_others, std::vector<int> self_codes,
                            xml::ElementPtr extra) const {
    const Jid subject_jid = subject.primary().jid;
    auto build = [&](bool with_jid, bool self) {
        ItemSpec spec = item;
        spec.jid.reset();
        if (with_jid) {
            spec.jid = subject_jid;
        }
        std::vector<int> c = codes;
        if (self) {
            c.push_back(status::kSelfPresence);
            c.insert(c.end(), self_codes.begin(), self_codes.end());
        }
        std::sort(c.begin(), c.end());
        c.erase(std::unique(c.begin(), c.end()), c.end());
        auto x = muc_user_x(spec, c);
        if (extra) {
            x->add_child(extra);
        }
        return xml::ElementRef(
            occupant_presence(subject.occupant_jid, payload, type, x, subject.occupant_id));
    };
    if (to_others && broadcasts(subject)) {
        xml::ElementRef with_jid;
        xml::ElementRef without_jid;
        for (const auto& [nick, recipient] : occupants_) {
            if (nick == subject.nick) {
                continue;
            }
            auto& variant = sees_jids(recipient) ? with_jid : without_jid;
            if (!variant) {
                variant = build(sees_jids(recipient), false);
            }
            for (const auto& s : recipient.sessions) {
                out.push_back(addressed(variant, s.jid));
            }
        }
    }
    const auto self = build(true, true);
    for (const auto& s : subject.sessions) {
        out.push_back(addressed(self, s.jid));
    }
}

xml::ElementPtr Room::presence_of(const Occupant& subject, const Occupant& recipient) const {
    ItemSpec item{.affiliation = affiliation_of(subject), .role = subject.role};
    if (sees_jids(recipient)) {
        item.jid = subject.primary().jid;
    }
    return occupant_presence(subject.occupant_jid, subject.primary().presence.get(), "",
                             muc_user_x(item, {}), subject.occupant_id);
}

xml::ElementPtr Room::subject_message() const {
    // §7.2.15: from the occupant JID of whoever set it (or the room), with
    // <subject/> and no <body/>, an empty <subject/> when there is none, and
    // a <delay/> from the room when the time of the change is known.
    auto m = xml::Element::make("message", std::string(ns::client));
    m->set_attr("from", subject_from_ ? subject_from_->str() : jid_.str());
    m->set_attr("type", "groupchat");
    m->add_text_child("subject", std::string(ns::client), subject_);
    if (subject_stamp_) {
        auto& delay = m->add("delay", std::string(ns::delay));
        delay.set_attr("from", jid_.str());
        delay.set_attr("stamp", datetime::format_utc(*subject_stamp_));
    }
    return m;
}

void Room::remove_occupant(const std::string& nick) {
    auto it = occupants_.find(nick);
    if (it == occupants_.end()) {
        return;
    }
    for (const auto& s : it->second.sessions) {
        nick_of_.erase(s.jid);
    }
    occupants_.erase(it);
}

void Room::eject(Outbox& out, const std::string& nick, Affiliation shown, std::vector<int> codes,
                 const std::string& actor, const std::string& reason) {
    auto it = occupants_.find(nick);
    if (it == occupants_.end()) {
        return;
    }
    ItemSpec item{.affiliation = shown, .role = Role::none, .actor_nick = actor, .reason = reason};
    fan_out_presence(out, it->second, nullptr, "unavailable", item, std::move(codes), true);
    remove_occupant(nick);
}

}  // namespace parley::mod::muc
