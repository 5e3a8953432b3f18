// XEP-0045 Multi-User Chat v1.35.5: §7.2.2 extended presence, §10.2.1 status
// messages, §16.6 status codes, §17.3 presence business rules.
#include "modules/muc/stanzas.hpp"

#include "xmpp/ns.hpp"

namespace parley::mod::muc {

xml::ElementPtr muc_user_x(const ItemSpec& spec, const std::vector<int>& codes) {
    const std::string uns(ns::muc_user);
    auto x = xml::Element::make("x", uns);
    auto& item = x->add("item", uns);
    item.set_attr("affiliation", std::string(to_string(spec.affiliation)));
    item.set_attr("role", std::string(to_string(spec.role)));
    if (spec.jid) {
        item.set_attr("jid", spec.jid->str());  // §17.3 rule 10: the full JID
    }
    if (!spec.nick.empty()) {
        item.set_attr("nick", spec.nick);
    }
    if (!spec.actor_nick.empty()) {
        item.add("actor", uns).set_attr("nick", spec.actor_nick);
    }
    if (!spec.reason.empty()) {
        item.add_text_child("reason", uns, spec.reason);
    }
    for (int code : codes) {
        x->add("status", uns).set_attr("code", std::to_string(code));
    }
    return x;
}

xml::ElementPtr occupant_id_element(std::string_view id) {
    auto e = xml::Element::make("occupant-id", std::string(ns::occupant_id));
    e->set_attr("id", std::string(id));
    return e;
}

xml::ElementPtr occupant_presence(const xmpp::Jid& from, const xml::Element* payload,
                                  std::string_view type, xml::ElementPtr x,
                                  std::string_view occupant_id) {
    auto p = xml::Element::make("presence", std::string(ns::client));
    p->set_attr("from", from.str());
    if (!type.empty()) {
        p->set_attr("type", std::string(type));
    }
    if (payload != nullptr) {
        for (const auto& node : payload->nodes()) {
            const auto* child = std::get_if<xml::ElementPtr>(&node);
            if (child == nullptr) {
                continue;  // whitespace between children
            }
            const auto& cns = (*child)->ns();
            if (cns == ns::muc || cns == ns::muc_user || cns == ns::occupant_id) {
                continue;
            }
            p->add_child(*child);
        }
    }
    p->add_child(std::move(x));
    if (!occupant_id.empty()) {
        p->add_child(occupant_id_element(occupant_id));
    }
    return p;
}

Outgoing addressed(const xml::ElementRef& stanza, const xmpp::Jid& to) {
    auto copy = stanza->shallow_copy();
    copy->set_attr("to", to.str());
    return Outgoing{to, std::move(copy), stanza};
}

xml::ElementPtr error_reply(const xml::Element& stanza, const xmpp::StanzaError& error,
                            const xmpp::Jid& room) {
    xml::ElementPtr reply;
    if (stanza.name() == "presence") {
        if (stanza.attr_or("type") == "error") {
            return nullptr;
        }
        auto bare = xml::Element::make("presence", stanza.ns());
        for (const auto& a : stanza.attributes()) {
            bare->set_attr(a.name, a.value);
        }
        bare->add("x", std::string(ns::muc));
        reply = xmpp::make_error_reply(*bare, error);
    } else {
        reply = xmpp::make_error_reply(stanza, error);
    }
    if (!reply) {
        return nullptr;
    }
    // The <error/> make_error_reply appended is the last child.
    for (auto it = reply->nodes().rbegin(); it != reply->nodes().rend(); ++it) {
        if (const auto* child = std::get_if<xml::ElementPtr>(&*it)) {
            if ((*child)->name() == "error") {
                (*child)->set_attr("by", room.str());
                break;
            }
        }
    }
    return reply;
}

xml::ElementPtr status_message(const xmpp::Jid& room, const std::vector<int>& codes) {
    auto m = xml::Element::make("message", std::string(ns::client));
    m->set_attr("from", room.str());
    m->set_attr("type", "groupchat");
    const std::string uns(ns::muc_user);
    auto& x = m->add("x", uns);
    for (int code : codes) {
        x.add("status", uns).set_attr("code", std::to_string(code));
    }
    return m;
}

xml::ElementPtr iq_result(const xml::Element& iq, xml::ElementPtr payload) {
    auto r = xml::Element::make("iq", std::string(ns::client));
    r->set_attr("type", "result");
    r->set_attr("id", std::string(iq.attr_or("id")));
    r->set_attr("from", std::string(iq.attr_or("to")));
    r->set_attr("to", std::string(iq.attr_or("from")));
    r->add_child(std::move(payload));
    return r;
}

}  // namespace parley::mod::muc
