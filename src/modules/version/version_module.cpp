// XEP-0092 Software Version v1.1: §2 protocol (<name/>, <version/>, optional
// <os/>), §3 examples, §4 (the "jabber:iq:version" disco feature), §5 security
// (the operating system is disclosed only when the admin enables it).
//
// Config ([modules.version]):
//   show_os (bool, default false) — include <os/> ("Linux 6.1.0") in replies.
#include <sys/utsname.h>

#include "core/module.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod {

namespace {

// "Linux 6.1.0-18-amd64", or "" when uname() fails.
std::string operating_system() {
    utsname u{};
    if (uname(&u) != 0) {
        return {};
    }
    return std::string(u.sysname) + " " + u.release;
}

class VersionModule final : public Module {
public:
    Result<void> start(ModuleContext& ctx) override {
        name_ = ctx.server_info().name;
        version_ = ctx.server_info().version;
        if (ctx.config().get_bool("show_os", false)) {
            os_ = operating_system();  // read once: it does not change while we run
        }
        ctx.add_feature(std::string(ns::version));
        ctx.on_iq(IqType::get, IqScope::host, ns::version, "query",
                  [this](IqRequest& req) -> Awaitable<void> {
                      auto query = xml::Element::make("query", std::string(ns::version));
                      query->add_text_child("name", std::string(ns::version), name_);
                      query->add_text_child("version", std::string(ns::version), version_);
                      if (!os_.empty()) {
                          query->add_text_child("os", std::string(ns::version), os_);
                      }
                      req.reply(std::move(query));
                      co_return;
                  });
        return {};
    }

private:
    std::string name_;
    std::string version_;
    std::string os_;  // empty: not disclosed (§5)
};

}  // namespace

std::unique_ptr<Module> make_version_module() { return std::make_unique<VersionModule>(); }

}  // namespace parley::mod
