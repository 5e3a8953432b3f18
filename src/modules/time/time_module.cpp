// XEP-0202 Entity Time v2.0: §2 protocol (<tzo/> and <utc/> in a result),
// §3 examples, §4 (the "urn:xmpp:time" disco feature); formats from XEP-0082
// §2.1 (TZD) and §3.2 (DateTime). The server answers for its own domain.
#include <chrono>
#include <ctime>

#include "core/module.hpp"
#include "modules/time/datetime.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod {

namespace {

class TimeModule final : public Module {
public:
    Result<void> start(ModuleContext& ctx) override {
        ctx.add_feature(std::string(ns::time));
        ctx.on_iq(IqType::get, IqScope::host, ns::time, "time",
                  [](IqRequest& req) -> Awaitable<void> {
                      const auto now = std::chrono::system_clock::now();
                      const std::time_t t = std::chrono::system_clock::to_time_t(now);
                      auto time = xml::Element::make("time", std::string(ns::time));
                      time->add_text_child("tzo", std::string(ns::time),
                                           datetime::format_tzo(datetime::local_utc_offset(t)));
                      time->add_text_child("utc", std::string(ns::time), datetime::format_utc(t));
                      req.reply(std::move(time));
                      co_return;
                  });
        return {};
    }
};

}  // namespace

std::unique_ptr<Module> make_time_module() { return std::make_unique<TimeModule>(); }

}  // namespace parley::mod
