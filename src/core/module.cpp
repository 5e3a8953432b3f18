#include "core/module.hpp"

#include <algorithm>
#include <charconv>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <spdlog/spdlog.h>

#include "http/http_server.hpp"
#include "router/router.hpp"

namespace parley {

// --- IqRequest -----------------------------------------------------------

IqRequest::IqRequest(xml::ElementRef stanza, const xml::Element& payload, xmpp::Jid from,
                     xmpp::Jid to, Session* origin, Router& router,
                     std::function<void(xml::ElementRef)> send)
    : stanza_(std::move(stanza)),
      payload_(payload),
      from_(std::move(from)),
      to_(std::move(to)),
      origin_(origin),
      router_(router),
      send_(std::move(send)) {}

void IqRequest::reply(xml::ElementPtr payload) {
    if (answered_) {
        return;
    }
    answered_ = true;
    auto result = xml::Element::make("iq", stanza_->ns());
    result->set_attr("type", "result");
    result->set_attr("id", std::string(stanza_->attr_or("id")));
    if (auto from = stanza_->attr("from")) {
        result->set_attr("to", std::string(*from));
    }
    if (auto to = stanza_->attr("to")) {
        result->set_attr("from", std::string(*to));
    }
    if (payload) {
        result->add_child(std::move(payload));
    }
    send_(std::move(result));
}

void IqRequest::reply_error(xmpp::StanzaError err) {
    if (answered_) {
        return;
    }
    answered_ = true;
    if (auto e = xmpp::make_error_reply(*stanza_, err)) {
        send_(std::move(e));
    }
}

// --- HookTable -------------------------------------------------------------

std::size_t HookTable::IqKeyHash::operator()(const IqKey& k) const noexcept {
    std::size_t h = std::hash<std::string>{}(k.ns);
    h ^= std::hash<std::string>{}(k.name) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    return h ^ (static_cast<std::size_t>(k.type) << 1) ^ (static_cast<std::size_t>(k.scope) << 3);
}

const IqHandler* HookTable::iq(IqType type, IqScope scope, std::string_view ns,
                               std::string_view name) const {
    auto it = iq_.find(IqKey{type, scope, std::string(ns), std::string(name)});
    return it == iq_.end() ? nullptr : &it->second;
}

Awaitable<Handled> HookTable::run(StanzaHook hook, StanzaEvent& ev) const {
    for (const auto& entry : stanza_[static_cast<int>(hook)]) {
        const Handled handled = co_await entry.handler(ev);  // not in the condition: GCC 12 bug
        if (handled == Handled::yes) {
            co_return Handled::yes;
        }
    }
    co_return Handled::no;
}

Awaitable<void> HookTable::run(SessionHook hook, Session& s) const {
    for (const auto& h : session_[static_cast<int>(hook)]) {
        co_await h(s);
    }
}

Awaitable<void> HookTable::user_removed(const std::string& bare) const {
    for (const auto& h : user_removed_) {
        co_await h(bare);
    }
}

// --- message_held ------------------------------------------------------------

namespace {

// Owned by run_held from its first line: g++ 12 may destroy by-value
// coroutine parameters that own memory twice (docs/ARCHITECTURE.md).
struct HeldJob {
    const HookTable* table;
    Router* router;
    SessionPtr holder;
    xml::ElementRef message;
};

Awaitable<void> run_held(HeldJob* job_in) {
    const std::unique_ptr<HeldJob> job(job_in);
    const auto& message = job->message;
    auto from = xmpp::Jid::parse(message->attr_or("from"));
    StanzaEvent ev{message, StanzaKind::message, message->attr_or("type"),
                   from ? *from : xmpp::Jid(), job->holder->jid(), nullptr, *job->router};
    ev.holder = job->holder.get();
    const Handled handled = co_await job->table->run(StanzaHook::message_held, ev);
    (void)handled;  // observe-only: the session keeps the message
}

}  // namespace

void run_message_held(const HookTable& table, Router& router, Session& holder,
                      xml::ElementRef message) {
    auto* job = new HeldJob{&table, &router, holder.shared_from_this(), std::move(message)};
    boost::asio::co_spawn(holder.executor(), run_held(job), boost::asio::detached);
}

// --- ModuleContext -----------------------------------------------------------

ModuleContext::ModuleContext(std::string host, std::string module, HookTable& table,
                             Router& router, storage::Storage& storage,
                             const ModuleConfig& config, const ServerInfo& info,
                             std::shared_ptr<spdlog::logger> log, NetworkServices* net)
    : host_(std::move(host)),
      module_(std::move(module)),
      table_(table),
      router_(router),
      storage_(storage),
      config_(config),
      info_(info),
      log_(std::move(log)),
      net_(net) {}

void ModuleContext::add_feature(std::string ns) { table_.features_.insert(std::move(ns)); }
void ModuleContext::add_account_feature(std::string ns) {
    table_.account_features_.insert(std::move(ns));
}
void ModuleContext::add_identity(Identity id) { table_.identities_.insert(std::move(id)); }
void ModuleContext::add_account_identity(Identity id) {
    table_.account_identities_.insert(std::move(id));
}
void ModuleContext::add_stream_feature(xml::ElementRef f) {
    table_.stream_features_.push_back(std::move(f));
}
void ModuleContext::add_pre_auth_stream_feature(xml::ElementRef f) {
    table_.pre_auth_features_.push_back(std::move(f));
}

void ModuleContext::on_iq(IqType type, IqScope scope, std::string_view ns, std::string_view name,
                          IqHandler h) {
    HookTable::IqKey key{type, scope, std::string(ns), std::string(name)};
    if (table_.iq_.count(key)) {
        log_->warn("module {}: iq handler for {{{}}}{} replaces another module's", module_, ns,
                   name);
    }
    table_.iq_[std::move(key)] = std::move(h);
}

void ModuleContext::on_nonza(std::string ns, NonzaHandler h) {
    table_.nonza_[std::move(ns)] = std::move(h);
}

const NonzaHandler* HookTable::nonza(std::string_view ns) const {
    auto it = nonza_.find(ns);
    return it == nonza_.end() ? nullptr : &it->second;
}

void ModuleContext::on_bind_inline(std::string ns, BindInlineHandler h) {
    table_.bind_inline_[std::move(ns)] = std::move(h);
}

const BindInlineHandler* HookTable::bind_inline(std::string_view ns) const {
    auto it = bind_inline_.find(ns);
    return it == bind_inline_.end() ? nullptr : &it->second;
}

std::vector<std::string> HookTable::bind_inline_features() const {
    std::vector<std::string> out;
    out.reserve(bind_inline_.size());
    for (const auto& [ns, h] : bind_inline_) {
        out.push_back(ns);
    }
    return out;
}

void ModuleContext::hook(StanzaHook hook, Priority p, StanzaHandler h) {
    auto& list = table_.stanza_[static_cast<int>(hook)];
    list.push_back({static_cast<int>(p), std::move(h)});
    // Highest priority first; equal priorities keep registration order.
    std::stable_sort(list.begin(), list.end(),
                     [](const auto& a, const auto& b) { return a.priority > b.priority; });
}

void ModuleContext::on_session(SessionHook hook, SessionHandler h) {
    table_.session_[static_cast<int>(hook)].push_back(std::move(h));
}

void ModuleContext::on_user_removed(UserHandler h) { table_.user_removed_.push_back(std::move(h)); }

Result<void> ModuleContext::serve_domain(const std::string& domain, std::string name,
                                         ServiceHandler h) {
    if (!router_.add_service(domain, std::move(h))) {
        return fail(fmt::format("domain {} is a local host or served already", domain));
    }
    table_.services_.push_back({domain, std::move(name)});
    return {};
}

Result<void> ModuleContext::http_route(std::string prefix, HttpHandler h) {
    if (!net_ || !net_->http_routes) {
        return fail(std::string("the server has no HTTP service"));
    }
    if (!net_->http_routes->add(prefix, std::move(h))) {
        return fail(fmt::format("HTTP path {} is served already (or does not start with '/')",
                                prefix));
    }
    return {};
}

std::string ModuleContext::http_url(std::string_view path) const {
    return (net_ ? net_->http_base_url : std::string()) + std::string(path);
}

void ModuleContext::add_client_endpoint(std::string rel, std::string url) {
    if (!net_) {
        return;
    }
    for (const auto& e : net_->client_endpoints) {
        if (e.rel == rel && e.url == url) {
            return;
        }
    }
    net_->client_endpoints.push_back(ClientEndpoint{std::move(rel), std::move(url)});
}

const std::vector<ClientEndpoint>& ModuleContext::client_endpoints() const {
    static const std::vector<ClientEndpoint> kNone;
    return net_ ? net_->client_endpoints : kNone;
}

xml::ParserLimits ModuleContext::client_limits() const {
    return net_ ? net_->client_limits : xml::ParserLimits{};
}

void ModuleContext::start_client_stream(std::shared_ptr<ClientChannel> channel) {
    net_->start_client_stream(std::move(channel));
}

Result<void> ModuleContext::listen(ModuleListener l) {
    if (!net_) {
        return fail(std::string("the server cannot open listeners for modules here"));
    }
    if (l.port == 0) {
        return fail(fmt::format("{}: port 0 is not a port to listen on", l.name));
    }
    for (const auto& other : net_->listeners) {
        if (other.port == l.port) {
            return fail(fmt::format("{}: port {} is taken by {}", l.name, l.port, other.name));
        }
    }
    net_->listeners.push_back(std::move(l));
    return {};
}

// --- ModuleConfig -------------------------------------------------------------

bool ModuleConfig::has(std::string_view key) const { return values_.find(key) != values_.end(); }

std::int64_t ModuleConfig::get_int(std::string_view key, std::int64_t fallback) const {
    auto it = values_.find(key);
    if (it == values_.end()) {
        return fallback;
    }
    std::int64_t v = fallback;
    std::from_chars(it->second.data(), it->second.data() + it->second.size(), v);
    return v;
}

bool ModuleConfig::get_bool(std::string_view key, bool fallback) const {
    auto it = values_.find(key);
    if (it == values_.end()) {
        return fallback;
    }
    return it->second == "true";
}

std::string ModuleConfig::get_string(std::string_view key, std::string_view fallback) const {
    auto it = values_.find(key);
    return it == values_.end() ? std::string(fallback) : it->second;
}

std::vector<std::string> ModuleConfig::get_list(std::string_view key) const {
    std::vector<std::string> items;
    const std::string text = get_string(key, "");
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto comma = std::min(text.find(',', start), text.size());
        auto item = std::string_view(text).substr(start, comma - start);
        while (!item.empty() && item.front() == ' ') {
            item.remove_prefix(1);
        }
        while (!item.empty() && item.back() == ' ') {
            item.remove_suffix(1);
        }
        if (!item.empty()) {
            items.emplace_back(item);
        }
        start = comma + 1;
    }
    return items;
}

}  // namespace parley
