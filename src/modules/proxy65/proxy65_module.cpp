// XEP-0065 SOCKS5 Bytestreams v1.8.2, the proxy (StreamHost) side of §6
// mediated connections, at proxy.<host>: §4 discovery (identity
// proxy/bytestreams; the network address query answered with one
// <streamhost/>), §6.3.2 activation by the initiator. The relay itself is
// socks5_relay.cpp; its listener is opened by the server
// (ModuleContext::listen). Settings: [modules.proxy65] (docs/CONFIGURATION.md).
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <set>

#include "modules/proxy65/socks5_relay.hpp"
#include "modules/served_domain.hpp"
#include "router/router.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod {

namespace proxy65 {

namespace {

using xmpp::Condition;
using xmpp::ErrorType;
using xmpp::StanzaError;

struct ProxyService {
    std::string domain;
    std::string name;
    std::string address;  // host or IP clients connect to
    std::uint16_t port = 0;
    std::set<std::string, std::less<>> allowed_domains;
    std::unique_ptr<Socks5Relay> relay;
};

xml::ElementPtr service_info(const ProxyService& svc) {
    const std::string dns(ns::disco_info);
    auto q = xml::Element::make("query", dns);
    auto& id = q->add("identity", dns);
    id.set_attr("category", "proxy");
    id.set_attr("type", "bytestreams");
    id.set_attr("name", svc.name);
    for (auto f : {ns::disco_info, ns::disco_items, ns::bytestreams}) {
        q->add("feature", dns).set_attr("var", std::string(f));
    }
    return q;
}

// §4 (Example 6): the proxy's network address.
xml::ElementPtr streamhost(const ProxyService& svc) {
    const std::string bns(ns::bytestreams);
    auto q = xml::Element::make("query", bns);
    auto& sh = q->add("streamhost", bns);
    sh.set_attr("jid", svc.domain);
    sh.set_attr("host", svc.address);
    sh.set_attr("port", std::to_string(svc.port));
    return q;
}

// §6.3.2: the initiator asks the proxy to activate the bytestream; the hash
// is computed from the sender's own full JID, so only the initiator can.
std::optional<StanzaError> activate(ProxyService& svc, const StanzaEvent& ev,
                                    const xml::Element& query) {
    const auto sid = query.attr_or("sid");
    const auto target = query.child_text("activate", ns::bytestreams);
    if (sid.empty() || !target || target->empty()) {
        return StanzaError(Condition::bad_request, ErrorType::modify,
                           "activation needs a sid and an <activate/> target");
    }
    const auto hash = stream_hash(sid, ev.from.str(), *target);
    switch (svc.relay->activate(hash)) {
        case Socks5Relay::Activation::started:
            spdlog::info("proxy65: {} activated stream {} to {}", ev.from.str(), sid, *target);
            return std::nullopt;
        case Socks5Relay::Activation::busy:
            return StanzaError(Condition::resource_constraint, ErrorType::wait,
                               "too many transfers through this proxy; try later");
        case Socks5Relay::Activation::not_found: break;
    }
    return StanzaError(Condition::item_not_found, ErrorType::cancel,
                       "both parties must be connected to the proxy before activation");
}

Awaitable<void> handle_stanza(ProxyService& svc, Router& router, StanzaEvent& ev) {
    const xml::Element* payload = service_request(router, ev);
    if (!payload || answer_disco(router, ev, *payload, [&svc] { return service_info(svc); })) {
        co_return;
    }
    const xml::Element& st = *ev.stanza;
    if (!payload->is("query", ns::bytestreams)) {
        router.bounce(st, StanzaError(Condition::service_unavailable));
    } else if (!svc.allowed_domains.contains(ev.from.domain())) {
        // §4: "If the Proxy is unable to act as a StreamHost ... SHOULD be <not-allowed/>".
        router.bounce(st, StanzaError(Condition::not_allowed, ErrorType::cancel,
                                      "only users of this server may use the proxy"));
    } else if (ev.type == "get") {
        router.send(iq_result(st, streamhost(svc)));
    } else if (auto err = activate(svc, ev, *payload)) {
        router.bounce(st, *err);
    } else {
        router.send(iq_result(st, nullptr));
    }
}

class Proxy65Module final : public Module {
public:
    Result<void> start(ModuleContext& ctx) override {
        const auto& c = ctx.config();
        auto svc = std::make_shared<ProxyService>();
        svc->domain = c.get_string("domain", "proxy." + ctx.host());
        svc->name = c.get_string("name", "SOCKS5 Bytestreams Proxy");
        svc->address = c.get_string("address", ctx.host());
        const auto port = c.get_int("port", 5000);
        if (port <= 0 || port > 65535) {
            return fail(fmt::format("modules.proxy65.port: {} is not a port number", port));
        }
        svc->port = static_cast<std::uint16_t>(port);
        RelayOptions ro;
        const auto max_transfers = c.get_int("max_transfers", 100);
        const auto idle = c.get_int("idle_timeout", 300);
        const auto pending = c.get_int("pending_timeout", 60);
        if (max_transfers <= 0 || idle <= 0 || pending <= 0) {
            return fail(std::string(
                "modules.proxy65: max_transfers, idle_timeout and pending_timeout must be positive"));
        }
        ro.max_transfers = static_cast<std::size_t>(max_transfers);
        ro.idle_timeout = std::chrono::seconds(idle);
        ro.pending_timeout = std::chrono::seconds(pending);
        svc->relay = std::make_unique<Socks5Relay>(ro);
        svc->allowed_domains = domain_set(c.get_string("allowed_domains", ctx.host()));
        auto* relay = svc->relay.get();
        auto l = ctx.listen({"SOCKS5 proxy (XEP-0065) for " + ctx.host(), c.get_string("bind", "::"),
                             svc->port,
                             [relay](boost::asio::ip::tcp::socket& s) { return relay->accept(s); }});
        if (!l) {
            return l;
        }
        service_ = svc;
        Router* router = &ctx.router();
        return ctx.serve_domain(svc->domain, svc->name, [svc, router](StanzaEvent& ev) {
            return handle_stanza(*svc, *router, ev);
        });
    }

private:
    std::shared_ptr<ProxyService> service_;
};

}  // namespace

}  // namespace proxy65

std::unique_ptr<Module> make_proxy65_module() { return std::make_unique<proxy65::Proxy65Module>(); }

}  // namespace parley::mod
