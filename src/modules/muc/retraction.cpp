// XEP-0425 Moderated Message Retraction v0.3.0: §4 a moderator asks the room
// to retract a message by its stanza-id (the iq is the service's,
// room_archive.cpp), the room tells every occupant with a XEP-0424 v0.4
// <retract/> carrying <moderated/>, §5 the archived message becomes a
// tombstone.
#include "modules/muc/room.hpp"
#include "xmpp/datetime.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod::muc {

using xmpp::Condition;
using xmpp::Jid;
using xmpp::StanzaError;

namespace {

std::string stamp(TimePoint t) {
    return xmpp::datetime::format_utc_micros(
        std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count());
}

// <moderated by='occupant JID' xmlns='urn:xmpp:message-moderate:1'>[<occupant-id/>]</moderated>
xml::ElementPtr moderated(const Moderator& by) {
    auto m = xml::Element::make("moderated", std::string(ns::moderate));
    m->set_attr("by", by.occupant_jid.str());
    if (!by.occupant_id.empty()) {
        m->add_child(occupant_id_element(by.occupant_id));
    }
    return m;
}

}  // namespace

// With an empty `by` (the author retracted it, XEP-0424 §5: room_archive.cpp)
// the tombstone has no <moderated/>.
xml::ElementPtr tombstone(const xml::Element& stored, const Moderator& by,
                          const std::string& reason, TimePoint now) {
    auto t = xml::Element::make(stored.name(), stored.ns());
    for (const auto& a : stored.attributes()) {
        t->set_attr(a.name, a.value);
    }
    auto& retracted = t->add("retracted", std::string(ns::retract));
    retracted.set_attr("stamp", stamp(now));
    if (!by.occupant_jid.str().empty()) {
        retracted.add_child(moderated(by));  // XEP-0425 §5; an author's own: XEP-0424 §5
    }
    if (!reason.empty()) {
        retracted.add_text_child("reason", std::string(ns::retract), reason);
    }
    if (const auto* sender = stored.child("occupant-id", ns::occupant_id)) {
        t->add_child(occupant_id_element(sender->attr_or("id")));
    }
    return t;
}

Result<Moderator, StanzaError> Room::moderator(const Jid& actor) const {
    const Occupant* o = occupant_by_jid(actor);
    if (o == nullptr || o->role != Role::moderator) {
        return fail(StanzaError(Condition::forbidden, "Only moderators may retract messages"));
    }
    return Moderator{o->occupant_jid, o->occupant_id};
}

Outcome Room::announce_retraction(const Moderator& by, const std::string& id,
                                  const std::string& reason, TimePoint now,
                                  const std::string& archive_id) {
    auto m = xml::Element::make("message", std::string(ns::client));
    m->set_attr("from", jid_.bare_str());
    m->set_attr("type", "groupchat");
    if (!archive_id.empty()) {
        m->set_attr("id", archive_id);
    }
    auto& retract = m->add("retract", std::string(ns::retract));
    retract.set_attr("id", id);
    retract.add_child(moderated(by));
    if (!reason.empty()) {
        retract.add_text_child("reason", std::string(ns::retract), reason);
    }
    history_.remove(jid_.bare_str(), id);
    Outcome o;
    if (config_.archiving && !archive_id.empty()) {
        o.archived = Archived{archive_id, "", xml::ElementRef(m->shallow_copy()), now};
        auto& sid = m->add("stanza-id", std::string(ns::sid));
        sid.set_attr("id", archive_id);
        sid.set_attr("by", jid_.bare_str());
    }
    const xml::ElementRef out = std::move(m);
    for (const auto& [nick, occupant] : occupants_) {
        for (const auto& s : occupant.sessions) {
            o.out.push_back(addressed(out, s.jid));
        }
    }
    return o;
}

}  // namespace parley::mod::muc
