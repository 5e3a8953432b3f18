// XEP-0045 Multi-User Chat v1.35.5 muc#owner: §10.1.1-§10.1.3 creating a room
// (instant and reserved), §10.2 subsequent configuration with §10.2.1
// notifications, §10.9 destroying a room.
#include "modules/muc/room.hpp"

#include <algorithm>

#include "xmpp/ns.hpp"

namespace parley::mod::muc {

using xmpp::Condition;
using xmpp::Jid;
using xmpp::StanzaError;

namespace {

bool contains(const std::vector<Jid>& list, const Jid& j) {
    return std::find(list.begin(), list.end(), j) != list.end();
}

}  // namespace

Result<xml::ElementPtr, StanzaError> Room::owner_get(const Jid& actor) const {
    if (affiliation(actor) != Affiliation::owner) {
        return fail(StanzaError(Condition::forbidden));  // §10.2
    }
    auto query = xml::Element::make("query", std::string(ns::muc_owner));
    query->add_child(config_form(config_, jid_, with_affiliation(Affiliation::owner),
                                 with_affiliation(Affiliation::admin), limits_));
    return query;
}

Outcome Room::owner_set(const Jid& actor, const xml::Element& query) {
    if (affiliation(actor) != Affiliation::owner) {
        return refuse(StanzaError(Condition::forbidden));  // §10.2, §10.9
    }
    if (const auto* d = query.child("destroy", ns::muc_owner)) {
        DestroyRequest request;
        if (auto alt = d->attr("jid")) {
            auto parsed = Jid::parse(*alt);
            if (!parsed) {
                return refuse(StanzaError(Condition::jid_malformed));
            }
            request.alternate = std::move(*parsed);
        }
        request.reason = d->child_text("reason", ns::muc_owner).value_or("");
        request.password = d->child_text("password", ns::muc_owner);
        return destroy(actor, request);
    }
    if (const auto* x = query.child("x", ns::data_forms)) {
        return configure(actor, *x);
    }
    return refuse(StanzaError(Condition::bad_request));
}

Outcome Room::configure(const Jid& actor, const xml::Element& form) {
    if (affiliation(actor) != Affiliation::owner) {
        return refuse(StanzaError(Condition::forbidden));  // §10.2
    }
    auto submission = parse_config_submission(form, config_, limits_);
    if (!submission) {
        return refuse(submission.error());
    }
    if (submission->cancel) {
        // §10.1.3: cancelling the initial configuration destroys the room;
        // §10.2: cancelling a later one leaves the configuration as it was.
        return locked_ ? destroy(actor, {}) : Outcome{};
    }
    // The full owner and admin lists become affiliation changes, checked
    // like a muc#admin request (the last owner stays, §10.2).
    std::vector<AffiliationItem> changes;
    const auto owners = with_affiliation(Affiliation::owner);
    const auto admins = with_affiliation(Affiliation::admin);
    if (submission->owners) {
        for (const auto& j : owners) {
            if (!contains(*submission->owners, j)) {
                changes.push_back({j, Affiliation::none, std::nullopt, ""});
            }
        }
        for (const auto& j : *submission->owners) {
            if (!contains(owners, j)) {
                changes.push_back({j, Affiliation::owner, std::nullopt, ""});
            }
        }
    }
    if (submission->admins) {
        const auto is_owner = [&](const Jid& j) {
            return submission->owners ? contains(*submission->owners, j) : contains(owners, j);
        };
        for (const auto& j : admins) {
            if (!contains(*submission->admins, j) && !is_owner(j)) {
                changes.push_back({j, Affiliation::none, std::nullopt, ""});
            }
        }
        for (const auto& j : *submission->admins) {
            if (!contains(admins, j) && !is_owner(j)) {
                changes.push_back({j, Affiliation::admin, std::nullopt, ""});
            }
        }
    }
    Outcome o;
    if (!changes.empty()) {
        o = set_affiliations(actor, changes);
        if (!o.ok()) {
            return o;
        }
    }
    const RoomConfig before = config_;
    const bool was_locked = locked_;
    config_ = std::move(submission->config);
    history_.set_capacity(config_.history_length);
    locked_ = false;  // §10.1.2, §10.1.3: the room is unlocked
    // §10.2.1: occupants hear of the change (not of the initial configuration,
    // which nobody else could witness).
    const auto codes = config_change_status_codes(before, config_);
    if (!was_locked && !codes.empty()) {
        const xml::ElementRef message = status_message(jid_, codes);
        for (const auto& [nick, occupant] : occupants_) {
            for (const auto& s : occupant.sessions) {
                o.out.push_back(addressed(message, s.jid));
            }
        }
    }
    if (config_.members_only && !before.members_only) {
        // §10.2: non-members leave a room that became members-only, with 322.
        std::vector<std::string> outsiders;
        for (const auto& [nick, occupant] : occupants_) {
            if (affiliation_of(occupant) < Affiliation::member) {
                outsiders.push_back(nick);
            }
        }
        for (const auto& nick : outsiders) {
            eject(o.out, nick, affiliation(occupants_.at(nick).bare_jid),
                  {status::kRemovedMembersOnly}, "", "");
        }
    }
    o.destroyed = occupants_.empty() && !config_.persistent && !was_locked;
    return o;
}

Outcome Room::destroy(const Jid& actor, const DestroyRequest& request) {
    if (affiliation(actor) != Affiliation::owner) {
        return refuse(StanzaError(Condition::forbidden));  // §10.9
    }
    // §10.9: one unavailable presence to each occupant (no broadcast), with a
    // <destroy/> carrying the alternate venue and reason if given.
    const std::string uns(ns::muc_user);
    auto d = xml::Element::make("destroy", uns);
    if (request.alternate) {
        d->set_attr("jid", request.alternate->str());
    }
    if (!request.reason.empty()) {
        d->add_text_child("reason", uns, request.reason);
    }
    if (request.password) {
        d->add_text_child("password", uns, *request.password);
    }
    Outcome o;
    for (const auto& [nick, occupant] : occupants_) {
        auto x = muc_user_x(ItemSpec{.affiliation = Affiliation::none, .role = Role::none}, {});
        x->add_child(d);
        const xml::ElementRef p =
            occupant_presence(occupant.occupant_jid, nullptr, "unavailable", x, occupant.occupant_id);
        for (const auto& s : occupant.sessions) {
            o.out.push_back(addressed(p, s.jid));
        }
    }
    occupants_.clear();
    nick_of_.clear();
    o.destroyed = true;
    return o;
}

}  // namespace parley::mod::muc
