// XEP-0160 Best Practices for Handling Offline Messages v1.0.1: §2 process
// flow (store while no resource is available, service-unavailable when the
// queue is full, deliver with a XEP-0203 delay stamp on the next available
// presence of non-negative priority), §3 message types (offline_message.cpp),
// §4 the "msgoffline" disco feature. RFC 6121 §8.5.2.2 (no available
// resources: the server stores the message or returns service-unavailable).
//
// Config ([modules.offline]):
//   max_messages (int, default 1000) — stored messages per account; when full,
//   new messages are refused with <service-unavailable/>.
#include <spdlog/spdlog.h>

#include <chrono>

#include "core/module.hpp"
#include "modules/offline/offline_message.hpp"
#include "router/router.hpp"
#include "storage/stores.hpp"
#include "xml/serializer.hpp"
#include "xml/stream_parser.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod {

namespace {

using xmpp::Condition;
using xmpp::StanzaError;

constexpr std::int64_t kDefaultMaxMessages = 1000;

class OfflineModule final : public Module {
public:
    Result<void> start(ModuleContext& ctx) override {
        const auto max = ctx.config().get_int("max_messages", kDefaultMaxMessages);
        if (max < 1) {
            return fail(
                "[modules.offline] max_messages must be at least 1 (to keep no offline "
                "messages, disable the offline module instead)");
        }
        limit_ = static_cast<std::size_t>(max);
        host_ = ctx.host();
        router_ = &ctx.router();
        storage_ = &ctx.storage();
        log_ = std::make_shared<spdlog::logger>(ctx.log());  // ctx does not outlive start()

        ctx.add_feature(std::string(ns::offline));
        // fallback: every other handler (e.g. a future MAM or push module) has
        // had its chance to take the message first.
        ctx.hook(StanzaHook::message_offline, Priority::fallback,
                 [this](StanzaEvent& ev) { return store(ev); });
        ctx.on_session(SessionHook::available, [this](Session& s) { return flush(s); });
        return {};
    }

private:
    Awaitable<Handled> store(StanzaEvent& ev) {
        switch (offline::classify(*ev.stanza)) {
            case offline::OfflineAction::refuse:
                co_return Handled::no;  // the router applies RFC 6121 §8.5.2.2
            case offline::OfflineAction::drop:
                log_->debug("offline: dropped a message without content for {}",
                            ev.to.bare_view());
                co_return Handled::yes;
            case offline::OfflineAction::store:
                break;
        }
        const std::string bare = ev.to.bare_str();
        auto stored =
            offline::prepare_for_storage(*ev.stanza, bare, host_, std::chrono::system_clock::now());
        auto pushed = co_await storage_->offline().push(bare, xml::to_string(*stored), limit_);
        if (!pushed) {
            log_->error("offline: storing a message for {} failed: {}", bare,
                        pushed.error().message);
            ev.router.bounce(*ev.stanza, StanzaError(Condition::internal_server_error));
        } else if (!*pushed) {
            // XEP-0160 §2 step 3: the queue is full.
            log_->info("offline: queue of {} is full ({} messages); message refused", bare, limit_);
            ev.router.bounce(*ev.stanza,
                             StanzaError(Condition::service_unavailable,
                                         "the recipient's offline message queue is full"));
        }
        co_return Handled::yes;
    }

    // Runs on the session's thread when it sends its first available presence.
    Awaitable<void> flush(Session& session) {
        const auto& jid = session.jid();
        const std::string bare = jid.bare_str();
        // XEP-0160 §2 step 5, RFC 6121 §8.5.2.1.1: a resource of negative
        // priority never receives messages sent to the bare JID; they stay
        // stored for the next resource.
        if (auto entry = router_->sessions().find(jid);
            entry && entry->available && entry->priority < 0) {
            co_return;
        }
        auto popped = co_await storage_->offline().pop_all(bare);
        if (!popped) {
            // Nothing was removed: the messages wait for the next login.
            log_->error("offline: reading the messages of {} failed: {}", bare,
                        popped.error().message);
            co_return;
        }
        SessionPtr self = session.weak_from_this().lock();
        std::size_t index = 0;
        for (const auto& text : *popped) {
            ++index;
            xml::ParseError err = xml::ParseError::none;
            xml::ElementPtr stanza = xml::parse_element(text, &err);
            if (!stanza) {
                // Removed from the store and not deliverable: say so loudly.
                log_->error(
                    "offline: stored message {}/{} for {} ({} bytes) cannot be parsed "
                    "({}); it is lost",
                    index, popped->size(), bare, text.size(), xml::to_string(err));
                continue;
            }
            if (self) {
                router_->deliver(self, std::move(stanza));
            } else {
                session.deliver(std::move(stanza));  // we are on its thread already
            }
        }
        if (!popped->empty()) {
            log_->debug("offline: delivered {} stored messages to {}", popped->size(), jid.str());
        }
    }

    std::string host_;
    std::size_t limit_ = kDefaultMaxMessages;
    Router* router_ = nullptr;
    storage::Storage* storage_ = nullptr;
    std::shared_ptr<spdlog::logger> log_;
};

}  // namespace

std::unique_ptr<Module> make_offline_module() { return std::make_unique<OfflineModule>(); }

}  // namespace parley::mod
