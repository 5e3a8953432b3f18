// RFC 6120 §10 (server rules for processing XML stanzas) and RFC 6121 §8
// (delivery rules for a local user).
#include "router/router.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>

#include <fmt/format.h>
#include <utility>
#include <vector>

#include "core/worker_pool.hpp"
#include "router/delivery_rules.hpp"
#include "storage/stores.hpp"
#include "xmpp/ns.hpp"

namespace parley {

namespace asio = boost::asio;
using xmpp::Condition;
using xmpp::StanzaError;

StanzaKind stanza_kind(const xml::Element& e) {
    if (e.name() == "message") {
        return StanzaKind::message;
    }
    if (e.name() == "presence") {
        return StanzaKind::presence;
    }
    return StanzaKind::iq;
}

bool is_stanza(const xml::Element& e) {
    if (e.ns() != ns::client && e.ns() != ns::server) {
        return false;
    }
    return e.name() == "message" || e.name() == "presence" || e.name() == "iq";
}

Router::Router(SessionRegistry& sessions, storage::Storage& storage,
               boost::asio::any_io_executor fallback)
    : sessions_(sessions),
      storage_(storage),
      fallback_(std::move(fallback)),
      request_salt_((std::uint64_t{std::random_device{}()} << 32) ^ std::random_device{}()) {}

// A request() in flight: the timer its caller waits on (cancelled early when
// the answer comes) and the answer.
struct Router::PendingRequest {
    explicit PendingRequest(asio::any_io_executor ex) : timer(std::move(ex)) {}
    asio::steady_timer timer;  // touched only on its executor
    std::string peer;          // the JID that must answer (the request's 'to')
    xml::ElementRef answer;    // GUARDED_BY(Router::requests_mu_)
};

Awaitable<xml::ElementRef> Router::request(const xml::ElementPtr& iq,
                                           std::chrono::milliseconds timeout) {
    auto ex = co_await asio::this_coro::executor;
    auto pending = std::make_shared<PendingRequest>(ex);
    const std::string id =
        fmt::format("parley-{:x}-{}", request_salt_, next_request_.fetch_add(1) + 1);
    iq->set_attr("id", id);
    auto peer = xmpp::Jid::parse(iq->attr_or("to"));
    pending->peer = peer ? peer->str() : std::string(iq->attr_or("to"));
    pending->timer.expires_after(timeout);
    {
        std::lock_guard lock(requests_mu_);
        requests_[id] = pending;
    }
    xml::ElementRef stanza = iq;
    co_await route(stanza);
    bool answered = false;
    {
        std::lock_guard lock(requests_mu_);
        answered = pending->answer != nullptr;
    }
    if (!answered) {
        // An answer arriving now posts the timer's cancel to this executor,
        // which runs only once this coroutine waits.
        auto waited = co_await pending->timer.async_wait(asio::as_tuple(asio::use_awaitable));
        (void)waited;
    }
    std::lock_guard lock(requests_mu_);
    requests_.erase(id);
    co_return pending->answer;
}

bool Router::complete_request(const StanzaEvent& ev) {
    std::shared_ptr<PendingRequest> pending;
    {
        std::lock_guard lock(requests_mu_);
        auto it = requests_.find(std::string(ev.stanza->attr_or("id")));
        if (it == requests_.end() || it->second->peer != ev.from.str()) {
            return false;
        }
        pending = it->second;
        pending->answer = ev.stanza;
        requests_.erase(it);
    }
    asio::post(pending->timer.get_executor(), [pending] { pending->timer.cancel(); });
    return true;
}

void Router::add_host(const std::string& domain, const HookTable* table) { hosts_[domain] = table; }

const HookTable* Router::host(std::string_view domain) const {
    auto it = hosts_.find(domain);
    return it == hosts_.end() ? nullptr : it->second;
}

bool Router::add_service(const std::string& domain, ServiceHandler handler) {
    if (is_local_host(domain)) {
        return false;
    }
    return services_.emplace(domain, std::move(handler)).second;
}

bool Router::attach_component(const std::string& domain, const SessionPtr& session) {
    if (is_local_host(domain) || services_.count(domain)) {
        return false;
    }
    std::lock_guard lock(components_mu_);
    auto& slot = components_[domain];
    if (slot.lock()) {
        return false;
    }
    slot = session;
    return true;
}

void Router::detach_component(const std::string& domain, const Session* session) {
    std::lock_guard lock(components_mu_);
    auto it = components_.find(domain);
    if (it != components_.end() && it->second.lock().get() == session) {
        components_.erase(it);
    }
}

namespace {

// Deliveries to sessions on other workers, gathered while this worker runs
// its ready handlers and handed over in one post per worker: a post to
// another io_context takes its queue's lock and may have to wake it (an
// eventfd write), which one post per stanza paid for every stanza. A
// session's stanzas keep their order: from one thread they all take the
// same path.
struct Parcel {
    std::weak_ptr<Session> to;
    xml::ElementRef stanza;
    xml::PreparedRef prepared;  // the shared bytes of `stanza`, if any
};
struct Handoff {
    asio::any_io_executor target;
    std::vector<Parcel> stanzas;
};
thread_local std::vector<Handoff> t_handoffs;  // one per other worker: a short list
thread_local bool t_handoff_posted = false;

void deliver_now(const Parcel& p) {
    if (auto s = p.to.lock()) {
        if (p.prepared) {
            s->deliver_prepared(p.stanza, *p.prepared);
        } else {
            s->deliver(p.stanza);
        }
    }
}

void hand_off_all() {
    t_handoff_posted = false;
    for (auto& h : t_handoffs) {
        if (h.stanzas.empty()) {
            continue;
        }
        asio::post(h.target, [batch = std::exchange(h.stanzas, {})] {
            for (const auto& p : batch) {
                deliver_now(p);
            }
        });
    }
}

void deliver_on(const asio::any_io_executor& target, std::weak_ptr<Session> to,
                xml::ElementRef stanza, xml::PreparedRef prepared = nullptr) {
    Parcel parcel{std::move(to), std::move(stanza), std::move(prepared)};
    if (!on_worker_thread() || current_executor(target) == target) {
        asio::post(target, [p = std::move(parcel)] { deliver_now(p); });
        return;
    }
    auto it = std::find_if(t_handoffs.begin(), t_handoffs.end(),
                           [&](const Handoff& h) { return h.target == target; });
    if (it == t_handoffs.end()) {
        it = t_handoffs.insert(t_handoffs.end(), Handoff{target, {}});
    }
    it->stanzas.push_back(std::move(parcel));
    if (!t_handoff_posted) {
        t_handoff_posted = true;
        asio::post(current_executor(target), hand_off_all);
    }
}

}  // namespace

void Router::deliver(const ResourceEntry& to, xml::ElementRef stanza) const {
    deliver_on(to.executor, to.session, std::move(stanza));
}

void Router::deliver(const SessionPtr& to, xml::ElementRef stanza) const {
    deliver_on(to->executor(), to, std::move(stanza));
}

void Router::send(xml::ElementRef stanza) {
    asio::co_spawn(
        current_executor(fallback_),
        [](Router& r, xml::ElementRef st) -> Awaitable<void> { co_await r.route(std::move(st)); }(
            *this, std::move(stanza)),
        asio::detached);
}

void Router::bounce(const xml::Element& stanza, StanzaError err) {
    if (auto reply = xmpp::make_error_reply(stanza, err)) {
        send(std::move(reply));
    }
}

Awaitable<bool> Router::account_exists(const std::string& bare) {
    if (!sessions_.resources(bare).empty()) {
        co_return true;
    }
    auto r = co_await storage_.accounts().exists(bare);
    if (!r) {
        spdlog::error("router: account look-up for {} failed: {}", bare, r.error().message);
        co_return false;
    }
    co_return *r;
}

Awaitable<void> Router::route(xml::ElementRef stanza, Session* origin) {
    auto from = xmpp::Jid::parse(stanza->attr_or("from"));
    auto to_attr = stanza->attr("to");
    xmpp::Jid to;
    if (to_attr) {
        auto parsed = xmpp::Jid::parse(*to_attr);
        if (!parsed) {
            bounce(*stanza, StanzaError(Condition::jid_malformed, parsed.error().reason));
            co_return;
        }
        to = *parsed;
    } else if (from) {
        to = from->bare();  // RFC 6120 §10.3.3: no 'to' means the sender's own account
    }
    StanzaEvent ev{stanza, stanza_kind(*stanza), stanza->attr_or("type"),
                   from ? std::move(*from) : xmpp::Jid{}, std::move(to), origin, *this};
    co_await route(ev);
}

Awaitable<void> Router::route(StanzaEvent& ev) {
    const auto& stanza = ev.stanza;
    if (const HookTable* table = host(ev.to.domain())) {
        co_await route_local(*table, ev);
        co_return;
    }
    if (auto service = services_.find(ev.to.domain()); service != services_.end()) {
        co_await service->second(ev);  // a domain a module serves (ModuleContext::serve_domain)
        co_return;
    }
    SessionPtr component;
    {
        std::lock_guard lock(components_mu_);
        auto it = components_.find(ev.to.domain());
        if (it != components_.end()) {
            component = it->second.lock();
        }
    }
    if (component) {
        deliver(component, stanza);
        co_return;
    }
    // RFC 6120 §10.4: a remote domain. Only our own domains' stanzas leave
    // (a stanza from another server for a third one is not relayed).
    if (remote_ && serves(ev.from.domain())) {
        remote_->send(ev);
        co_return;
    }
    bounce(*stanza, StanzaError(Condition::remote_server_not_found));
}

bool Router::serves(std::string_view domain) const {
    if (is_local_host(domain) || services_.count(domain)) {
        return true;
    }
    std::lock_guard lock(components_mu_);
    auto it = components_.find(domain);
    return it != components_.end() && !it->second.expired();
}

Awaitable<void> Router::route_local(const HookTable& table, StanzaEvent& ev) {
    if (ev.to.local().empty()) {
        co_await to_host(table, ev);
    } else if (ev.to.is_bare()) {
        co_await to_bare(table, ev);
    } else {
        co_await to_full(table, ev);
    }
}

Awaitable<void> Router::dispatch_iq(const HookTable& table, StanzaEvent& ev, IqScope scope) {
    const auto& iq = *ev.stanza;
    if (ev.type == "result" || ev.type == "error") {
        complete_request(ev);  // an answer to request(); any other is dropped
        co_return;
    }
    auto children = iq.children();
    if ((ev.type != "get" && ev.type != "set") || children.size() != 1) {
        bounce(iq, StanzaError(Condition::bad_request,
                               "an iq of type get or set needs exactly one child (RFC 6120 §8.2.3)"));
        co_return;
    }
    const auto& payload = *children.front();
    IqType type = ev.type == "set" ? IqType::set : IqType::get;
    const IqHandler* h = table.iq(type, scope, payload.ns(), payload.name());
    if (!h && scope == IqScope::account && !iq.attr("to")) {
        // No 'to' and no account handler: the server answers (ping, version, ...).
        h = table.iq(type, IqScope::host, payload.ns(), payload.name());
    }
    if (!h) {
        bounce(iq, StanzaError(Condition::service_unavailable));
        co_return;
    }
    IqRequest req(ev.stanza, payload, ev.from, ev.to, ev.origin, *this,
                  [this](xml::ElementRef reply) { send(std::move(reply)); });
    co_await (*h)(req);
    if (!req.answered()) {
        spdlog::error("iq handler for {{{}}}{} did not answer", payload.ns(), payload.name());
        req.reply_error(StanzaError(Condition::internal_server_error));
    }
}

Awaitable<void> Router::to_host(const HookTable& table, StanzaEvent& ev) {
    if (ev.kind == StanzaKind::iq) {
        co_await dispatch_iq(table, ev, IqScope::host);
        co_return;
    }
    // GCC 12 miscompiles co_await inside a condition: await into a local first.
    const auto hook =
        ev.kind == StanzaKind::message ? StanzaHook::message_to_host : StanzaHook::presence_to_host;
    const Handled handled = co_await table.run(hook, ev);
    if (handled == Handled::no && ev.kind == StanzaKind::message && ev.type != "error" &&
        ev.type != "groupchat" && ev.type != "headline") {
        bounce(*ev.stanza, StanzaError(Condition::service_unavailable));
    }  // presence to the server that no module wants is ignored
}

Awaitable<void> Router::to_bare(const HookTable& table, StanzaEvent& ev) {
    const auto bare = ev.to.bare_str();
    if (ev.kind == StanzaKind::iq) {
        const bool exists = co_await account_exists(bare);
        if (!exists) {
            bounce(*ev.stanza, StanzaError(Condition::service_unavailable));  // §8.5.1
            co_return;
        }
        co_await dispatch_iq(table, ev, IqScope::account);
        co_return;
    }
    if (ev.kind == StanzaKind::message) {
        const Handled handled = co_await table.run(StanzaHook::message_to_bare, ev);
        if (handled == Handled::yes) {
            co_return;
        }
        const bool exists = co_await account_exists(bare);
        if (!exists) {
            // §8.5.1: a message to a nonexistent account is refused.
            bounce(*ev.stanza, StanzaError(Condition::service_unavailable));
            co_return;
        }
        co_await message_to_bare(table, ev);
        co_return;
    }
    // Presence: subscriptions and probes are the presence module's.
    const Handled handled = co_await table.run(StanzaHook::presence_to_bare, ev);
    if (handled == Handled::yes) {
        co_return;
    }
    auto resources = sessions_.resources(bare);
    auto d = presence_to_bare(ev.type, resources);
    for (auto i : d.targets) {
        deliver(resources[i], ev.stanza);
    }
}

Awaitable<void> Router::redeliver(StanzaEvent& ev) {
    if (const HookTable* table = host(ev.to.domain())) {
        co_await message_to_bare(*table, ev);
    }
}

Awaitable<void> Router::message_to_bare(const HookTable& table, StanzaEvent& ev) {
    auto resources = sessions_.resources(ev.to.bare_view());
    auto d = parley::message_to_bare(ev.type, resources);
    switch (d.action) {
        case Delivery::deliver:
            for (auto i : d.targets) {
                deliver(resources[i], ev.stanza);
            }
            break;
        case Delivery::offline:
        {
            const Handled handled = co_await table.run(StanzaHook::message_offline, ev);
            if (handled == Handled::no) {
                bounce(*ev.stanza, StanzaError(Condition::service_unavailable));
            }
            break;
        }
        case Delivery::bounce:
            bounce(*ev.stanza, StanzaError(Condition::service_unavailable));
            break;
        case Delivery::drop:
        case Delivery::as_bare:
            break;
    }
}

Awaitable<void> Router::to_full(const HookTable& table, StanzaEvent& ev) {
    if (auto session = sessions_.session(ev.to)) {
        StanzaHook hook = ev.kind == StanzaKind::message    ? StanzaHook::message_to_full
                          : ev.kind == StanzaKind::presence ? StanzaHook::presence_to_full
                                                            : StanzaHook::iq_to_full;
        const Handled handled = co_await table.run(hook, ev);
        if (handled == Handled::no) {
            // The shared bytes only while no hook replaced the stanza.
            auto prepared = ev.stanza.get() == ev.prepared_for ? ev.prepared : nullptr;
            deliver_on(session->executor(), session, ev.stanza, std::move(prepared));
        }
        co_return;
    }
    // RFC 6121 §8.5.3.2: no such resource.
    Delivery d = Delivery::bounce;
    if (ev.kind == StanzaKind::message) {
        d = message_to_absent_full(ev.type);
    } else if (ev.kind == StanzaKind::presence) {
        d = presence_to_absent_full(ev.type);
    } else if (ev.type == "result" || ev.type == "error") {
        d = Delivery::drop;
    }
    switch (d) {
        case Delivery::as_bare:
            ev.to = ev.to.bare();
            co_await to_bare(table, ev);
            break;
        case Delivery::bounce:
            bounce(*ev.stanza, StanzaError(Condition::service_unavailable));
            break;
        default:
            break;
    }
}

}  // namespace parley
