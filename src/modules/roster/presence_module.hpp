// PresenceModule: RFC 6121 §3 (subscriptions) and §4 (presence) for the
// local accounts of one virtual host. Private to modules/roster/: the class
// is split over presence_module.cpp (presence broadcast, probes, directed
// presence, session end) and subscription_flow.cpp (subscription stanzas
// through the state machine of subscription.hpp).
//
// Handlers run on the thread of the session or task that raised the event;
// per-session data lives in the session's PresenceSessionState slot and is
// only touched on that session's thread. The module object itself is
// immutable after start().
#pragma once

#include <cstddef>
#include <set>
#include <string>

#include "core/module.hpp"
#include "modules/roster/subscription.hpp"
#include "router/router.hpp"
#include "storage/stores.hpp"

namespace spdlog {
class logger;
}

namespace parley::mod::roster {

// Bound on the directed-presence set of one session (§4.6.3).
inline constexpr std::size_t kMaxDirectedPresence = 1000;

// session.ext<PresenceSessionState>(): what this module must remember about
// a session after its registry entry is gone (SessionHook::closed).
struct PresenceSessionState {
    bool available = false;  // sent available presence and not yet unavailable
    // JIDs this session sent directed available presence to (§4.6.2); they
    // get unavailable presence when the session goes unavailable (§4.6.3).
    std::set<std::string> directed;
};

class PresenceModule final : public Module {
public:
    Result<void> start(ModuleContext& ctx) override;

private:
    // presence_module.cpp
    Awaitable<Handled> on_client_presence(StanzaEvent& ev);
    Awaitable<Handled> on_presence_to_user(StanzaEvent& ev, bool to_full);
    Awaitable<void> on_closed(Session& session);
    Awaitable<void> available(StanzaEvent& ev, Session& origin);
    Awaitable<void> initial_presence(const xmpp::Jid& full, Session& origin,
                                     const storage::Roster* roster);
    Awaitable<void> unavailable(StanzaEvent& ev, Session& origin);
    Awaitable<void> broadcast_unavailable(const xmpp::Jid& full, const xml::ElementRef& stanza,
                                          bool to_subscribers, bool to_self,
                                          std::set<std::string> directed);
    Awaitable<void> answer_probe(StanzaEvent& ev, bool to_full);

    // subscription_flow.cpp
    Awaitable<void> outbound_subscription(StanzaEvent& ev, SubType type);
    Awaitable<void> inbound_subscription(StanzaEvent& ev, SubType type);

    Router* router_ = nullptr;
    storage::Storage* storage_ = nullptr;
    spdlog::logger* log_ = nullptr;
    const HookTable* table_ = nullptr;
};

// The <priority/> of an available presence, clamped to -128..127 (§4.7.2.3);
// 0 when absent or not an integer.
int presence_priority(const xml::Element& presence);

}  // namespace parley::mod::roster
