// The pure parts of offline storage (XEP-0160 v1.0.1 §3, XEP-0085 v2.1 §5.5,
// XEP-0203 v2.0 §2): which messages are stored, and the copy that is stored.
// Pure functions over immutable elements; any thread.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "xml/element.hpp"

namespace parley::mod::offline {

enum class OfflineAction {
    store,   // keep it for the next available resource
    drop,    // discard silently (standalone chat state: XEP-0085 §5.5, XEP-0160 §3)
    refuse,  // not ours to store: let the router apply RFC 6121 §8.5.2.2
};

// XEP-0160 §3: "normal" (or no type) and "chat" are stored; "groupchat",
// "headline" and "error" are not. A message with no <body/> whose only
// children are XEP-0085 chat states (and <thread/>, which a standalone
// notification may carry) is dropped, as is a message with no child at all.
OfflineAction classify(const xml::Element& message);

// The stanza to store: a copy of `message` addressed to the account's bare
// JID (RFC 6121 §8.5.3.2.1: a message to an absent resource is handled as if
// sent to the bare JID) with a XEP-0203 <delay from='host' stamp='...'>
// "Offline Storage" (XEP-0160 §2). A <delay/> claiming to come from `host`
// that was already there is replaced, so only the server's own stamp
// carries the server's name; delays from other entities are kept.
xml::ElementPtr prepare_for_storage(const xml::Element& message, const std::string& bare_to,
                                    const std::string& host,
                                    std::chrono::system_clock::time_point now);

}  // namespace parley::mod::offline
