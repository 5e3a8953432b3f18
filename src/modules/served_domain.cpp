#include "modules/served_domain.hpp"

#include "xmpp/ns.hpp"

namespace parley::mod {

using xmpp::Condition;
using xmpp::StanzaError;

xml::ElementPtr iq_result(const xml::Element& iq, xml::ElementPtr payload) {
    auto r = xml::Element::make("iq", std::string(ns::client));
    r->set_attr("type", "result");
    r->set_attr("id", std::string(iq.attr_or("id")));
    r->set_attr("from", std::string(iq.attr_or("to")));
    r->set_attr("to", std::string(iq.attr_or("from")));
    if (payload) {
        r->add_child(std::move(payload));
    }
    return r;
}

const xml::Element* service_request(Router& router, const StanzaEvent& ev) {
    const xml::Element& st = *ev.stanza;
    if (ev.kind == StanzaKind::message) {
        router.bounce(st, StanzaError(Condition::service_unavailable));
        return nullptr;
    }
    if (ev.kind != StanzaKind::iq || (ev.type != "get" && ev.type != "set")) {
        return nullptr;
    }
    const auto children = st.children();
    if (children.size() != 1) {
        router.bounce(st, StanzaError(Condition::bad_request));
        return nullptr;
    }
    if (!ev.to.local().empty() || !ev.to.resource().empty()) {
        router.bounce(st, StanzaError(Condition::item_not_found));
        return nullptr;
    }
    return children.front();
}

bool answer_disco(Router& router, const StanzaEvent& ev, const xml::Element& payload,
                  const std::function<xml::ElementPtr()>& info) {
    if (payload.ns() != ns::disco_info && payload.ns() != ns::disco_items) {
        return false;
    }
    const xml::Element& st = *ev.stanza;
    if (ev.type != "get" || payload.name() != "query" || payload.attr("node")) {
        router.bounce(st, StanzaError(Condition::item_not_found));
    } else if (payload.ns() == ns::disco_info) {
        router.send(iq_result(st, info()));
    } else {
        router.send(iq_result(st, xml::Element::make("query", std::string(ns::disco_items))));
    }
    return true;
}

std::vector<std::string> split_list(std::string_view text) {
    std::vector<std::string> out;
    while (!text.empty()) {
        const auto comma = text.find(',');
        auto item = text.substr(0, comma);
        text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
        while (!item.empty() && item.front() == ' ') {
            item.remove_prefix(1);
        }
        while (!item.empty() && item.back() == ' ') {
            item.remove_suffix(1);
        }
        if (!item.empty()) {
            out.emplace_back(item);
        }
    }
    return out;
}

std::set<std::string, std::less<>> domain_set(std::string_view text) {
    auto items = split_list(text);
    return {items.begin(), items.end()};
}

}  // namespace parley::mod
