// Router: moves stanzas between local sessions, the server's own handlers
// (IQ handlers, hooks) and, later, other servers and cluster nodes. It owns
// the delivery rules of RFC 6121 §8.5 (local user) and §8 (RFC 6120 §10:
// server rules for processing XML stanzas). Stateless apart from the
// registries it is given; safe to call from any worker thread.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <unordered_map>
#include <mutex>
#include <string>
#include <string_view>

#include "core/module.hpp"
#include "router/session_registry.hpp"
#include "xml/element.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/stanza_error.hpp"

namespace parley {

namespace storage {
class Storage;
}

// Where stanzas for domains this server does not serve go: federation
// (stream/federation.hpp). Set once at start-up.
class RemoteRoute {
public:
    virtual ~RemoteRoute() = default;
    // Takes a stanza from one of our domains (ev.from) to ev.to's domain; it
    // is delivered over a server-to-server stream or bounced with an error
    // (RFC 6120 §8.3.3.15/16), never dropped. Any thread.
    virtual void send(StanzaEvent& ev) = 0;
};

class Router {
public:
    // `fallback` runs send() tasks started from threads that are not workers.
    Router(SessionRegistry& sessions, storage::Storage& storage,
           boost::asio::any_io_executor fallback);

    // Registers a virtual host and its hook table (at start-up only).
    void add_host(const std::string& domain, const HookTable* table);
    const HookTable* host(std::string_view domain) const;
    bool is_local_host(std::string_view domain) const { return host(domain) != nullptr; }
    // A domain served by a module (ModuleContext::serve_domain), at start-up
    // only: false when the domain is a local host or served already.
    bool add_service(const std::string& domain, ServiceHandler handler);

    // External components (XEP-0114): a connected component's domain and the
    // session that serves it. attach() is false when the domain is taken.
    bool attach_component(const std::string& domain, const SessionPtr& session);
    void detach_component(const std::string& domain, const Session* session);

    // Stanzas for other domains go to `remote` (nullptr: bounced with
    // remote-server-not-found). At start-up only.
    void set_remote(RemoteRoute* remote) { remote_ = remote; }
    // True for a domain this server answers for: a virtual host, a domain a
    // module serves, or a connected component.
    bool serves(std::string_view domain) const;

    // Routes a stanza whose 'from' is set and trusted. `origin` is the local
    // client session that sent it (nullptr for the server's own stanzas).
    Awaitable<void> route(xml::ElementRef stanza, Session* origin = nullptr);
    // route() for a stanza whose addresses are parsed already (ev.to is the
    // sender's bare JID when the stanza has no 'to', RFC 6120 §10.3.3).
    Awaitable<void> route(StanzaEvent& ev);
    // route() as a detached task on the current executor (for fire-and-forget
    // replies; order against other sends is not guaranteed).
    void send(xml::ElementRef stanza);
    // Answers `stanza` with an error (never answers an error, RFC 6120 §8.3.1).
    void bounce(const xml::Element& stanza, xmpp::StanzaError err);

    // XEP-0198 §5: a message that reached a client which went away without
    // acknowledging it, delivered again to ev.to's account by the bare-JID
    // rules (other resources, else offline storage) without the *_to_*
    // hooks: archiving and carbons saw it the first time.
    Awaitable<void> redeliver(StanzaEvent& ev);
    // An iq get/set sent by the server on behalf of one of its JIDs (its
    // 'from' and 'to' set by the caller), answered to the caller: the result
    // or error iq that comes back from the 'to' address with the same id, or
    // nullptr when none arrives within `timeout`. The id is set here (unique,
    // unpredictable). Answers to the server or to an account that match no
    // pending request are dropped, as before (RFC 6120 §8.2.3).
    Awaitable<xml::ElementRef> request(const xml::ElementPtr& iq, std::chrono::milliseconds timeout);

    // Writes the stanza to one session, on that session's thread; no hooks.
    void deliver(const ResourceEntry& to, xml::ElementRef stanza) const;
    void deliver(const SessionPtr& to, xml::ElementRef stanza) const;

    SessionRegistry& sessions() { return sessions_; }
    storage::Storage& storage() { return storage_; }

private:
    Awaitable<void> route_local(const HookTable& table, StanzaEvent& ev);
    Awaitable<void> to_host(const HookTable& table, StanzaEvent& ev);
    Awaitable<void> to_bare(const HookTable& table, StanzaEvent& ev);
    Awaitable<void> to_full(const HookTable& table, StanzaEvent& ev);
    Awaitable<void> message_to_bare(const HookTable& table, StanzaEvent& ev);
    Awaitable<void> dispatch_iq(const HookTable& table, StanzaEvent& ev, IqScope scope);
    Awaitable<bool> account_exists(const std::string& bare);
    // Hands a result/error iq to the request() waiting for it; false when none is.
    bool complete_request(const StanzaEvent& ev);

    SessionRegistry& sessions_;
    storage::Storage& storage_;
    boost::asio::any_io_executor fallback_;
    std::map<std::string, const HookTable*, std::less<>> hosts_;
    std::map<std::string, ServiceHandler, std::less<>> services_;  // read-only once serving
    RemoteRoute* remote_ = nullptr;
    mutable std::mutex components_mu_;
    std::map<std::string, std::weak_ptr<Session>, std::less<>> components_;  // GUARDED_BY(components_mu_)
    struct PendingRequest;
    std::mutex requests_mu_;
    std::unordered_map<std::string, std::shared_ptr<PendingRequest>> requests_;  // GUARDED_BY(requests_mu_)
    std::atomic<std::uint64_t> next_request_{0};
    std::uint64_t request_salt_;  // random, so request ids cannot be guessed
};

// Helpers shared by the router and modules.
StanzaKind stanza_kind(const xml::Element& e);
bool is_stanza(const xml::Element& e);  // message, presence or iq in jabber:client/server

}  // namespace parley
