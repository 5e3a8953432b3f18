// The module API (STYLE.md b.3): everything a module may touch. A module is
// a class with start(ModuleContext&); through the context it registers IQ
// handlers by (type, namespace, element), stanza hooks by typed hook point
// and priority, session and user events, disco features and stream features.
// Registrations are owned by the host's HookTable, which is built while the
// modules start and is read-only once the server accepts connections, so
// worker threads read it without locks.
//
// Every handler is a coroutine (asio::awaitable) so it may use storage; it
// runs on the thread of the session or task that raised the event.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "core/result.hpp"
#include "core/session.hpp"
#include "xml/element.hpp"
#include "xml/stream_parser.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/stanza_error.hpp"

namespace spdlog {
class logger;
}

namespace parley {

namespace storage {
class Storage;
}
class Router;
class ClientChannel;
class ModuleConfig;
namespace http {
class Exchange;
class Routes;
}  // namespace http

template <class T>
using Awaitable = boost::asio::awaitable<T>;

// Prosody's non-nil / jabberd2's mod_HANDLED: yes stops the hook chain.
enum class Handled : bool { no = false, yes = true };

// Named priority bands; handlers run from the highest to the lowest.
// Use small offsets (Priority::filter + 1) to order within a band.
enum class Priority : int {
    filter = 1000,   // may refuse or rewrite a stanza (blocking, privacy, limits)
    archive = 500,   // observes stanzas that will be delivered (carbons, MAM)
    deliver = 0,     // owns the delivery of a kind of stanza (roster/subscriptions)
    fallback = -1000 // runs when nothing else handled it (offline storage)
};
constexpr Priority operator+(Priority p, int offset) {
    return static_cast<Priority>(static_cast<int>(p) + offset);
}

enum class StanzaKind : std::uint8_t { message, presence, iq };

// Where a stanza is in its journey. The *_from_client hooks fire for every
// stanza a bound local client sends, before routing (its 'from' already
// stamped); there is one per kind so that a stanza runs only the handlers
// that care about its kind. The *_to_host/bare/full hooks fire when the stanza reaches the local host
// it is addressed to, before the default delivery rules of RFC 6121 §8.5 —
// handlers that return Handled::yes take over delivery.
enum class StanzaHook : std::uint8_t {
    message_from_client,
    presence_from_client,
    iq_from_client,
    message_to_host,
    message_to_bare,
    message_to_full,
    presence_to_host,
    presence_to_bare,
    presence_to_full,
    iq_to_full,        // an iq for a connected resource (iq to bare/host goes to on_iq handlers)
    message_offline,   // a message for a local account with no available resource (RFC 6121 §8.5.2.2)
    // A message kept by a client session whose connection dropped while it
    // waits to be resumed (XEP-0198 §5: hibernating), including the messages
    // left unacknowledged when the connection dropped. Observe-only: the
    // session keeps the message whatever the handlers return. `ev.holder` is
    // that session; the handlers run on its thread (run_message_held).
    message_held,
    count_
};

struct StanzaEvent {
    xml::ElementRef stanza;  // a handler may replace it with a changed copy
    StanzaKind kind;
    std::string_view type;   // the 'type' attribute ("" when absent); points into stanza
    xmpp::Jid from;
    xmpp::Jid to;
    Session* origin = nullptr;  // the local client session that sent it, if any
    Router& router;
    // Set by a sender that serialized the stanza once for many recipients
    // (a MUC fan-out): the bytes of `prepared_for` without its 'to'. Used at
    // delivery only while `stanza` is still that element (a hook that
    // replaces the stanza makes the router serialize the new one).
    xml::PreparedRef prepared = nullptr;
    const xml::Element* prepared_for = nullptr;
    // StanzaHook::message_held only: the hibernating session keeping the message.
    Session* holder = nullptr;
};

class HookTable;
// Runs the message_held hook for `message`, kept by the hibernating client
// session `holder`, as a detached task on the session's executor (deliver()
// cannot await); the session stays alive until the handlers return. Call on
// the session's thread, only when table.hooked(StanzaHook::message_held).
void run_message_held(const HookTable& table, Router& router, Session& holder,
                      xml::ElementRef message);

// IQ handling (RFC 6120 §8.2.3). Handlers are keyed by (type, payload
// namespace, payload name, scope) in a hash map built at start-up.
enum class IqType : std::uint8_t { get, set };
// host: addressed to the server (to = the domain). account: addressed to a
// user's bare JID, or sent with no 'to' (RFC 6120 §10.3.3: handled on behalf
// of the sender's account). pre_auth: on a stream not yet authenticated
// (XEP-0077 in-band registration).
enum class IqScope : std::uint8_t { host, account, pre_auth };

class IqRequest {
public:
    IqRequest(xml::ElementRef stanza, const xml::Element& payload, xmpp::Jid from, xmpp::Jid to,
              Session* origin, Router& router, std::function<void(xml::ElementRef)> send);

    const xml::Element& stanza() const { return *stanza_; }
    const xml::Element& payload() const { return payload_; }
    IqType type() const { return stanza_->attr_or("type") == "set" ? IqType::set : IqType::get; }
    const xmpp::Jid& from() const { return from_; }
    const xmpp::Jid& to() const { return to_; }  // the bare JID or domain it is addressed to
    Session* origin() const { return origin_; }
    Router& router() const { return router_; }
    // True when the sender asks about its own account.
    bool from_self() const { return from_.bare() == to_.bare(); }

    // A result with an optional payload (RFC 6120 §8.2.3); 'to', 'from' and
    // 'id' are filled in.
    void reply(xml::ElementPtr payload = nullptr);
    void reply_error(xmpp::StanzaError err);
    bool answered() const { return answered_; }

private:
    xml::ElementRef stanza_;
    const xml::Element& payload_;
    xmpp::Jid from_;
    xmpp::Jid to_;
    Session* origin_;
    Router& router_;
    std::function<void(xml::ElementRef)> send_;
    bool answered_ = false;
};

using IqHandler = std::function<Awaitable<void>(IqRequest&)>;
// A top-level element that is not a stanza ("nonza") on a bound client
// stream, e.g. XEP-0352's <active/>/<inactive/>: handled at once, on the
// session's thread, in stream order.
using NonzaHandler = std::function<void(Session&, const xml::Element&)>;
using StanzaHandler = std::function<Awaitable<Handled>(StanzaEvent&)>;
// A session feature a client may enable inline in a XEP-0386 Bind 2 request
// (e.g. XEP-0280 carbons, XEP-0352 client state): called on the session's
// thread right after its resource is bound, before the SASL2 <success/> is
// sent, with the request's element in the feature's namespace and the
// <bound/> element, to which it may add its answer. Synchronous: nothing may
// reach the client between the binding and <success/>.
using BindInlineHandler = std::function<void(Session&, const xml::Element& request, xml::Element& bound)>;

// Session lifecycle: bound (resource bound, in the registry), available
// (the resource became able to take messages: its first available presence
// with priority >= 0, or a later one raising a negative priority to >= 0 —
// the time to push offline messages, XEP-0160 §2), closed (stream ended).
enum class SessionHook : std::uint8_t { bound, available, closed, count_ };
using SessionHandler = std::function<Awaitable<void>(Session&)>;
// A user account was removed: delete everything the module keeps for it.
using UserHandler = std::function<Awaitable<void>(const std::string& bare_jid)>;

// A domain served entirely by a module (a service such as XEP-0045's
// conference.<host>): the router gives every stanza whose 'to' domain is the
// service's to its handler, which owns the stanza from then on (answers,
// bounces or drops it; the router adds nothing). See ModuleContext::serve_domain.
using ServiceHandler = std::function<Awaitable<void>(StanzaEvent&)>;
// A service as the host's disco#items lists it (XEP-0030 §4.1).
struct ServiceItem {
    std::string jid;
    std::string name;
};

// An HTTP request handler (src/http): the same type as http::Handler.
using HttpHandler = std::function<Awaitable<void>(http::Exchange&)>;
// Serves one accepted TCP connection of a module's listener. The socket lives
// until the returned coroutine ends (the handler may move it elsewhere).
using ConnectionHandler = std::function<Awaitable<void>(boost::asio::ip::tcp::socket&)>;

// A TCP listener a module asked for; the server binds it (one acceptor per
// worker, like its own listeners) and calls the handler for each connection.
struct ModuleListener {
    std::string name;  // for log lines: "SOCKS5 proxy (XEP-0065)"
    std::string bind;
    std::uint16_t port = 0;
    ConnectionHandler handler;
};

// A way for clients to reach the server besides TCP (XEP-0156 §3): a link
// relation ("urn:xmpp:alt-connections:websocket", "...:xbosh") and its URL.
struct ClientEndpoint {
    std::string rel;
    std::string url;
};

// What the server lends modules for the network; owned by Server. Modules
// never open sockets themselves (docs/ARCHITECTURE.md).
struct NetworkServices {
    http::Routes* http_routes = nullptr;
    std::string http_base_url;  // http.external_url, no trailing '/'
    std::vector<ModuleListener> listeners;
    // Runs a client stream over a channel (set by the server before modules start).
    std::function<void(std::shared_ptr<ClientChannel>)> start_client_stream;
    // Client transports the modules serve (ModuleContext::add_client_endpoint),
    // listed by XEP-0156 discovery. Written while modules start, read-only after.
    std::vector<ClientEndpoint> client_endpoints;
    // The limits on client input (max_stanza_size, max_depth, max_attributes),
    // for channels that parse it themselves.
    xml::ParserLimits client_limits;
};

// disco#info identity (XEP-0030 §3.1).
struct Identity {
    std::string category;
    std::string type;
    std::string name;
    bool operator<(const Identity& o) const {
        return std::tie(category, type, name) < std::tie(o.category, o.type, o.name);
    }
};

// Everything modules registered on one virtual host. Built at start-up,
// read-only afterwards.
class HookTable {
public:
    struct IqKey {
        IqType type;
        IqScope scope;
        std::string ns;
        std::string name;
        bool operator==(const IqKey&) const = default;
    };
    struct IqKeyHash {
        std::size_t operator()(const IqKey& k) const noexcept;
    };

    const IqHandler* iq(IqType type, IqScope scope, std::string_view ns, std::string_view name) const;
    // The handler of nonzas in `ns`, or null.
    const NonzaHandler* nonza(std::string_view ns) const;
    // The XEP-0386 inline feature handler for `ns`, or null.
    const BindInlineHandler* bind_inline(std::string_view ns) const;
    // The namespaces listed as <feature var=.../> in Bind 2's <inline/>.
    std::vector<std::string> bind_inline_features() const;
    // Runs the hook's handlers by priority until one returns Handled::yes.
    Awaitable<Handled> run(StanzaHook hook, StanzaEvent& ev) const;
    // True when a module hooked `hook` (callers skip run() when not).
    bool hooked(StanzaHook hook) const { return !stanza_[static_cast<int>(hook)].empty(); }
    Awaitable<void> run(SessionHook hook, Session& s) const;
    Awaitable<void> user_removed(const std::string& bare) const;

    const std::set<std::string>& features() const { return features_; }
    const std::set<std::string>& account_features() const { return account_features_; }
    const std::set<Identity>& identities() const { return identities_; }
    // Identities of an account's bare JID besides account/registered (e.g. pubsub/pep).
    const std::set<Identity>& account_identities() const { return account_identities_; }
    // The domains this host's modules serve (ModuleContext::serve_domain).
    const std::vector<ServiceItem>& services() const { return services_; }
    // Elements added to <stream:features/> after authentication (RFC 6120 §4.3.2).
    const std::vector<xml::ElementRef>& stream_features() const { return stream_features_; }
    // Elements added to <stream:features/> before authentication.
    const std::vector<xml::ElementRef>& pre_auth_features() const { return pre_auth_features_; }

private:
    friend class ModuleContext;
    struct StanzaEntry {
        int priority;
        StanzaHandler handler;
    };
    std::unordered_map<IqKey, IqHandler, IqKeyHash> iq_;
    std::vector<StanzaEntry> stanza_[static_cast<int>(StanzaHook::count_)];
    std::vector<SessionHandler> session_[static_cast<int>(SessionHook::count_)];
    std::vector<UserHandler> user_removed_;
    std::map<std::string, NonzaHandler, std::less<>> nonza_;
    std::map<std::string, BindInlineHandler, std::less<>> bind_inline_;
    std::set<std::string> features_;
    std::set<std::string> account_features_;
    std::set<Identity> identities_;
    std::set<Identity> account_identities_;
    std::vector<ServiceItem> services_;
    std::vector<xml::ElementRef> stream_features_;
    std::vector<xml::ElementRef> pre_auth_features_;
};

// Facts about the server that modules may show (XEP-0092 and others).
struct ServerInfo {
    std::string name = "Parley";
    std::string version;
    std::vector<std::string> hosts;
    std::string data_dir;  // where modules keep files (uploads, keys)
};

class ModuleContext {
public:
    ModuleContext(std::string host, std::string module, HookTable& table, Router& router,
                  storage::Storage& storage, const ModuleConfig& config, const ServerInfo& info,
                  std::shared_ptr<spdlog::logger> log, NetworkServices* net = nullptr);

    const std::string& host() const { return host_; }
    const ServerInfo& server_info() const { return info_; }

    void add_feature(std::string ns);          // server disco#info (XEP-0030)
    void add_account_feature(std::string ns);  // disco#info of an account's bare JID
    void add_identity(Identity id);
    void add_account_identity(Identity id);  // disco#info of an account's bare JID
    void add_stream_feature(xml::ElementRef feature);
    void add_pre_auth_stream_feature(xml::ElementRef feature);

    void on_iq(IqType type, IqScope scope, std::string_view ns, std::string_view name, IqHandler h);
    void hook(StanzaHook hook, Priority p, StanzaHandler h);
    void on_session(SessionHook hook, SessionHandler h);
    // Nonzas in `ns` on this host's bound client streams (one module per namespace).
    void on_nonza(std::string ns, NonzaHandler h);
    // A feature the client may enable inside a XEP-0386 Bind 2 request: `ns`
    // is advertised in the Bind 2 stream feature's <inline/> and `h` runs
    // for the request's child in `ns` (one module per namespace).
    void on_bind_inline(std::string ns, BindInlineHandler h);
    void on_user_removed(UserHandler h);
    // Claims a whole domain for this module: every stanza addressed to
    // `domain` or to a JID at it goes to `h`, on the thread that routes it
    // (checked after the local hosts, before XEP-0114 components). The domain
    // is listed in the host's disco#items with `name`. Fails when the domain
    // is a local host or already served. Start-up only.
    Result<void> serve_domain(const std::string& domain, std::string name, ServiceHandler h);

    // Serves every HTTP request whose path starts with `prefix` (longest
    // prefix wins) on the server's HTTP listeners. Fails when the prefix is
    // taken or the server has no HTTP service. Start-up only.
    Result<void> http_route(std::string prefix, HttpHandler h);
    // The public URL of `path` on the HTTP server (http.external_url + path).
    std::string http_url(std::string_view path) const;
    // Announces a client transport (WebSocket, BOSH) for XEP-0156 discovery
    // (/.well-known/host-meta). `rel` is the link relation, e.g.
    // "urn:xmpp:alt-connections:xbosh"; `url` the public URL (http_url()).
    // The same pair twice is kept once. Start-up only.
    void add_client_endpoint(std::string rel, std::string url);
    // Every endpoint announced so far (complete once all modules started).
    const std::vector<ClientEndpoint>& client_endpoints() const;
    // Asks the server to listen on bind:port and hand each connection to `h`
    // (opened after every module started, like the server's own listeners).
    Result<void> listen(ModuleListener l);
    // Runs a client stream (RFC 6120 c2s: negotiation, SASL, binding, stream
    // management, limits: all of C2sSession) over a channel the module made,
    // e.g. from a WebSocket or a BOSH session. Call on the channel's executor,
    // after start-up.
    void start_client_stream(std::shared_ptr<ClientChannel> channel);
    // The server's limits on what a client sends (RFC 6120 §13.12).
    xml::ParserLimits client_limits() const;

    storage::Storage& storage() { return storage_; }
    Router& router() { return router_; }
    const ModuleConfig& config() const { return config_; }
    spdlog::logger& log() { return *log_; }
    // The read-only table this host's modules build (for disco).
    const HookTable& table() const { return table_; }

private:
    std::string host_;
    std::string module_;
    HookTable& table_;
    Router& router_;
    storage::Storage& storage_;
    const ModuleConfig& config_;
    const ServerInfo& info_;
    std::shared_ptr<spdlog::logger> log_;
    NetworkServices* net_;
};

class Module {
public:
    virtual ~Module() = default;
    // Registers everything through ctx. Returns an error (reaching main, which
    // prints it) when the module's config is wrong.
    virtual Result<void> start(ModuleContext& ctx) = 0;
};

// A module's config section ([modules.NAME] in the TOML file), read through
// typed getters with defaults. Unknown keys are reported by check().
class ModuleConfig {
public:
    using Values = std::map<std::string, std::string, std::less<>>;
    ModuleConfig() = default;
    explicit ModuleConfig(Values values) : values_(std::move(values)) {}

    std::int64_t get_int(std::string_view key, std::int64_t fallback) const;
    bool get_bool(std::string_view key, bool fallback) const;
    std::string get_string(std::string_view key, std::string_view fallback) const;
    // A comma-separated list ("a, b"), items trimmed, empty items dropped.
    std::vector<std::string> get_list(std::string_view key) const;
    bool has(std::string_view key) const;

private:
    // Values kept as their TOML text form (strings unquoted), parsed on read.
    Values values_;
};

// The built-in modules (modules/registry.cpp), in load order.
struct ModuleInfo {
    std::string_view name;
    std::string_view spec;  // e.g. "XEP-0199 XMPP Ping"
    bool default_enabled;
    std::unique_ptr<Module> (*make)();
    // The settings of [modules.NAME] (documented in docs/CONFIGURATION.md);
    // any other key is refused when the config file is read.
    std::vector<std::string_view> options = {};
};
const std::vector<ModuleInfo>& builtin_modules();

}  // namespace parley
