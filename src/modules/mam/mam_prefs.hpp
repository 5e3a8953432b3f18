// Archiving preferences (XEP-0441 Message Archive Management Preferences
// v0.2.0, carried in the urn:xmpp:mam:2 namespace): the default policy and the
// always/never lists, their XML form (§2.1), and the decision for one contact
// (§2.2 JID matching). Values; any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "xml/element.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/stanza_error.hpp"

namespace parley::mod::mam {

enum class Policy { always, never, roster };

std::optional<Policy> parse_policy(std::string_view s);
std::string_view to_string(Policy p);

struct Prefs {
    Policy default_policy = Policy::always;
    std::vector<std::string> always;  // normalized JIDs, bare or full
    std::vector<std::string> never;
};

// Reads <prefs xmlns='urn:xmpp:mam:2' default='...'>: bad-request for a
// missing or unknown default, jid-malformed for a bad <jid/>.
Result<Prefs, xmpp::StanzaError> parse_prefs(const xml::Element& prefs);
// <prefs default='...'><always>...</always><never>...</never></prefs>, both
// lists present even when empty (§2.1).
xml::ElementPtr build_prefs(const Prefs& prefs);

enum class Decision { archive, skip, ask_roster };

// §2.2: a listed full JID matches that resource only, a listed bare JID any
// resource; never wins over always (the safer reading when both match);
// otherwise the default, where "roster" needs the caller to look the
// contact's bare JID up.
Decision decide(const Prefs& prefs, const xmpp::Jid& contact);

}  // namespace parley::mod::mam
