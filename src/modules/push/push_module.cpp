// XEP-0357 Push Notifications v0.4.1: §4.1 the urn:xmpp:push:0 feature on the
// account, §5 enable (with publish options), §6 disable, §7 publishing to the
// app server's push service, §7.1 publish errors disable the registration.
// The de-facto reference is Prosody's mod_cloud_notify: a notification for
// every "important" message (push_notification.hpp) that (a) goes to offline
// storage — to every registration of the account — or (b) is kept by a
// session hibernating under XEP-0198 — to the registrations that session
// enabled, including the messages left unacknowledged when it dropped.
//
// Config ([modules.push], docs/CONFIGURATION.md):
//   include_body (bool, false)  — send last-message-body ("summary only" by default)
//   include_sender (bool, true) — send last-message-sender
//   max_registrations (int, 5)  — per account; enabling one more evicts the oldest
//   max_errors (int, 1)         — error answers in a row that disable a registration
//   publish_timeout (int, 10)   — seconds to wait for the app server's answer
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>

#include <algorithm>
#include <chrono>
#include <limits>
#include <mutex>
#include <set>
#include <unordered_map>

#include "core/module.hpp"
#include "modules/push/push_notification.hpp"
#include "router/router.hpp"
#include "storage/stores.hpp"
#include "xml/serializer.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod {

namespace {

namespace asio = boost::asio;
using xmpp::Condition;
using xmpp::StanzaError;

constexpr const char* kStore = "push";

// The registrations a session enabled (by storage key): a hibernating
// session notifies only those, like mod_cloud_notify. Touched on the
// session's thread; moves with the session when it is resumed.
struct PushSessionState {
    std::set<std::string> keys;
};

class PushModule;

// A notification to send, owned by PushModule::notify from its first line
// (g++ 12 may destroy by-value coroutine parameters that own memory twice).
struct NotifyJob {
    PushModule* self;
    std::string bare;
    xml::ElementRef message;
    bool only_keys;                // false: every registration of the account
    std::set<std::string> keys;    // when only_keys
};

class PushModule final : public Module {
public:
    Result<void> start(ModuleContext& ctx) override {
        const auto& cfg = ctx.config();
        content_.include_body = cfg.get_bool("include_body", false);
        content_.include_sender = cfg.get_bool("include_sender", true);
        const auto max_regs = cfg.get_int("max_registrations", 5);
        const auto max_errors = cfg.get_int("max_errors", 1);
        const auto timeout = cfg.get_int("publish_timeout", 10);
        if (max_regs < 1 || max_errors < 1 || timeout < 1) {
            return fail(
                "[modules.push] max_registrations, max_errors and publish_timeout must be at "
                "least 1");
        }
        max_registrations_ = static_cast<std::size_t>(max_regs);
        max_errors_ = static_cast<int>(std::min<std::int64_t>(max_errors, 1000));
        timeout_ = std::chrono::seconds(timeout);
        storage_ = &ctx.storage();
        router_ = &ctx.router();
        log_ = std::make_shared<spdlog::logger>(ctx.log());  // ctx does not outlive start()

        ctx.add_account_feature(std::string(ns::push));  // §4.1
        ctx.on_iq(IqType::set, IqScope::account, ns::push, "enable",
                  [this](IqRequest& req) { return enable(req); });
        ctx.on_iq(IqType::set, IqScope::account, ns::push, "disable",
                  [this](IqRequest& req) { return disable(req); });
        // Before the offline module (Priority::fallback) stores the message;
        // never takes it over.
        ctx.hook(StanzaHook::message_offline, Priority::fallback + 10,
                 [this](StanzaEvent& ev) { return on_offline(ev); });
        ctx.hook(StanzaHook::message_held, Priority::deliver,
                 [this](StanzaEvent& ev) { return on_held(ev); });
        // The count restarts when the user is back.
        ctx.on_session(SessionHook::available, [this](Session& s) -> Awaitable<void> {
            forget_count(s.jid().bare_str());
            co_return;
        });
        ctx.on_user_removed([this](const std::string& bare) -> Awaitable<void> {
            forget_count(bare);
            co_return;  // the account's keyval rows go with the account
        });
        return {};
    }

    Awaitable<void> notify(NotifyJob* job_in);

private:
    // §5. Only the account itself may enable (RFC 6120 §10.3.3: no 'to' or its bare JID).
    Awaitable<void> enable(IqRequest& req) {
        if (!req.from_self()) {
            req.reply_error(StanzaError(Condition::forbidden));
            co_return;
        }
        auto reg = push::parse_enable(req.payload());
        if (!reg) {
            log_->info("push: refused <enable/> from {}: {}", req.from().str(), reg.error().text);
            req.reply_error(reg.error());
            co_return;
        }
        reg->enabled_at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
        const std::string bare = req.from().bare_str();
        const std::string key = push::storage_key(reg->jid, reg->node);
        if (req.origin()) {
            req.origin()->ext<PushSessionState>().keys.insert(key);  // before any await
        }
        auto stored = co_await storage_->keyval().list(bare, kStore);
        if (!stored) {
            log_->error("push: reading the registrations of {} failed: {}", bare,
                        stored.error().message);
            req.reply_error(StanzaError(Condition::internal_server_error));
            co_return;
        }
        const bool replaces = std::any_of(stored->begin(), stored->end(),
                                          [&](const auto& kv) { return kv.first == key; });
        if (!replaces) {
            co_await evict_oldest(bare, *stored);
        }
        auto saved = co_await storage_->keyval().set(bare, kStore, key, push::encode(*reg));
        if (!saved) {
            log_->error("push: storing a registration of {} failed: {}", bare,
                        saved.error().message);
            req.reply_error(StanzaError(Condition::internal_server_error));
            co_return;
        }
        clear_errors(bare, key);
        log_->info("push: {} enabled notifications to {} node '{}'{}", req.from().str(), reg->jid,
                   reg->node, reg->options ? " with publish options" : "");
        req.reply();
    }

    // Keeps at most max_registrations_ - 1 so that one more fits.
    Awaitable<void> evict_oldest(const std::string& bare,
                                 std::vector<std::pair<std::string, std::string>>& stored) {
        while (stored.size() >= max_registrations_) {
            auto oldest = stored.begin();
            std::int64_t oldest_at = std::numeric_limits<std::int64_t>::max();
            for (auto it = stored.begin(); it != stored.end(); ++it) {
                auto r = push::decode(it->second);
                const std::int64_t at = r ? r->enabled_at_ms : std::numeric_limits<std::int64_t>::min();  // unreadable: first
                if (at < oldest_at) {
                    oldest_at = at;
                    oldest = it;
                }
            }
            log_->info("push: {} has {} registrations; removing the oldest ({})", bare,
                       stored.size(), oldest->first);
            auto removed = co_await storage_->keyval().remove(bare, kStore, oldest->first);
            if (!removed) {
                log_->error("push: removing a registration of {} failed: {}", bare,
                            removed.error().message);
            }
            stored.erase(oldest);
        }
    }

    // §6: without a node, every node of that service.
    Awaitable<void> disable(IqRequest& req) {
        if (!req.from_self()) {
            req.reply_error(StanzaError(Condition::forbidden));
            co_return;
        }
        auto what = push::parse_disable(req.payload());
        if (!what) {
            req.reply_error(what.error());
            co_return;
        }
        const std::string bare = req.from().bare_str();
        auto stored = co_await storage_->keyval().list(bare, kStore);
        if (!stored) {
            log_->error("push: reading the registrations of {} failed: {}", bare,
                        stored.error().message);
            req.reply_error(StanzaError(Condition::internal_server_error));
            co_return;
        }
        std::size_t count = 0;
        for (const auto& [key, value] : *stored) {
            auto r = push::decode(value);
            if (!r || r->jid != what->jid || (what->node && r->node != *what->node)) {
                continue;
            }
            auto removed = co_await storage_->keyval().remove(bare, kStore, key);
            if (!removed) {
                log_->error("push: removing a registration of {} failed: {}", bare,
                            removed.error().message);
                req.reply_error(StanzaError(Condition::internal_server_error));
                co_return;
            }
            clear_errors(bare, key);
            ++count;
        }
        log_->info("push: {} disabled {} registration(s) of {}", req.from().str(), count, what->jid);
        req.reply();
    }

    // (a) No available resource: the message is about to be stored offline
    // (XEP-0160 keeps normal and chat messages).
    Awaitable<Handled> on_offline(StanzaEvent& ev) {
        if ((ev.type == "" || ev.type == "normal" || ev.type == "chat") &&
            push::is_important(*ev.stanza)) {
            auto ex = co_await asio::this_coro::executor;
            spawn(ex, new NotifyJob{this, ev.to.bare_str(), ev.stanza, false, {}});
        }
        co_return Handled::no;
    }

    // (b) A hibernating session keeps the message (XEP-0198 §5).
    Awaitable<Handled> on_held(StanzaEvent& ev) {
        if (ev.holder && push::is_important(*ev.stanza)) {
            const auto& keys = ev.holder->ext<PushSessionState>().keys;
            if (!keys.empty()) {
                auto* job = new NotifyJob{this, ev.to.bare_str(), ev.stanza, true, keys};
                auto ex = co_await asio::this_coro::executor;
                spawn(ex, job);
            }
        }
        co_return Handled::no;
    }

    // Detached, so that neither delivery nor offline storage waits for the app server.
    void spawn(const asio::any_io_executor& ex, NotifyJob* job);

    // One more message waiting for the account; returns the new count.
    std::uint64_t bump_count(const std::string& bare) {
        std::lock_guard lock(mu_);
        return ++pending_[bare];
    }
    void forget_count(const std::string& bare) {
        std::lock_guard lock(mu_);
        pending_.erase(bare);
    }
    // Error answers in a row for one registration (§7.1); returns the new count.
    int count_error(const std::string& bare, const std::string& key) {
        std::lock_guard lock(mu_);
        return ++errors_[bare + '\n' + key];
    }
    void clear_errors(const std::string& bare, const std::string& key) {
        std::lock_guard lock(mu_);
        errors_.erase(bare + '\n' + key);
    }

    Awaitable<void> publish(const std::string& bare, const std::string& key,
                            const push::Registration& reg, const push::Summary& summary);

    push::Content content_;
    std::size_t max_registrations_ = 5;
    int max_errors_ = 1;
    std::chrono::milliseconds timeout_{10000};
    storage::Storage* storage_ = nullptr;
    Router* router_ = nullptr;
    std::shared_ptr<spdlog::logger> log_;
    std::mutex mu_;
    std::unordered_map<std::string, std::uint64_t> pending_;  // GUARDED_BY(mu_)
    std::unordered_map<std::string, int> errors_;             // GUARDED_BY(mu_)
};

void PushModule::spawn(const asio::any_io_executor& ex, NotifyJob* job) {
    asio::co_spawn(ex, notify(job), asio::detached);
}

Awaitable<void> PushModule::notify(NotifyJob* job_in) {
    const std::unique_ptr<NotifyJob> job(job_in);
    auto stored = co_await storage_->keyval().list(job->bare, kStore);
    if (!stored) {
        log_->error("push: reading the registrations of {} failed: {}", job->bare,
                    stored.error().message);
        co_return;
    }
    std::vector<std::pair<std::string, push::Registration>> targets;
    for (const auto& [key, value] : *stored) {
        if (job->only_keys && !job->keys.count(key)) {
            continue;
        }
        if (auto r = push::decode(value)) {
            targets.emplace_back(key, std::move(*r));
        } else {
            log_->error("push: a stored registration of {} cannot be read: {}", job->bare, value);
        }
    }
    if (targets.empty()) {
        co_return;
    }
    const auto summary = push::summarize(*job->message, bump_count(job->bare), content_);
    for (const auto& [key, reg] : targets) {
        co_await publish(job->bare, key, reg, summary);
    }
}

// §7: one publish to one push service, and what its answer means (§7.1).
Awaitable<void> PushModule::publish(const std::string& bare, const std::string& key,
                                    const push::Registration& reg, const push::Summary& summary) {
    auto iq = push::build_publish(bare, reg, summary);
    auto answer = co_await router_->request(iq, timeout_);
    if (!answer) {
        log_->info("push: {} did not answer a notification for {} within {} s", reg.jid, bare,
                   std::chrono::duration_cast<std::chrono::seconds>(timeout_).count());
        co_return;
    }
    if (answer->attr_or("type") == "result") {
        log_->debug("push: notified {} node '{}' for {} (count {})", reg.jid, reg.node, bare,
                    summary.message_count);
        clear_errors(bare, key);
        co_return;
    }
    if (!push::error_counts(*answer)) {
        log_->info("push: {} answered a notification for {} with a transient error: {}", reg.jid,
                   bare, xml::to_string(*answer));
        co_return;
    }
    const int errors = count_error(bare, key);
    if (errors < max_errors_) {
        log_->info("push: {} answered a notification for {} with an error ({} of {}): {}",
                   reg.jid, bare, errors, max_errors_, xml::to_string(*answer));
        co_return;
    }
    // §7.1: "the server SHOULD consider the particular JID and node combination to be disabled".
    clear_errors(bare, key);
    auto removed = co_await storage_->keyval().remove(bare, kStore, key);
    if (!removed) {
        log_->error("push: removing the registration {} of {} failed: {}", key, bare,
                    removed.error().message);
        co_return;
    }
    log_->info("push: disabled notifications of {} to {} node '{}' after an error answer: {}",
               bare, reg.jid, reg.node, xml::to_string(*answer));
}

}  // namespace

std::unique_ptr<Module> make_push_module() { return std::make_unique<PushModule>(); }

}  // namespace parley::mod
