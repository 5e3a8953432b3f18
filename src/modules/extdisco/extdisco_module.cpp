// XEP-0215 External Service Discovery v1.0.0: §3.1 the services request
// (optionally filtered by type, §3.2), §3.3 credentials for one service, with
// TURN REST-style time-limited credentials (draft-uberti-behave-turn-rest:
// username = "<expiry>:<bare JID>", password = base64(HMAC-SHA1(secret,
// username))) so that Jingle calls and file transfers work through NAT with
// coturn's `use-auth-secret`. Only the server's own users are answered.
// Settings: [modules.extdisco] (docs/CONFIGURATION.md).
#include <fmt/format.h>

#include <chrono>

#include "auth/base64.hpp"
#include "auth/crypto.hpp"
#include "core/module.hpp"
#include "modules/served_domain.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod {

namespace {

using xmpp::Condition;
using xmpp::ErrorType;
using xmpp::StanzaError;

struct Service {
    std::string type;       // stun, turn, stuns, turns
    std::string host;
    std::uint16_t port = 0;
    std::string transport;  // udp or tcp
};

// "type:host:port/transport", e.g. "turn:turn.example.org:3478/udp".
Result<Service> parse_service(std::string_view text) {
    Service s;
    const auto slash = text.rfind('/');
    if (slash == std::string_view::npos) {
        return fail(fmt::format("'{}' has no /udp or /tcp", text));
    }
    s.transport = std::string(text.substr(slash + 1));
    text = text.substr(0, slash);
    const auto first = text.find(':');
    const auto last = text.rfind(':');
    if (first == std::string_view::npos || first == last) {
        return fail(fmt::format("'{}' is not type:host:port/transport", text));
    }
    s.type = std::string(text.substr(0, first));
    s.host = std::string(text.substr(first + 1, last - first - 1));
    unsigned port = 0;
    for (char c : text.substr(last + 1)) {
        if (c < '0' || c > '9' || port > 65535) {
            return fail(fmt::format("'{}' has no valid port", text));
        }
        port = port * 10 + static_cast<unsigned>(c - '0');
    }
    if (port == 0 || port > 65535 || s.host.empty()) {
        return fail(fmt::format("'{}' has no valid host and port", text));
    }
    s.port = static_cast<std::uint16_t>(port);
    if (s.type != "stun" && s.type != "stuns" && s.type != "turn" && s.type != "turns") {
        return fail(fmt::format("service type '{}' is not stun, stuns, turn or turns", s.type));
    }
    if (s.transport != "udp" && s.transport != "tcp") {
        return fail(fmt::format("transport '{}' is not udp or tcp", s.transport));
    }
    return s;
}

struct Settings {
    std::vector<Service> services;
    std::string secret;  // TURN REST shared secret; empty = no credentials
    std::int64_t ttl = 86400;
};

std::string utc(std::int64_t t) {
    const std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

void add_service(xml::Element& parent, const Service& s, const Settings& cfg,
                 const std::string& user) {
    auto& el = parent.add("service", std::string(ns::extdisco));
    el.set_attr("type", s.type);
    el.set_attr("host", s.host);
    el.set_attr("port", std::to_string(s.port));
    el.set_attr("transport", s.transport);
    if (s.type.starts_with("turn") && !cfg.secret.empty()) {
        const auto expires = std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count() +
                             cfg.ttl;
        const std::string username = fmt::format("{}:{}", expires, user);
        el.set_attr("username", username);
        el.set_attr("password", auth::base64_encode(auth::crypto::hmac(
                                    auth::Hash::sha1, cfg.secret, username)));
        el.set_attr("expires", utc(expires));
        el.set_attr("restricted", "1");
    }
}

class ExtdiscoModule final : public Module {
public:
    Result<void> start(ModuleContext& ctx) override {
        const auto& c = ctx.config();
        auto cfg = std::make_shared<Settings>();
        for (const auto& item : split_list(c.get_string("services", ""))) {
            auto s = parse_service(item);
            if (!s) {
                return fail("modules.extdisco.services: " + s.error().message);
            }
            cfg->services.push_back(std::move(*s));
        }
        cfg->secret = c.get_string("secret", "");
        cfg->ttl = c.get_int("credential_ttl", 86400);
        if (cfg->ttl <= 0) {
            return fail(std::string("modules.extdisco.credential_ttl must be positive"));
        }
        if (cfg->services.empty()) {
            return {};  // nothing to announce: no feature, no handlers
        }
        const std::string host = ctx.host();
        ctx.add_feature(std::string(ns::extdisco));
        // §3.1 / §3.2: every service, or those of one type.
        ctx.on_iq(IqType::get, IqScope::host, ns::extdisco, "services",
                  [cfg, host](IqRequest& req) -> Awaitable<void> {
                      if (req.from().domain() != host) {
                          req.reply_error(StanzaError(Condition::forbidden));
                          co_return;
                      }
                      const auto type = req.payload().attr_or("type");
                      auto out = xml::Element::make("services", std::string(ns::extdisco));
                      if (!type.empty()) {
                          out->set_attr("type", std::string(type));
                      }
                      for (const auto& s : cfg->services) {
                          if (type.empty() || s.type == type) {
                              add_service(*out, s, *cfg, req.from().bare_str());
                          }
                      }
                      req.reply(std::move(out));
                  });
        // §3.3: credentials for one service, named by host (and type).
        ctx.on_iq(IqType::get, IqScope::host, ns::extdisco, "credentials",
                  [cfg, host](IqRequest& req) -> Awaitable<void> {
                      if (req.from().domain() != host) {
                          req.reply_error(StanzaError(Condition::forbidden));
                          co_return;
                      }
                      const auto* want = req.payload().child("service", ns::extdisco);
                      if (!want || want->attr_or("host").empty()) {
                          req.reply_error(StanzaError(Condition::bad_request, ErrorType::modify,
                                                      "name the service's host"));
                          co_return;
                      }
                      auto out = xml::Element::make("credentials", std::string(ns::extdisco));
                      for (const auto& s : cfg->services) {
                          const auto type = want->attr_or("type");
                          if (s.host == want->attr_or("host") && (type.empty() || s.type == type)) {
                              add_service(*out, s, *cfg, req.from().bare_str());
                          }
                      }
                      if (out->children().empty()) {
                          req.reply_error(StanzaError(Condition::item_not_found));
                          co_return;
                      }
                      req.reply(std::move(out));
                  });
        return {};
    }
};

}  // namespace

std::unique_ptr<Module> make_extdisco_module() { return std::make_unique<ExtdiscoModule>(); }

}  // namespace parley::mod
