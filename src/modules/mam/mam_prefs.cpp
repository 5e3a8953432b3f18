// XEP-0441 Message Archive Management Preferences v0.2.0: §2.1 (the <prefs/>
// element, default always/never/roster), §2.2 (JID matching).
#include "modules/mam/mam_prefs.hpp"

#include <algorithm>

#include "xmpp/ns.hpp"

namespace parley::mod::mam {

using xmpp::Condition;
using xmpp::StanzaError;

std::optional<Policy> parse_policy(std::string_view s) {
    if (s == "always") {
        return Policy::always;
    }
    if (s == "never") {
        return Policy::never;
    }
    if (s == "roster") {
        return Policy::roster;
    }
    return std::nullopt;
}

std::string_view to_string(Policy p) {
    switch (p) {
        case Policy::always:
            return "always";
        case Policy::never:
            return "never";
        case Policy::roster:
            return "roster";
    }
    return "always";
}

namespace {

Result<std::vector<std::string>, StanzaError> parse_list(const xml::Element& prefs,
                                                         std::string_view name) {
    std::vector<std::string> out;
    const auto* list = prefs.child(name, ns::mam);
    if (list == nullptr) {
        return out;  // §2.1: a missing list is an empty one
    }
    for (const auto* j : list->children("jid", ns::mam)) {
        auto jid = xmpp::Jid::parse(j->text());
        if (!jid) {
            return fail(StanzaError(Condition::jid_malformed, jid.error().reason));
        }
        if (std::find(out.begin(), out.end(), jid->str()) == out.end()) {
            out.push_back(jid->str());
        }
    }
    return out;
}

bool listed(const std::vector<std::string>& list, const xmpp::Jid& contact) {
    return std::any_of(list.begin(), list.end(), [&](const std::string& j) {
        return j == contact.str() || j == contact.bare_view();
    });
}

}  // namespace

Result<Prefs, StanzaError> parse_prefs(const xml::Element& prefs) {
    auto policy = parse_policy(prefs.attr_or("default"));
    if (!policy) {
        return fail(StanzaError(Condition::bad_request,
                                "'default' must be always, never or roster (XEP-0441 §2.1)"));
    }
    Prefs p;
    p.default_policy = *policy;
    auto always = parse_list(prefs, "always");
    if (!always) {
        return fail(always.error());
    }
    auto never = parse_list(prefs, "never");
    if (!never) {
        return fail(never.error());
    }
    p.always = std::move(*always);
    p.never = std::move(*never);
    return p;
}

xml::ElementPtr build_prefs(const Prefs& prefs) {
    const std::string mns(ns::mam);
    auto e = xml::Element::make("prefs", mns);
    e->set_attr("default", std::string(to_string(prefs.default_policy)));
    auto& always = e->add("always", mns);
    for (const auto& j : prefs.always) {
        always.add_text_child("jid", mns, j);
    }
    auto& never = e->add("never", mns);
    for (const auto& j : prefs.never) {
        never.add_text_child("jid", mns, j);
    }
    return e;
}

Decision decide(const Prefs& prefs, const xmpp::Jid& contact) {
    if (listed(prefs.never, contact)) {
        return Decision::skip;
    }
    if (listed(prefs.always, contact)) {
        return Decision::archive;
    }
    switch (prefs.default_policy) {
        case Policy::always:
            return Decision::archive;
        case Policy::never:
            return Decision::skip;
        case Policy::roster:
            return Decision::ask_roster;
    }
    return Decision::archive;
}

}  // namespace parley::mod::mam
