// XEP-0124 v1.11.2 BOSH and XEP-0206 v1.4 XMPP over BOSH at /http-bind on
// the server's HTTP listeners (src/http): POST carries <body/> requests,
// OPTIONS answers the CORS preflight, GET a short text. A session's requests
// may arrive on any worker: each is handed to the worker its session lives on
// (bosh_session.hpp) and answered from there. Settings: [modules.bosh]
// (docs/CONFIGURATION.md).
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/field.hpp>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <optional>

#include "auth/crypto.hpp"
#include "core/module.hpp"
#include "http/http_server.hpp"
#include "modules/bosh/bosh_session.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod {

namespace bosh {

namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using bhttp::field;
using bhttp::status;

constexpr std::string_view kPath = "/http-bind";

// What every instance of the module (one per virtual host) shares.
struct Service {
    BoshSettings settings;
    std::shared_ptr<SessionTable> table = std::make_shared<SessionTable>();
    std::vector<std::string> hosts;
    std::optional<ModuleContext> ctx;  // for start_client_stream (its references outlive us)
    xml::ParserLimits limits;
};

template <class Message>
void add_headers(const Service& svc, Message& m) {
    m.set(field::server, "Parley");
    m.set(field::access_control_allow_origin, svc.settings.cors_origin);
    m.set(field::cache_control, "no-store");
    m.set("X-Content-Type-Options", "nosniff");
    m.set("X-Frame-Options", "DENY");
    m.set("Referrer-Policy", "no-referrer");
    m.set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
}

Awaitable<void> send(const Service& svc, http::Exchange& ex, status st, std::string body,
                     std::string_view type) {
    http::Response res{st, 11};
    add_headers(svc, res);
    res.set(field::content_type, type);
    res.body() = std::move(body);
    co_await ex.respond(res);
}

Awaitable<void> send_body(const Service& svc, http::Exchange& ex, std::string body) {
    co_await send(svc, ex, status::ok, std::move(body), "text/xml; charset=utf-8");
}

std::string new_sid() {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : auth::crypto::random_bytes(16)) {  // 128 bits: unguessable
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
    }
    return out;
}

// §7.1 session creation request; runs on the worker of the connection,
// which becomes the session's.
Awaitable<void> create_session(Service& svc, http::Exchange& ex, RequestBody& req) {
    if (req.to.empty()) {
        co_await send_body(svc, ex, terminate_body(kImproperAddressing));
        co_return;
    }
    if (std::find(svc.hosts.begin(), svc.hosts.end(), req.to) == svc.hosts.end()) {
        co_await send_body(svc, ex, terminate_body(kHostUnknown));
        co_return;
    }
    const auto& set = svc.settings;
    BoshSession::Params p;
    p.sid = new_sid();
    p.first_rid = req.rid;
    p.wait = std::clamp<std::int64_t>(req.wait.value_or(set.max_wait), 1, set.max_wait);
    p.hold = std::clamp<std::int64_t>(req.hold.value_or(1), 0, set.max_hold);
    p.inactivity = set.inactivity;
    p.max_pause = set.max_pause;
    p.polling = set.polling;
    p.acks = req.ack && *req.ack == 1;
    p.host = req.to;
    p.secure = ex.secure();
    p.remote_address = ex.remote_address();
    auto exec = co_await asio::this_coro::executor;
    auto session = std::make_shared<BoshSession>(exec, p, svc.table);
    if (!svc.table->add(p.sid, p.remote_address, session, set.max_sessions_per_ip)) {
        spdlog::info("bosh: {} has {} sessions already: refused", p.remote_address,
                     set.max_sessions_per_ip);
        co_await send_body(svc, ex, terminate_body(kPolicyViolation));
        co_return;
    }
    spdlog::info("bosh {}: new session for {} from {} (wait {}, hold {})", p.sid, p.host,
                 p.remote_address, p.wait, p.hold);
    svc.ctx->start_client_stream(session);
    BoshExchange x{std::move(req), {}};
    co_await session->handle_creation(&x);
    co_await send_body(svc, ex, std::move(x.response));
}

// The request body, whole; false when the connection failed. A coroutine of
// its own so that its read buffer is not in the frame of handle_post, which
// stays alive while the request is held (memory per idle session).
Awaitable<bool> read_text(http::Exchange& ex, std::string* text) {
    std::array<char, 4 * 1024> buf;
    for (;;) {
        auto n = co_await ex.read_body(buf);
        if (!n) {
            spdlog::debug("bosh: request body from {}: {}", ex.remote_address(),
                          n.error().message);
            co_return false;
        }
        if (*n == 0) {
            co_return true;
        }
        text->append(buf.data(), *n);
    }
}

Awaitable<void> handle_post(Service& svc, http::Exchange& ex) {
    if (auto len = ex.content_length(); len && *len > svc.settings.max_body_size) {
        co_await send(svc, ex, status::payload_too_large, "Request body too large\n",
                      "text/plain; charset=utf-8");
        co_return;
    }
    ex.set_body_limit(svc.settings.max_body_size);
    std::string text;
    const bool read = co_await read_text(ex, &text);
    if (!read) {
        co_return;  // the connection is closed
    }
    auto req = parse_request(text, svc.limits);
    text = std::string();  // parsed: not kept while the request is held
    if (!req) {
        // §17.1 bad-request: not a <body/> we can read.
        spdlog::info("bosh: unreadable request from {}", ex.remote_address());
        co_await send_body(svc, ex, terminate_body(kBadRequest));
        co_return;
    }
    if (req->sid.empty()) {
        co_await create_session(svc, ex, *req);
        co_return;
    }
    auto session = svc.table->find(req->sid);
    if (!session) {
        // §17.1 item-not-found: no such session (ended, or never was).
        co_await send_body(svc, ex, terminate_body(kItemNotFound));
        co_return;
    }
    if (session->secure() && !ex.secure()) {
        // §19.1: a request of a session created over HTTPS that arrives
        // unencrypted: "simply close the connection", and leave the session
        // alone (ending it would let anyone who saw the sid end it).
        spdlog::warn("bosh {}: request over plain HTTP from {} for a session created over "
                     "HTTPS: connection closed",
                     session->sid(), ex.remote_address());
        ex.close_without_response();
        co_return;
    }
    BoshExchange x{std::move(*req), {}};
    // Handled on the session's worker; this coroutine resumes here after.
    auto op = asio::co_spawn(session->executor(), session->handle(&x), asio::use_awaitable);
    co_await std::move(op);
    co_await send_body(svc, ex, std::move(x.response));
}

Awaitable<void> handle_http(Service& svc, http::Exchange& ex) {
    if (ex.path() != kPath && ex.path() != std::string(kPath) + "/") {
        co_await send(svc, ex, status::not_found, "Not found\n", "text/plain; charset=utf-8");
        co_return;
    }
    const auto method = ex.request().method();
    if (method == bhttp::verb::post) {
        co_await handle_post(svc, ex);
    } else if (method == bhttp::verb::options) {
        // CORS preflight: web clients post from other origins.
        http::Response res{status::no_content, 11};
        add_headers(svc, res);
        res.set(field::access_control_allow_methods, "POST, GET, OPTIONS");
        res.set(field::access_control_allow_headers, "Content-Type");
        res.set(field::access_control_max_age, "86400");
        co_await ex.respond(res);
    } else if (method == bhttp::verb::get || method == bhttp::verb::head) {
        co_await send(svc, ex, status::ok,
                      "Parley BOSH endpoint (XEP-0124, XEP-0206): POST <body/> requests here.\n",
                      "text/plain; charset=utf-8");
    } else {
        http::Response res{status::method_not_allowed, 11};
        add_headers(svc, res);
        res.set(field::allow, "POST, GET, OPTIONS");
        co_await ex.respond(res);
    }
}

class BoshModule final : public Module {
public:
    Result<void> start(ModuleContext& ctx) override {
        const auto& hosts = ctx.server_info().hosts;
        // One endpoint for every host (the 'to' of a session picks the host):
        // the first host's instance serves it.
        if (!hosts.empty() && ctx.host() != hosts.front()) {
            return {};
        }
        auto svc = std::make_shared<Service>();
        const auto& c = ctx.config();
        auto& s = svc->settings;
        s.max_wait = c.get_int("max_wait", s.max_wait);
        s.max_hold = c.get_int("max_hold", s.max_hold);
        s.inactivity = c.get_int("inactivity", s.inactivity);
        s.max_pause = c.get_int("max_pause", s.max_pause);
        s.polling = c.get_int("polling", s.polling);
        const auto per_ip = c.get_int("max_sessions_per_ip", 10);
        const auto body = c.get_int("max_body_size", 256 * 1024);
        s.cors_origin = c.get_string("cors_origin", s.cors_origin);
        if (s.max_wait < 1 || s.max_hold < 0 || s.inactivity < 1 || s.max_pause < 0 ||
            s.polling < 0 || per_ip < 0 || body < 1024) {
            return fail(std::string(
                "modules.bosh: max_wait, inactivity must be >= 1, max_body_size >= 1024, "
                "and the other settings >= 0"));
        }
        s.max_sessions_per_ip = static_cast<std::size_t>(per_ip);
        s.max_body_size = static_cast<std::size_t>(body);
        svc->limits.max_stanza_bytes = s.max_body_size;
        svc->hosts = hosts;
        svc->ctx.emplace(ctx);
        if (auto r = ctx.http_route(std::string(kPath),
                                    [svc](http::Exchange& ex) { return handle_http(*svc, ex); });
            !r) {
            return r;
        }
        // Listed in XEP-0156 host-meta (served by the websocket module).
        ctx.add_client_endpoint(std::string(ns::alt_xbosh), ctx.http_url(kPath));
        service_ = std::move(svc);
        return {};
    }

private:
    std::shared_ptr<Service> service_;
};

}  // namespace

}  // namespace bosh

std::unique_ptr<Module> make_bosh_module() { return std::make_unique<bosh::BoshModule>(); }

}  // namespace parley::mod
