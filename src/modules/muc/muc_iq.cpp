// XEP-0045 Multi-User Chat v1.35.5 iqs: §6.1-§6.3 service disco, §6.4 room
// disco#info with the muc#roominfo form (§15.5.4), §6.5 room disco#items,
// muc#admin (§8, §9, §10.3-§10.8) and muc#owner (§10.1, §10.2, §10.9) handed
// to the Room, §7.10 registration and §7.12 reserved nickname discovery
// (registration.cpp), iqs to an occupant JID forwarded to the occupant's real JID
// and their answers back (XEP-0045 §17.1 occupant JIDs stand for the
// occupant), and XEP-0410 MUC Self-Ping v1.1.0 §3.2-§3.3 answered by the
// service.
#include <algorithm>

#include "modules/muc/data_form.hpp"
#include "modules/muc/muc_service.hpp"
#include "modules/served_domain.hpp"
#include "router/router.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod::muc {

using xmpp::Condition;
using xmpp::Jid;
using xmpp::StanzaError;

namespace {

xml::ElementPtr info_query(std::string_view name, const std::vector<std::string_view>& features) {
    const std::string dns(ns::disco_info);
    auto q = xml::Element::make("query", dns);
    auto& id = q->add("identity", dns);
    id.set_attr("category", std::string(ns::conference_category));
    id.set_attr("type", std::string(ns::conference_type_text));
    if (!name.empty()) {
        id.set_attr("name", std::string(name));
    }
    for (auto f : features) {
        q->add("feature", dns).set_attr("var", std::string(f));
    }
    return q;
}

// Forwarded iqs carry the requester's resource in their id, so that the
// answer finds its way back to the session that asked: "<id>|<hex resource>".
std::string tag_id(std::string_view id, std::string_view resource) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out(id);
    out.push_back('|');
    for (unsigned char c : resource) {
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
    }
    return out;
}

std::optional<std::pair<std::string, std::string>> untag_id(std::string_view tagged) {
    auto bar = tagged.rfind('|');
    if (bar == std::string_view::npos || (tagged.size() - bar - 1) % 2 != 0) {
        return std::nullopt;
    }
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    };
    std::string resource;
    for (std::size_t i = bar + 1; i < tagged.size(); i += 2) {
        const int hi = nibble(tagged[i]);
        const int lo = nibble(tagged[i + 1]);
        if (hi < 0 || lo < 0) {
            return std::nullopt;
        }
        resource.push_back(static_cast<char>(hi * 16 + lo));
    }
    return std::pair{std::string(tagged.substr(0, bar)), std::move(resource)};
}

}  // namespace

Awaitable<void> MucService::iq(StanzaEvent& ev) {
    const xml::Element& st = *ev.stanza;
    const bool request = ev.type == "get" || ev.type == "set";
    const auto children = st.children();
    if (request && children.size() != 1) {
        reply_error(st, StanzaError(Condition::bad_request,
                                    "an iq of type get or set needs exactly one child"));
        co_return;
    }
    if (ev.to.local().empty()) {
        if (request) {
            service_iq(ev, *children.front());
        }
        co_return;
    }
    SlotPtr slot = find(ev.to.bare_view());
    if (!slot) {
        if (request) {
            // XEP-0410 §3.2: not-acceptable tells a self-pinging client it is
            // not joined; a room that does not exist is item-not-found.
            reply_error(st, StanzaError(ev.to.resource().empty() ? Condition::item_not_found
                                                                 : Condition::not_acceptable));
        }
        co_return;
    }
    if (request && ev.to.resource().empty() && children.front()->ns() == ns::mam) {
        co_await archive_iq(ev, slot, *children.front());  // XEP-0313 on the room's archive
        co_return;
    }
    if (ev.type == "set" && ev.to.resource().empty() &&
        children.front()->is("moderate", ns::moderate)) {
        co_await moderate_iq(ev, slot, *children.front());  // XEP-0425
        co_return;
    }
    bool must_drain = false;
    {
        std::lock_guard lock(slot->mu);
        if (slot->gone) {
            if (request) {
                reply_error(st, StanzaError(Condition::item_not_found));
            }
        } else if (!ev.to.resource().empty()) {
            occupant_iq(ev, *slot, must_drain);
        } else if (request) {
            room_iq(ev, slot, *children.front(), must_drain);
        }
    }
    if (must_drain) {
        co_await drain(std::move(slot));
    }
}

// §6.1-§6.3: the service's identity, features and public rooms.
void MucService::service_iq(StanzaEvent& ev, const xml::Element& payload) {
    const xml::Element& st = *ev.stanza;
    const bool get = ev.type == "get";
    if (get && payload.is("query", ns::disco_info) && !payload.attr("node")) {
        router_.send(iq_result(
            st, info_query(options_.name, {ns::disco_info, ns::disco_items, ns::muc, ns::ping})));
    } else if (get && payload.is("query", ns::disco_items) && !payload.attr("node")) {
        router_.send(iq_result(st, service_items()));
    } else if (get && payload.is("ping", ns::ping)) {
        router_.send(iq_result(st, nullptr));  // XEP-0199 §4.3
    } else if (payload.ns() == ns::disco_info || payload.ns() == ns::disco_items) {
        reply_error(st, StanzaError(Condition::item_not_found));  // XEP-0030 §7: no such node
    } else {
        reply_error(st, StanzaError(Condition::service_unavailable));
    }
}

// §6.3: public rooms that are open for entry (a locked room does not exist
// yet for anyone but its owner, §7.2.10), with their names.
xml::ElementPtr MucService::service_items() const {
    std::vector<SlotPtr> slots;
    {
        std::lock_guard lock(dir_mu_);
        slots.reserve(rooms_.size());
        for (const auto& [jid, slot] : rooms_) {
            slots.push_back(slot);
        }
    }
    std::vector<std::pair<std::string, std::string>> items;
    for (const auto& slot : slots) {
        std::lock_guard lock(slot->mu);
        const Room& room = slot->room;
        if (!slot->gone && !room.locked() && room.config().public_room) {
            items.emplace_back(room.jid().str(), room.config().name);
        }
    }
    std::sort(items.begin(), items.end());
    const std::string dns(ns::disco_items);
    auto q = xml::Element::make("query", dns);
    for (const auto& [jid, name] : items) {
        auto& item = q->add("item", dns);
        item.set_attr("jid", jid);
        if (!name.empty()) {
            item.set_attr("name", name);
        }
    }
    return q;
}

// §6.4: identity, the room-type features of §16.3 and the muc#roominfo form.
xml::ElementPtr MucService::room_info(const Room& room) const {
    const RoomConfig& c = room.config();
    std::vector<std::string_view> features{ns::disco_info, ns::disco_items, ns::muc,
                                           ns::muc_stable_id, ns::muc_self_ping,
                                           ns::register_};
    for (auto f : room_features(c)) {
        features.push_back(f);
    }
    if (room.occupant_ids()) {
        features.push_back(ns::occupant_id);  // XEP-0421 §3
    }
    if (c.archiving) {
        features.push_back(ns::mam);  // XEP-0313 §7: the room has an archive
        features.push_back(ns::sid);  // XEP-0359 §4: its messages carry a stanza-id
        features.push_back(ns::moderate);  // XEP-0425 §2 (retraction needs the archive)
    }
    auto q = info_query(c.name.empty() ? room.jid().local() : std::string_view(c.name), features);
    std::vector<form::Field> fields{
        {"FORM_TYPE", "hidden", "", {std::string(ns::muc_roominfo)}, {}},
        {"muc#roominfo_description", "text-single", "Description", {c.description}, {}},
        {"muc#roominfo_subject", "text-single", "Subject", {room.subject()}, {}},
        {"muc#roominfo_occupants",
         "text-single",
         "Number of occupants",
         {std::to_string(room.occupant_count())},
         {}},
        {"muc#roomconfig_roomname", "text-single", "Name", {c.name}, {}},
        {"muc#roomconfig_changesubject",
         "boolean",
         "Occupants may change the subject",
         {c.change_subject ? "1" : "0"},
         {}},
        {"muc#maxhistoryfetch",
         "text-single",
         "Maximum number of history messages returned by the room",
         {std::to_string(c.history_length)},
         {}},
    };
    if (!c.language.empty()) {
        fields.push_back({"muc#roominfo_lang", "text-single", "Language", {c.language}, {}});
    }
    q->add_child(form::build("result", "", "", fields));
    return q;
}

void MucService::room_iq(StanzaEvent& ev, const SlotPtr& slot, const xml::Element& payload,
                         bool& must_drain) {
    const xml::Element& st = *ev.stanza;
    Room& room = slot->room;
    const bool get = ev.type == "get";
    auto answer = [&](Result<xml::ElementPtr, StanzaError> r, bool changed = false) {
        Outcome o;
        if (r) {
            o.out.push_back({ev.from, iq_result(st, std::move(*r))});
        } else {
            o.error = r.error();
        }
        must_drain = commit(*slot, std::move(o), st, changed);
    };
    // A set that changes the room: its stanzas first, then the result (§9.1
    // and §10.9 examples), or the error.
    auto apply = [&](Outcome o) {
        if (o.ok()) {
            o.out.push_back({ev.from, iq_result(st, nullptr)});
        }
        must_drain = commit(*slot, std::move(o), st, true);
    };
    if (room.locked() && room.affiliation(ev.from) != Affiliation::owner) {
        answer(fail(StanzaError(Condition::item_not_found)));  // §7.2.10
    } else if (get && payload.is("query", ns::disco_info) &&
               payload.attr_or("node") == kRoomUserItemNode) {
        answer(room.reserved_nick_info(ev.from));  // §7.12
    } else if (payload.ns() == ns::disco_info || payload.ns() == ns::disco_items) {
        if (!get || payload.name() != "query" || payload.attr("node")) {
            answer(fail(StanzaError(Condition::item_not_found)));
        } else if (payload.ns() == ns::disco_info) {
            answer(room_info(room));
        } else {
            // §6.5: the occupants are listed to occupants only; others get
            // the empty list the XEP allows.
            auto q = xml::Element::make("query", std::string(ns::disco_items));
            if (room.occupant_by_jid(ev.from) != nullptr) {
                for (const auto& [nick, o] : room.occupants()) {
                    q->add("item", std::string(ns::disco_items))
                        .set_attr("jid", o.occupant_jid.str());
                }
            }
            answer(std::move(q));
        }
    } else if (get && payload.is("ping", ns::ping)) {
        answer(xml::ElementPtr());
    } else if (payload.is("query", ns::muc_admin)) {
        if (get) {
            answer(room.admin_get(ev.from, payload));
        } else {
            apply(room.admin_set(ev.from, payload));
        }
    } else if (payload.is("query", ns::register_)) {
        if (get) {
            answer(room.register_get(ev.from));  // §7.10
        } else {
            // §7.10: the result first ("the room MUST inform the user that the
            // registration request was successfully received"), then the
            // new member's presence to the occupants.
            bool changed = false;
            Outcome o = room.register_set(ev.from, payload, &changed);
            if (o.ok()) {
                o.out.insert(o.out.begin(), Outgoing{ev.from, iq_result(st, nullptr)});
            }
            must_drain = commit(*slot, std::move(o), st, changed);
        }
    } else if (payload.is("query", ns::muc_owner)) {
        if (get) {
            answer(room.owner_get(ev.from));
        } else {
            apply(room.owner_set(ev.from, payload));
        }
    } else {
        answer(fail(StanzaError(Condition::service_unavailable)));
    }
}

void MucService::occupant_iq(StanzaEvent& ev, Slot& slot, bool& must_drain) {
    const xml::Element& st = *ev.stanza;
    const Room& room = slot.room;
    const Occupant* sender = room.occupant_by_jid(ev.from);
    const Occupant* target = room.occupant(ev.to.resource());
    Outcome o;
    if (ev.type == "result" || ev.type == "error") {
        // The answer of an occupant to an iq the room forwarded: back to the
        // session that asked, from the answering occupant's JID.
        auto tagged = untag_id(st.attr_or("id"));
        if (sender == nullptr || target == nullptr || !tagged) {
            return;
        }
        Jid to = target->primary().jid;
        for (const auto& s : target->sessions) {
            if (s.jid.resource() == tagged->second) {
                to = s.jid;
            }
        }
        auto copy = st.shallow_copy();
        copy->set_attr("from", sender->occupant_jid.str());
        copy->set_attr("to", to.str());
        copy->set_attr("id", tagged->first);
        o.out.push_back({to, std::move(copy)});
    } else if (sender == nullptr) {
        // XEP-0410 §3.2: "not-acceptable": the client is not joined.
        o.error = StanzaError(Condition::not_acceptable, "You are not in the room");
    } else if (target == nullptr) {
        o.error = StanzaError(Condition::item_not_found);  // XEP-0410 §3.2: no such nickname
    } else if (target == sender && st.child("ping", ns::ping) != nullptr) {
        o.out.push_back({ev.from, iq_result(st, nullptr)});  // XEP-0410 §3.3
    } else {
        auto copy = st.shallow_copy();
        copy->set_attr("from", sender->occupant_jid.str());
        copy->set_attr("to", target->primary().jid.str());
        copy->set_attr("id", tag_id(st.attr_or("id"), ev.from.resource()));
        o.out.push_back({target->primary().jid, std::move(copy)});
    }
    must_drain = commit(slot, std::move(o), st, false);
}

}  // namespace parley::mod::muc
