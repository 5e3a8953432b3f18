// XEP-0160 Best Practices for Handling Offline Messages v1.0.1: §2 (delay
// stamp), §3 (which message types are stored); XEP-0085 Chat State
// Notifications v2.1 §5.5 (standalone notifications are not stored offline);
// XEP-0203 Delayed Delivery v2.0 §2 (the <delay/> element).
#include "modules/offline/offline_message.hpp"

#include <variant>

#include "modules/time/datetime.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod::offline {

namespace {

// XEP-0085 namespace. TODO(lead): add ns::chatstates to xmpp/ns.hpp and use it
// here (modules may not edit xmpp/ in this change).
constexpr std::string_view kChatStatesNs = "http://jabber.org/protocol/chatstates";

bool is_standalone_chat_state(const xml::Element& message) {
    bool has_state = false;
    for (const auto* child : message.children()) {
        if (child->ns() == kChatStatesNs) {
            has_state = true;
        } else if (!child->is("thread", message.ns())) {
            return false;  // a body, subject or any other payload: real content
        }
    }
    return has_state;
}

}  // namespace

OfflineAction classify(const xml::Element& message) {
    const auto type = message.attr_or("type");
    if (!type.empty() && type != "normal" && type != "chat") {
        return OfflineAction::refuse;  // groupchat, headline, error (and unknown types)
    }
    if (message.first_child() == nullptr) {
        return OfflineAction::drop;  // nothing to deliver later
    }
    if (message.child("body", message.ns()) == nullptr && is_standalone_chat_state(message)) {
        return OfflineAction::drop;
    }
    return OfflineAction::store;
}

xml::ElementPtr prepare_for_storage(const xml::Element& message, const std::string& bare_to,
                                    const std::string& host,
                                    std::chrono::system_clock::time_point now) {
    const std::string delay_ns(ns::delay);
    // Same name, namespace and attributes; children shared, in order, except
    // a <delay/> that claims our name (a client could forge one).
    auto copy = xml::Element::make(message.name(), message.ns());
    for (const auto& a : message.attributes()) {
        copy->set_attr(a.name, a.value);
    }
    copy->set_attr("to", bare_to);
    for (const auto& node : message.nodes()) {
        if (const auto* text = std::get_if<std::string>(&node)) {
            copy->add_text(*text);
            continue;
        }
        const auto& child = std::get<xml::ElementPtr>(node);
        if (child->is("delay", delay_ns) && child->attr_or("from") == host) {
            continue;
        }
        copy->add_child(child);
    }
    auto& delay = copy->add("delay", delay_ns);
    delay.set_attr("from", host);
    delay.set_attr("stamp", datetime::format_utc(now));
    delay.add_text("Offline Storage");
    return copy;
}

}  // namespace parley::mod::offline
