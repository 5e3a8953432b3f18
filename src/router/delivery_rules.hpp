// The delivery rules of RFC 6121 §8.5 as pure functions of the stanza type
// and the recipient's resources, so that they can be tested as a table.
#pragma once

#include <string_view>
#include <vector>

#include "router/session_registry.hpp"

namespace parley {

enum class Delivery {
    deliver,       // to the resources listed in `targets`
    offline,       // no resource can take it: store offline, else service-unavailable
    bounce,        // answer with <service-unavailable/>
    drop,          // silently ignore
    as_bare,       // full JID not online: handle as if sent to the bare JID
};

struct DeliveryDecision {
    Delivery action = Delivery::drop;
    std::vector<std::size_t> targets;  // indexes into the resource list
};

// RFC 6121 §8.5.2 (bare JID, account exists). Message types: normal and
// chat go to the available resources of highest non-negative priority
// (§8.5.2.1.1 option a); headline to every available resource of
// non-negative priority; groupchat is refused; error is dropped. With no
// available resource of non-negative priority (§8.5.2.2): normal and chat go
// offline, headline and error are dropped, groupchat is refused.
DeliveryDecision message_to_bare(std::string_view type, const std::vector<ResourceEntry>& resources);

// RFC 6121 §8.5.3.2.1: a message to a full JID whose resource is not online.
// chat, normal and headline are handled as if sent to the bare JID,
// groupchat is refused, error is dropped.
Delivery message_to_absent_full(std::string_view type);

// RFC 6121 §8.5.2.1.3 / §8.5.3.2.3: presence. Available and unavailable
// presence to a bare JID goes to every available resource; subscription
// presence is the roster's business (handled before this, in the presence
// module); to an absent full JID, availability presence is dropped, and
// subscription presence and probes (§4.3.2) are handled as if sent to the
// bare JID.
DeliveryDecision presence_to_bare(std::string_view type, const std::vector<ResourceEntry>& resources);
Delivery presence_to_absent_full(std::string_view type);

bool is_subscription_type(std::string_view presence_type);

}  // namespace parley
