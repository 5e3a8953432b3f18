// XEP-0045 Multi-User Chat v1.35.5: the module that runs a MUC service for a
// virtual host at conference.<host> (§6.1 a service is a domain of its own)
// through ModuleContext::serve_domain, with the [modules.muc] settings of
// docs/CONFIGURATION.md: who may create rooms (§10.1.1), the defaults of a
// new room's configuration (§10.1.3) and the service limits.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <spdlog/spdlog.h>

#include "core/module.hpp"
#include "modules/muc/muc_service.hpp"
#include "storage/stores.hpp"

namespace parley::mod {

namespace {

using muc::Creation;
using muc::MucService;
using muc::ServiceOptions;

Result<void> read_options(const ModuleConfig& cfg, const std::string& host, ServiceOptions& o) {
    std::string domain = cfg.get_string("domain", "conference.{host}");
    if (auto at = domain.find("{host}"); at != std::string::npos) {
        domain.replace(at, 6, host);
    }
    auto jid = xmpp::Jid::parse(domain);
    if (!jid || !jid->local().empty() || !jid->resource().empty()) {
        return fail("modules.muc.domain: '" + domain + "' is not a domain name");
    }
    o.domain = jid->str();
    o.name = cfg.get_string("name", "Chatrooms");
    const std::string creation = cfg.get_string("room_creation", "local");
    if (creation == "anyone") {
        o.creation = Creation::anyone;
    } else if (creation == "local") {
        o.creation = Creation::local;
    } else if (creation == "admins") {
        o.creation = Creation::admins;
    } else {
        return fail("modules.muc.room_creation: '" + creation +
                    "' is not one of \"anyone\", \"local\", \"admins\"");
    }
    // A comma-separated list of bare JIDs.
    for (const auto& item : cfg.get_list("admins")) {
        auto j = xmpp::Jid::parse(item);
        if (!j) {
            return fail("modules.muc.admins: '" + item + "' is not a JID");
        }
        o.admins.insert(j->bare_str());
    }
    auto count = [&](std::string_view key, std::int64_t fallback,
                     std::int64_t max) -> Result<std::int64_t> {
        const auto v = cfg.get_int(key, fallback);
        if (v < 0 || v > max) {
            return fail("modules.muc." + std::string(key) + ": " + std::to_string(v) +
                        " is out of range (0-" + std::to_string(max) + ")");
        }
        return v;
    };
    constexpr std::int64_t kMax = 1'000'000;
    auto rooms = count("max_rooms_per_user", 100, kMax);
    auto rate = count("messages_per_minute", 120, kMax);
    auto occupants = count("max_occupants", 1000, kMax);
    auto history = count("max_history", 50, 10'000);
    auto default_occupants = count("default_max_occupants", 200, kMax);
    auto default_history = count("default_history", 20, 10'000);
    for (const auto* r :
         {&rooms, &rate, &occupants, &history, &default_occupants, &default_history}) {
        if (!*r) {
            return fail(r->error());
        }
    }
    o.max_rooms_per_user = static_cast<std::size_t>(*rooms);
    o.messages_per_minute = static_cast<std::size_t>(*rate);
    o.limits.max_users = static_cast<std::uint32_t>(*occupants);
    o.limits.max_history = static_cast<std::uint32_t>(*history);
    auto& d = o.defaults;
    d.max_users = static_cast<std::uint32_t>(std::min(*default_occupants, *occupants));
    d.history_length = static_cast<std::uint32_t>(std::min(*default_history, *history));
    d.public_room = cfg.get_bool("default_public", true);
    d.persistent = cfg.get_bool("default_persistent", false);
    d.members_only = cfg.get_bool("default_members_only", false);
    d.moderated = cfg.get_bool("default_moderated", false);
    d.allow_invites = cfg.get_bool("default_allow_invites", false);
    d.change_subject = cfg.get_bool("default_change_subject", false);
    d.archiving = cfg.get_bool("default_archiving", true);
    o.occupant_id = cfg.get_bool("occupant_id", true);
    o.shared_fanout = cfg.get_bool("shared_fanout", true);
    o.limits.enforce_registered_nickname = cfg.get_bool("enforce_registered_nickname", false);
    const std::string whois = cfg.get_string("default_whois", "moderators");
    if (whois != "moderators" && whois != "anyone") {
        return fail("modules.muc.default_whois: '" + whois +
                    "' is not one of \"moderators\", \"anyone\"");
    }
    d.whois = whois == "anyone" ? muc::Whois::anyone : muc::Whois::moderators;
    return {};
}

// Runs `task` to completion on a private io_context (start-up only: the
// workers are not running yet, and the storage pool resumes us here).
Result<void> run_at_start_up(Awaitable<Result<void>> task) {
    boost::asio::io_context ioc;
    Result<void> result = fail(std::string("did not finish"));
    boost::asio::co_spawn(ioc, std::move(task), [&](std::exception_ptr e, Result<void> r) {
        result = e ? Result<void>(fail(std::string("unexpected exception"))) : std::move(r);
    });
    ioc.run();
    return result;
}

class MucModule final : public Module {
public:
    Result<void> start(ModuleContext& ctx) override {
        ServiceOptions options;
        auto r = read_options(ctx.config(), ctx.host(), options);
        if (!r) {
            return r;
        }
        // ctx does not outlive start(): keep a copy of its logger.
        service_ =
            std::make_shared<MucService>(std::move(options), ctx.router(), ctx.storage(),
                                         std::make_shared<spdlog::logger>(ctx.log()));
        auto loaded = run_at_start_up(service_->load());
        if (!loaded) {
            return loaded;
        }
        const auto& o = service_->options();
        return ctx.serve_domain(
            o.domain, o.name, [svc = service_.get()](StanzaEvent& ev) { return svc->handle(ev); });
    }

private:
    std::shared_ptr<MucService> service_;
};

}  // namespace

std::unique_ptr<Module> make_muc_module() { return std::make_unique<MucModule>(); }

}  // namespace parley::mod
