// XEP-0357 Push Notifications v0.4.1: §5 enable, §6 disable, §7 publishing
// with the urn:xmpp:push:summary form, §7.1 publish errors.
#include "modules/push/push_notification.hpp"

#include <charconv>

#include "xml/serializer.hpp"
#include "xml/stream_parser.hpp"
#include "xmpp/data_form.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod::push {

namespace {

using xmpp::Condition;
using xmpp::StanzaError;

// The first value of field `var` of a data form, or nullopt.
std::optional<std::string> field_value(const xml::Element& x, std::string_view var) {
    for (const auto* field : x.children("field", ns::data_forms)) {
        if (field->attr_or("var") == var) {
            return field->child_text("value", ns::data_forms).value_or("");
        }
    }
    return std::nullopt;
}

Result<std::string, StanzaError> service_jid(const xml::Element& e) {
    const auto attr = e.attr("jid");
    if (!attr || attr->empty()) {
        return fail(StanzaError(Condition::bad_request, "the 'jid' attribute is required"));
    }
    auto jid = xmpp::Jid::parse(*attr);
    if (!jid) {
        return fail(StanzaError(Condition::jid_malformed, "the 'jid' attribute is not a JID"));
    }
    return jid->str();
}

}  // namespace

std::string storage_key(std::string_view jid, std::string_view node) {
    // Length-prefixed, so that no (jid, node) pair can collide with another.
    std::string key = std::to_string(jid.size());
    key += ':';
    key += jid;
    key += node;
    return key;
}

std::string encode(const Registration& r) {
    auto e = xml::Element::make("registration", std::string(ns::push));
    e->set_attr("jid", r.jid);
    if (!r.node.empty()) {
        e->set_attr("node", r.node);
    }
    e->set_attr("enabled", std::to_string(r.enabled_at_ms));
    if (r.options) {
        e->add_child(r.options->deep_copy());
    }
    return xml::to_string(*e);
}

std::optional<Registration> decode(std::string_view text) {
    auto e = xml::parse_element(text);
    if (!e || !e->is("registration", ns::push) || !e->attr("jid")) {
        return std::nullopt;
    }
    Registration r;
    r.jid = std::string(e->attr_or("jid"));
    r.node = std::string(e->attr_or("node"));
    const auto at = e->attr_or("enabled");
    (void)std::from_chars(at.data(), at.data() + at.size(), r.enabled_at_ms);  // 0 if unreadable
    if (const auto* x = e->child("x", ns::data_forms)) {
        r.options = x->deep_copy();
    }
    return r;
}

Result<Registration, StanzaError> parse_enable(const xml::Element& enable) {
    auto jid = service_jid(enable);
    if (!jid) {
        return fail(jid.error());
    }
    Registration r;
    r.jid = std::move(*jid);
    r.node = std::string(enable.attr_or("node"));
    if (const auto* x = enable.child("x", ns::data_forms)) {
        // §5: "a XEP-0004 data form with a FORM_TYPE of
        // http://jabber.org/protocol/pubsub#publish-options". The XEP's own
        // example has no 'type', so a missing one is taken as 'submit'.
        const auto type = x->attr_or("type", "submit");
        if (type != "submit") {
            return fail(StanzaError(Condition::bad_request,
                                    "the publish options must be a form of type 'submit'"));
        }
        if (field_value(*x, "FORM_TYPE") != std::string(ns::pubsub_publish_options)) {
            return fail(StanzaError(Condition::bad_request,
                                    "the publish options need FORM_TYPE "
                                    "http://jabber.org/protocol/pubsub#publish-options"));
        }
        auto copy = x->deep_copy();
        copy->set_attr("type", "submit");  // XEP-0060 §7.1.5 publish-options are submitted
        r.options = std::move(copy);
    }
    return r;
}

Result<Disable, StanzaError> parse_disable(const xml::Element& disable) {
    auto jid = service_jid(disable);
    if (!jid) {
        return fail(jid.error());
    }
    Disable d{std::move(*jid), std::nullopt};
    if (auto node = disable.attr("node")) {
        d.node = std::string(*node);
    }
    return d;
}

Unwrapped unwrap(const xml::Element& message) {
    for (std::string_view dir : {"received", "sent"}) {
        const auto* carbon = message.child(dir, ns::carbons);
        const auto* fwd = carbon ? carbon->child("forwarded", ns::forward) : nullptr;
        const auto* inner = fwd ? fwd->child("message", ns::client) : nullptr;
        if (inner) {
            return {inner, dir == "sent"};
        }
    }
    return {&message, false};
}

bool is_important(const xml::Element& outer) {
    const auto [message, sent_carbon] = unwrap(outer);
    const auto type = message->attr_or("type");
    if (type == "headline" || type == "error" || sent_carbon) {
        return false;
    }
    // The body of an encrypted message cannot be looked at: always important.
    if (message->child("encrypted", ns::omemo_legacy) || message->child("encrypted", ns::omemo) ||
        message->child("x", ns::pgp_encrypted) || message->child("openpgp", ns::openpgp)) {
        return true;
    }
    if (message->child("propose", ns::jingle_message)) {
        return true;  // XEP-0353: an incoming call
    }
    if (type == "groupchat" && message->child("subject", ns::client)) {
        return false;
    }
    const auto body = message->child_text("body", ns::client);
    return body && !body->empty();
}

Summary summarize(const xml::Element& outer, std::uint64_t count, const Content& content) {
    const auto* message = unwrap(outer).message;
    Summary s;
    s.message_count = count;
    if (content.include_sender) {
        s.last_sender = std::string(message->attr_or("from"));
    }
    if (content.include_body) {
        if (auto body = message->child_text("body", ns::client); body && !body->empty()) {
            s.last_body = std::move(*body);
        }
    }
    return s;
}

xml::ElementPtr build_publish(std::string_view from_bare, const Registration& r,
                              const Summary& summary) {
    auto iq = xml::Element::make("iq", std::string(ns::client));
    iq->set_attr("type", "set");
    iq->set_attr("from", std::string(from_bare));
    iq->set_attr("to", r.jid);
    auto& pubsub = iq->add("pubsub", std::string(ns::pubsub));
    auto& publish = pubsub.add("publish", std::string(ns::pubsub));
    if (!r.node.empty()) {
        publish.set_attr("node", r.node);
    }
    std::vector<xmpp::form::Field> fields{
        {"FORM_TYPE", "", "", {std::string(ns::push_summary)}, {}},
        {"message-count", "", "", {std::to_string(summary.message_count)}, {}},
    };
    if (!summary.last_sender.empty()) {
        fields.push_back({"last-message-sender", "", "", {summary.last_sender}, {}});
    }
    if (summary.last_body) {
        fields.push_back({"last-message-body", "", "", {*summary.last_body}, {}});
    }
    publish.add("item", std::string(ns::pubsub))
        .add("notification", std::string(ns::push))
        .add_child(xmpp::form::build("submit", "", "", fields));
    if (r.options) {
        pubsub.add("publish-options", std::string(ns::pubsub)).add_child(r.options->deep_copy());
    }
    return iq;
}

bool error_counts(const xml::Element& answer) {
    if (answer.attr_or("type") != "error") {
        return false;
    }
    const auto* error = answer.child("error", answer.ns());
    return !error || error->attr_or("type") != "wait";
}

}  // namespace parley::mod::push
