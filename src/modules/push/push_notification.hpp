// XEP-0357 Push Notifications v0.4.1, the pure part: the <enable/> and
// <disable/> requests (§5, §6), a registration as it is stored, which
// messages warrant a notification (Prosody mod_cloud_notify's "important"
// rule), and the pubsub publish sent to the app server (§7) with its
// urn:xmpp:push:summary form. Pure functions on values; safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "xml/element.hpp"
#include "xmpp/stanza_error.hpp"

namespace parley::mod::push {

// One enabled XMPP Push Service of an account (§5): where to publish, and the
// publish-options form the client gave (XEP-0060 §7.1.5), if any.
struct Registration {
    std::string jid;                 // the push service, normalized
    std::string node;                // §5: SHOULD be given; empty when it was not
    xml::ElementRef options;         // <x xmlns='jabber:x:data'/> or null
    std::int64_t enabled_at_ms = 0;  // when it was enabled (the oldest is evicted first)
};

// The key a registration is stored under (one per (jid, node), §5: "MAY be
// enabled multiple times ... only if different node values are provided").
std::string storage_key(std::string_view jid, std::string_view node);
// A registration as stored (an XML element) and back; nullopt when the text
// is not one.
std::string encode(const Registration& r);
std::optional<Registration> decode(std::string_view text);

// §5: <enable jid= [node=]> with an optional publish-options form. bad-request
// when 'jid' is missing or not a JID, or when the form is not a submitted
// form of FORM_TYPE http://jabber.org/protocol/pubsub#publish-options.
Result<Registration, xmpp::StanzaError> parse_enable(const xml::Element& enable);

// §6: <disable jid= [node=]>; without a node every node of the service goes.
struct Disable {
    std::string jid;
    std::optional<std::string> node;
};
Result<Disable, xmpp::StanzaError> parse_disable(const xml::Element& disable);

// The message a notification is about: `message` itself, or the message
// inside a XEP-0280 carbon copy. `sent_carbon` is set for a copy of what the
// user sent from another resource (never worth a notification).
struct Unwrapped {
    const xml::Element* message = nullptr;
    bool sent_carbon = false;
};
Unwrapped unwrap(const xml::Element& message);

// Prosody mod_cloud_notify's is_important: a message with a non-empty body,
// an end-to-end encrypted payload (OMEMO, XEP-0027, XEP-0373) or an incoming
// call (XEP-0353 <propose/>); never a headline, a groupchat subject change or
// a carbon copy of a message the user sent.
bool is_important(const xml::Element& message);

// What the summary form says (§7, urn:xmpp:push:summary).
struct Summary {
    std::uint64_t message_count = 1;
    std::string last_sender;               // empty: not included
    std::optional<std::string> last_body;  // nullopt: not included
};
// What the operator lets reach the app server ([modules.push]).
struct Content {
    bool include_sender = true;
    bool include_body = false;
};
Summary summarize(const xml::Element& message, std::uint64_t count, const Content& content);

// §7: <iq type='set' from=BARE to=JID><pubsub><publish node=NODE><item>
// <notification><x type='submit'>FORM_TYPE ... </x></notification></item>
// </publish>[<publish-options>FORM</publish-options>]</pubsub></iq>. The id is
// set by whoever sends it.
xml::ElementPtr build_publish(std::string_view from_bare, const Registration& r,
                              const Summary& summary);

// §7.1: whether an error answer to a publish counts against the registration
// (every error but the transient type 'wait').
bool error_counts(const xml::Element& answer);

}  // namespace parley::mod::push
