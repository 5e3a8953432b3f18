// RFC 7395 XMPP over WebSocket, and XEP-0156 §3 discovery (host-meta).
//
// - §3.1 handshake: GET <path> with Upgrade: websocket on the HTTP listeners
//   (wss:// on HTTPS); the subprotocol "xmpp" is required (a request without
//   it gets 400, never a WebSocket without the subprotocol); the Origin must
//   be in allowed_origins when that list is set (403); at most
//   max_sessions_per_ip connections per address (503).
// - §3.3 framing, §3.6 closing: WsChannel + framing.cpp, under the same
//   C2sSession as TCP (SASL, binding, stream management, limits).
// - §3.6.1 see-other-uri: when set, every client's <open/> is answered by
//   <close see-other-uri='...'/> and the connection closed.
// - §3.8 keepalive: WebSocket pings after keepalive_interval idle seconds.
// - XEP-0156 §3: /.well-known/host-meta (XRD) and host-meta.json (JRD) list
//   every client endpoint modules announced (this WebSocket URL; BOSH's when
//   that module runs), with CORS so web clients on other origins can read them.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <spdlog/spdlog.h>

#include <mutex>
#include <set>
#include <unordered_map>

#include "core/module.hpp"
#include "http/http_server.hpp"
#include "modules/websocket/framing.hpp"
#include "modules/websocket/host_meta.hpp"
#include "modules/websocket/ws_channel.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod {

namespace websocket {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bws = beast::websocket;
namespace bhttp = beast::http;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::chrono::seconds kHandshakeTimeout{30};

// Open connections per client address, shared by every worker.
class AddressSlots : public std::enable_shared_from_this<AddressSlots> {
public:
    explicit AddressSlots(std::size_t max) : max_(max) {}

    // A slot for `addr`, given back when the returned object is destroyed;
    // null when the address has max connections already (max 0: no limit).
    std::shared_ptr<void> take(const std::string& addr) {
        std::lock_guard lock(mutex_);
        auto& n = count_[addr];
        if (max_ != 0 && n >= max_) {
            return nullptr;
        }
        ++n;
        return std::make_shared<Lease>(shared_from_this(), addr);
    }

private:
    struct Lease {
        Lease(std::shared_ptr<AddressSlots> s, std::string a) : slots(std::move(s)), addr(std::move(a)) {}
        ~Lease() { slots->give_back(addr); }
        std::shared_ptr<AddressSlots> slots;
        std::string addr;
    };
    void give_back(const std::string& addr) {
        std::lock_guard lock(mutex_);
        auto it = count_.find(addr);
        if (it != count_.end() && --it->second == 0) {
            count_.erase(it);
        }
    }

    std::size_t max_;
    std::mutex mutex_;
    std::unordered_map<std::string, std::size_t> count_;  // GUARDED_BY(mutex_)
};

struct Service {
    std::string path;
    std::set<std::string, std::less<>> allowed_origins;  // empty: any origin
    std::string see_other_uri;
    std::chrono::seconds keepalive{60};
    ChannelSettings channel;
    std::shared_ptr<AddressSlots> slots;
    std::shared_ptr<ModuleContext> ctx;  // a copy: what it refers to lives as long as the server
    std::shared_ptr<spdlog::logger> log;
};

// RFC 6455 §4.2.1: Sec-WebSocket-Protocol is a comma-separated token list
// (possibly over several header lines).
bool offers_xmpp(const http::RequestHead& req) {
    auto [it, end] = req.equal_range(bhttp::field::sec_websocket_protocol);
    for (; it != end; ++it) {
        std::string_view v = it->value();
        while (!v.empty()) {
            auto comma = v.find(',');
            auto token = v.substr(0, comma);
            while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) {
                token.remove_prefix(1);
            }
            while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) {
                token.remove_suffix(1);
            }
            if (token == "xmpp") {
                return true;
            }
            v = comma == std::string_view::npos ? std::string_view() : v.substr(comma + 1);
        }
    }
    return false;
}

// One upgraded connection until its stream starts: the WebSocket handshake,
// then either the see-other-uri redirect or the client stream.
template <class Stream>
class Upgrade : public std::enable_shared_from_this<Upgrade<Stream>> {
public:
    Upgrade(Stream s, bhttp::request<bhttp::empty_body> req, std::shared_ptr<void> slot,
            std::shared_ptr<Service> svc, std::string remote)
        : ws_(std::move(s)),
          req_(std::move(req)),
          slot_(std::move(slot)),
          svc_(std::move(svc)),
          remote_(std::move(remote)) {}

    void start() {
        auto exec = ws_.get_executor();
        asio::co_spawn(exec, run(), [self = this->shared_from_this()](std::exception_ptr e) {
            if (e) {
                try {
                    std::rethrow_exception(e);
                } catch (const std::exception& ex) {
                    self->svc_->log->error("websocket {}: {}", self->remote_, ex.what());
                }
            }
        });
    }

private:
    asio::awaitable<void> run() {
        bws::stream_base::timeout t;
        t.handshake_timeout = kHandshakeTimeout;
        t.idle_timeout = svc_->keepalive.count() > 0
                             ? std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                   2 * svc_->keepalive)
                             : bws::stream_base::none();
        t.keep_alive_pings = svc_->keepalive.count() > 0;
        ws_.set_option(t);
        ws_.set_option(bws::stream_base::decorator([](bws::response_type& res) {
            res.set(bhttp::field::server, "Parley");
            res.set(bhttp::field::sec_websocket_protocol, "xmpp");  // RFC 7395 §3.1
        }));
        // The channel refuses a message over the stanza limit itself (with a
        // stream error) before Beast's own limit is reached.
        ws_.read_message_max(svc_->channel.limits.max_stanza_bytes + 64 * 1024);
        ws_.auto_fragment(false);
        auto [ec] = co_await ws_.async_accept(req_, kTuple);
        if (ec) {
            svc_->log->debug("websocket {}: handshake failed: {}", remote_, ec.message());
            co_return;
        }
        if (!svc_->see_other_uri.empty()) {
            co_await redirect();
            co_return;
        }
        svc_->log->debug("websocket {}: connected{}", remote_,
                         WsChannel<Stream>::kTls ? " (TLS)" : "");
        auto channel = std::make_shared<WsChannel<Stream>>(std::move(ws_), remote_, svc_->channel,
                                                            std::move(slot_));
        svc_->ctx->start_client_stream(std::move(channel));
    }

    // RFC 7395 §3.6.1: the client's <open/> is answered by <close/> naming
    // the endpoint to use instead; then the WebSocket is closed.
    asio::awaitable<void> redirect() {
        beast::flat_buffer buf;
        auto [ec, n] = co_await ws_.async_read(buf, kTuple);
        if (ec) {
            co_return;
        }
        const std::string msg = close_message(svc_->see_other_uri);
        ws_.text(true);
        auto [wec, wn] = co_await ws_.async_write(asio::buffer(msg), kTuple);
        if (!wec) {
            auto [cec] = co_await ws_.async_close(bws::close_code::normal, kTuple);
            (void)cec;
        }
        svc_->log->info("websocket {}: redirected to {}", remote_, svc_->see_other_uri);
    }

    bws::stream<Stream> ws_;
    bhttp::request<bhttp::empty_body> req_;
    std::shared_ptr<void> slot_;
    std::shared_ptr<Service> svc_;
    std::string remote_;
};

asio::awaitable<void> respond_text(http::Exchange& ex, bhttp::status status, std::string_view text) {
    auto res = http::text_response(ex.request(), status, text);
    co_await ex.respond(res);
}

// `svc` is the route's own copy (it lives as long as the route table).
asio::awaitable<void> handle_upgrade(const std::shared_ptr<Service>& svc, http::Exchange& ex) {
    const auto& req = ex.request();
    if (ex.path() != svc->path) {
        co_await respond_text(ex, bhttp::status::not_found, "Not found\n");
        co_return;
    }
    if (!beast::iequals(req[bhttp::field::upgrade], "websocket") ||
        req.method() != bhttp::verb::get) {
        auto res = http::text_response(req, bhttp::status::upgrade_required,
                                       "This is an XMPP WebSocket endpoint (RFC 7395)\n");
        res.set(bhttp::field::upgrade, "websocket");
        res.set(bhttp::field::connection, "Upgrade");
        co_await ex.respond(res);
        co_return;
    }
    const std::string_view origin = req[bhttp::field::origin];
    if (!origin.empty() && !svc->allowed_origins.empty() && !svc->allowed_origins.contains(origin)) {
        svc->log->info("websocket {}: origin {} refused", ex.remote_address(), origin);
        co_await respond_text(ex, bhttp::status::forbidden, "Origin not allowed\n");
        co_return;
    }
    if (!offers_xmpp(req)) {
        // RFC 7395 §3.1: without the subprotocol there is no XMPP over this WebSocket.
        co_await respond_text(ex, bhttp::status::bad_request,
                              "The WebSocket subprotocol 'xmpp' is required (RFC 7395 §3.1)\n");
        co_return;
    }
    std::string remote = ex.remote_address();
    auto slot = svc->slots->take(remote);
    if (!slot) {
        svc->log->info("websocket {}: too many connections from this address", remote);
        co_await respond_text(ex, bhttp::status::service_unavailable,
                              "Too many connections from your address\n");
        co_return;
    }
    auto taken = ex.take_connection();
    if (!taken) {
        co_return;
    }
    if (taken->buffered.size() != 0) {
        // RFC 6455 §4.1: the client waits for the handshake's answer before
        // sending frames; anything else is not a WebSocket client.
        svc->log->info("websocket {}: data before the handshake answer", remote);
        co_return;
    }
    std::visit(
        [&](auto& stream) {
            using S = std::decay_t<decltype(stream)>;
            std::make_shared<Upgrade<S>>(std::move(stream), std::move(taken->request),
                                         std::move(slot), svc, std::move(remote))
                ->start();
        },
        taken->stream);
}

// XEP-0156 §3: the host-meta documents, readable cross-origin (§3.2 suggests
// CORS so that browser clients served elsewhere can discover the endpoints).
asio::awaitable<void> handle_host_meta(const std::vector<ClientEndpoint>* endpoints,
                                       http::Exchange& ex, bool json) {
    const std::string_view want = json ? "/.well-known/host-meta.json" : "/.well-known/host-meta";
    if (ex.path() != want) {
        co_await respond_text(ex, bhttp::status::not_found, "Not found\n");
        co_return;
    }
    const auto method = ex.request().method();
    http::Response res{bhttp::status::ok, 11};
    res.set(bhttp::field::server, "Parley");
    res.set(bhttp::field::access_control_allow_origin, "*");
    res.set("X-Content-Type-Options", "nosniff");
    if (method == bhttp::verb::options) {
        res.result(bhttp::status::no_content);
        res.set(bhttp::field::access_control_allow_methods, "GET, HEAD, OPTIONS");
        res.set(bhttp::field::access_control_max_age, "86400");
    } else if (method != bhttp::verb::get && method != bhttp::verb::head) {
        res.result(bhttp::status::method_not_allowed);
        res.set(bhttp::field::allow, "GET, HEAD, OPTIONS");
    } else {
        res.set(bhttp::field::content_type,
                json ? "application/json" : "application/xrd+xml; charset=utf-8");
        res.set(bhttp::field::cache_control, "max-age=3600");
        res.body() = json ? host_meta_json(*endpoints) : host_meta_xml(*endpoints);
    }
    co_await ex.respond(res);
}

Result<std::shared_ptr<Service>> read_options(const ModuleContext& ctx) {
    const auto& c = ctx.config();
    auto svc = std::make_shared<Service>();
    svc->path = c.get_string("path", "/xmpp-websocket");
    if (svc->path.empty() || svc->path.front() != '/') {
        return fail(std::string("modules.websocket.path must start with '/'"));
    }
    for (auto& o : c.get_list("allowed_origins")) {
        svc->allowed_origins.insert(std::move(o));
    }
    svc->see_other_uri = c.get_string("see_other_uri", "");
    if (!svc->see_other_uri.empty() && !svc->see_other_uri.starts_with("wss://") &&
        !svc->see_other_uri.starts_with("ws://")) {
        return fail(std::string("modules.websocket.see_other_uri must be a ws:// or wss:// URL"));
    }
    const auto keepalive = c.get_int("keepalive_interval", 60);
    const auto per_ip = c.get_int("max_sessions_per_ip", 100);
    if (keepalive < 0 || per_ip < 0) {
        return fail(std::string(
            "modules.websocket.keepalive_interval and max_sessions_per_ip must not be negative"));
    }
    svc->keepalive = std::chrono::seconds(keepalive);
    svc->slots = std::make_shared<AddressSlots>(static_cast<std::size_t>(per_ip));
    svc->channel.limits = ctx.client_limits();
    svc->channel.consider_secure = c.get_bool("consider_secure", false);
    return svc;
}

class WebSocketModule final : public Module {
public:
    Result<void> start(ModuleContext& ctx) override {
        // One endpoint serves every virtual host (the client names its host
        // in <open to=.../>): the routes are registered by the first host's
        // instance only.
        if (ctx.host() != ctx.server_info().hosts.front()) {
            return {};
        }
        auto svc = read_options(ctx);
        if (!svc) {
            return fail(svc.error());
        }
        auto s = *svc;
        s->ctx = std::make_shared<ModuleContext>(ctx);
        s->log = std::make_shared<spdlog::logger>(ctx.log());
        if (auto r = ctx.http_route(s->path,
                                    [s](http::Exchange& ex) { return handle_upgrade(s, ex); });
            !r) {
            return r;
        }
        ctx.add_client_endpoint(std::string(ns::alt_websocket),
                                websocket_url(ctx.http_url(s->path)));
        if (ctx.config().get_bool("host_meta", true)) {
            const auto* endpoints = &ctx.client_endpoints();
            for (bool json : {false, true}) {
                auto r = ctx.http_route(
                    json ? "/.well-known/host-meta.json" : "/.well-known/host-meta",
                    [endpoints, json](http::Exchange& ex) {
                        return handle_host_meta(endpoints, ex, json);
                    });
                if (!r) {
                    return r;
                }
            }
        }
        service_ = s;
        return {};
    }

private:
    std::shared_ptr<Service> service_;
};

}  // namespace

}  // namespace websocket

std::unique_ptr<Module> make_websocket_module() {
    return std::make_unique<websocket::WebSocketModule>();
}

}  // namespace parley::mod
