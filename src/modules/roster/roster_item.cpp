// RFC 6121 §2.1.2 (roster item attributes and groups), §2.3.3 (errors of a
// roster set), §3.4 ('approved').
#include "modules/roster/roster_item.hpp"

#include <algorithm>

#include "xmpp/ns.hpp"

namespace parley::mod::roster {

using xmpp::Condition;
using xmpp::StanzaError;

namespace {

Result<ItemSubscription, StanzaError> parse_subscription(std::string_view s) {
    if (s.empty() || s == "none") {
        return ItemSubscription::none;
    }
    if (s == "to") {
        return ItemSubscription::to;
    }
    if (s == "from") {
        return ItemSubscription::from;
    }
    if (s == "both") {
        return ItemSubscription::both;
    }
    if (s == "remove") {
        return ItemSubscription::remove;
    }
    return fail(
        StanzaError(Condition::bad_request,
                    "subscription must be none, to, from, both or remove (RFC 6121 §2.1.2.5)"));
}

}  // namespace

std::string_view to_string(storage::Subscription s) {
    switch (s) {
        case storage::Subscription::none:
            return "none";
        case storage::Subscription::to:
            return "to";
        case storage::Subscription::from:
            return "from";
        case storage::Subscription::both:
            return "both";
    }
    return "none";
}

Result<ItemRequest, StanzaError> parse_item(const xml::Element& item) {
    if (!item.is("item", ns::roster)) {
        return fail(StanzaError(Condition::bad_request, "expected <item/> in jabber:iq:roster"));
    }
    auto jid_attr = item.attr("jid");
    if (!jid_attr) {
        return fail(StanzaError(Condition::bad_request, "the item has no jid (RFC 6121 §2.1.2.3)"));
    }
    auto jid = xmpp::Jid::parse(*jid_attr);
    if (!jid) {
        return fail(StanzaError(Condition::jid_malformed, jid.error().reason));
    }
    if (!jid->is_bare()) {
        return fail(StanzaError(Condition::bad_request, "a roster item is a bare JID"));
    }
    ItemRequest req;
    req.jid = std::move(*jid);
    req.name = std::string(item.attr_or("name"));
    if (req.name.size() > kMaxNameBytes) {
        return fail(
            StanzaError(Condition::not_acceptable, "the name is too long (RFC 6121 §2.3.3)"));
    }
    auto sub = parse_subscription(item.attr_or("subscription"));
    if (!sub) {
        return fail(sub.error());
    }
    req.subscription = *sub;
    for (const auto* group : item.children("group", ns::roster)) {
        std::string g = group->text();
        if (g.empty()) {
            return fail(
                StanzaError(Condition::not_acceptable, "a group name is empty (RFC 6121 §2.3.3)"));
        }
        if (g.size() > kMaxNameBytes) {
            return fail(StanzaError(Condition::not_acceptable,
                                    "a group name is too long (RFC 6121 §2.3.3)"));
        }
        if (std::find(req.groups.begin(), req.groups.end(), g) != req.groups.end()) {
            return fail(StanzaError(Condition::bad_request,
                                    "the item names a group twice (RFC 6121 §2.3.3)"));
        }
        if (req.groups.size() == kMaxGroups) {
            return fail(StanzaError(Condition::not_acceptable, "too many groups"));
        }
        req.groups.push_back(std::move(g));
    }
    return req;
}

xml::ElementPtr serialize_item(const storage::RosterItem& item) {
    auto e = xml::Element::make("item", std::string(ns::roster));
    e->set_attr("jid", item.jid);
    if (!item.name.empty()) {
        e->set_attr("name", item.name);
    }
    e->set_attr("subscription", std::string(to_string(item.subscription)));
    if (item.ask) {
        e->set_attr("ask", "subscribe");
    }
    // §3.4: 'approved' is only meaningful while the contact is not yet subscribed.
    const bool has_from = item.subscription == storage::Subscription::from ||
                          item.subscription == storage::Subscription::both;
    if (item.approved && !has_from) {
        e->set_attr("approved", "true");
    }
    for (const auto& g : item.groups) {
        e->add_text_child("group", std::string(ns::roster), g);
    }
    return e;
}

xml::ElementPtr serialize_removed_item(std::string_view jid) {
    auto e = xml::Element::make("item", std::string(ns::roster));
    e->set_attr("jid", std::string(jid));
    e->set_attr("subscription", "remove");
    return e;
}

}  // namespace parley::mod::roster
