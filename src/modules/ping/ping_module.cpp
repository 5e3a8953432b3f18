// XEP-0199 XMPP Ping v2.0.1: §4.2 client-to-server ping (the server answers
// an empty result), §4.3 (an account is "pinged" through its server: an iq to
// a bare JID with no handler gets service-unavailable from the router).
#include "core/module.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod {

namespace {

class PingModule final : public Module {
public:
    Result<void> start(ModuleContext& ctx) override {
        ctx.add_feature(std::string(ns::ping));
        ctx.on_iq(IqType::get, IqScope::host, ns::ping, "ping",
                  [](IqRequest& req) -> Awaitable<void> {
                      req.reply();
                      co_return;
                  });
        return {};
    }
};

}  // namespace

std::unique_ptr<Module> make_ping_module() { return std::make_unique<PingModule>(); }

}  // namespace parley::mod
