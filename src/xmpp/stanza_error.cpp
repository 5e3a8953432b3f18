#include "xmpp/stanza_error.hpp"

#include <array>

#include "xmpp/ns.hpp"

namespace parley::xmpp {

namespace {

constexpr std::array kConditionNames = {
    "bad-request",          "conflict",
    "feature-not-implemented", "forbidden",
    "gone",                 "internal-server-error",
    "item-not-found",       "jid-malformed",
    "not-acceptable",       "not-allowed",
    "not-authorized",       "policy-violation",
    "recipient-unavailable", "redirect",
    "registration-required", "remote-server-not-found",
    "remote-server-timeout", "resource-constraint",
    "service-unavailable",  "subscription-required",
    "undefined-condition",  "unexpected-request",
};

constexpr std::array kStreamConditionNames = {
    "bad-format",           "bad-namespace-prefix",  "conflict",
    "connection-timeout",   "host-gone",             "host-unknown",
    "improper-addressing",  "internal-server-error", "invalid-from",
    "invalid-namespace",    "invalid-xml",           "not-authorized",
    "not-well-formed",      "policy-violation",      "remote-connection-failed",
    "reset",                "resource-constraint",   "restricted-xml",
    "see-other-host",       "system-shutdown",       "undefined-condition",
    "unsupported-encoding", "unsupported-feature",   "unsupported-stanza-type",
    "unsupported-version",
};

}  // namespace

std::string_view to_string(Condition c) { return kConditionNames.at(static_cast<size_t>(c)); }

std::string_view to_string(ErrorType t) {
    switch (t) {
        case ErrorType::auth: return "auth";
        case ErrorType::cancel: return "cancel";
        case ErrorType::continue_: return "continue";
        case ErrorType::modify: return "modify";
        case ErrorType::wait: return "wait";
    }
    return "cancel";
}

std::string_view to_string(StreamCondition c) {
    return kStreamConditionNames.at(static_cast<size_t>(c));
}

// RFC 6120 §8.3.3: the error type given with each defined condition's example.
ErrorType StanzaError::default_type(Condition c) {
    switch (c) {
        case Condition::bad_request:
        case Condition::jid_malformed:
        case Condition::not_acceptable:
        case Condition::policy_violation:
        case Condition::redirect:
            return ErrorType::modify;
        case Condition::forbidden:
        case Condition::not_authorized:
        case Condition::registration_required:
        case Condition::subscription_required:
            return ErrorType::auth;
        case Condition::recipient_unavailable:
        case Condition::remote_server_timeout:
        case Condition::resource_constraint:
        case Condition::unexpected_request:
            return ErrorType::wait;
        default:
            return ErrorType::cancel;
    }
}

xml::ElementPtr StanzaError::to_element() const {
    auto err = xml::Element::make("error", std::string(ns::client));
    err->set_attr("type", std::string(to_string(type)));
    err->add(std::string(to_string(condition)), std::string(ns::stanzas));
    if (!text.empty()) {
        err->add("text", std::string(ns::stanzas)).add_text(text);
    }
    if (app_specific) {
        err->add_child(app_specific);
    }
    return err;
}

xml::ElementPtr make_error_reply(const xml::Element& stanza, const StanzaError& err) {
    auto type = stanza.attr_or("type");
    if (type == "error" || (stanza.name() == "iq" && type == "result")) {
        return nullptr;  // RFC 6120 §8.3.1: never answer an error; a result needs no answer
    }
    auto reply = stanza.name() == "iq" ? xml::Element::make("iq", stanza.ns()) : stanza.shallow_copy();
    if (stanza.name() == "iq") {
        // RFC 6120 §8.3.1 lets an iq error include the original payload; we
        // leave it out, as Prosody does, so that secrets in a request (a new
        // password, XEP-0077 §3.3) are never echoed back.
        for (const auto& a : stanza.attributes()) {
            reply->set_attr(a.name, a.value);
        }
    }
    auto to = stanza.attr("to");
    auto from = stanza.attr("from");
    reply->remove_attr("to").remove_attr("from");
    if (from) {
        reply->set_attr("to", std::string(*from));
    }
    if (to) {
        reply->set_attr("from", std::string(*to));
    }
    reply->set_attr("type", "error");
    reply->add_child(err.to_element());
    return reply;
}

xml::ElementPtr StreamError::to_element() const {
    auto e = xml::Element::make("error", std::string(ns::streams));
    e->add(std::string(to_string(condition)), std::string(ns::xmpp_streams));
    if (!text.empty()) {
        e->add("text", std::string(ns::xmpp_streams)).add_text(text);
    }
    if (app_condition) {
        e->add_child(app_condition->deep_copy());
    }
    return e;
}

}  // namespace parley::xmpp
