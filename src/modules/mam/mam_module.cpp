// XEP-0313 Message Archive Management v0.8.0 for user archives:
//   §3.5 <stanza-id/> on archived incoming messages, and inside sent carbons;
//   §4.1 queries by with/start/end, and before-id/after-id/ids with §4.1.5 the
//        form of fields (urn:xmpp:mam:2#extended, §7);
//   §4.2/§4.3 results, XEP-0059 RSM paging (after, before, empty before = last
//        page), <fin complete='true'/>, §4.3.4 flipped pages; §5 metadata;
//   §6.1.1 what is archived: chat and normal messages with a body, in both
//        directions, once per archive (mam/archiving.hpp);
//   §8.1 only the owner queries an archive (forbidden otherwise).
// XEP-0441 v0.2.0 preferences (default always/never/roster, always/never
// lists), XEP-0359 v0.7.0 §5 (a stanza-id claiming our archive is replaced),
// XEP-0334 v0.3.0 §4 (no-store, no-permanent-store, store hints).
//
// The archive band (docs/ARCHITECTURE.md): incoming messages are archived and
// stamped at Priority::archive + 10, before carbons (Priority::archive) copy
// them, so the copies carry the stanza-id. An outgoing message is stamped the
// same way for its sent carbons and the stamp is removed again at
// Priority::archive + (-10), before routing: the contact must not see the
// sender's archive id (§3.5).
//
// Config ([modules.mam]):
//   default_policy (string, default "always") — archiving of contacts in
//     neither list when the user set no preferences: always, never or roster;
//   max_page_size (int, default 250) — the most results one query returns;
//   max_age_days (int, default 0 = keep forever) — older messages are deleted
//     (checked at most hourly, when messages are archived).
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>

#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <chrono>
#include <mutex>
#include <unordered_map>

#include "core/module.hpp"
#include "modules/archive/archiving.hpp"
#include "modules/mam/mam_prefs.hpp"
#include "modules/archive/mam_query.hpp"
#include "router/router.hpp"
#include "storage/stores.hpp"
#include "xml/serializer.hpp"
#include "xml/stream_parser.hpp"
#include "xmpp/datetime.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod {

namespace {

namespace asio = boost::asio;
using mam::Prefs;
using xmpp::Condition;
using xmpp::StanzaError;

constexpr std::string_view kPrefsStore = "mam";
constexpr std::string_view kPrefsKey = "prefs";
constexpr std::int64_t kPurgeEverySeconds = 3600;

std::int64_t now_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Preferences by user, so that archiving a message costs no storage read.
// Sharded by user: the lock is held for one hash look-up, and a shard is
// emptied when it grows past its share of the bound.
class PrefsCache {
public:
    std::shared_ptr<const Prefs> get(const std::string& user) {
        auto& s = shard(user);
        std::lock_guard lock(s.mu);
        auto it = s.map.find(user);
        return it == s.map.end() ? nullptr : it->second;
    }
    void put(const std::string& user, std::shared_ptr<const Prefs> prefs) {
        auto& s = shard(user);
        std::lock_guard lock(s.mu);
        if (s.map.size() >= kPerShard) {
            s.map.clear();
        }
        s.map[user] = std::move(prefs);
    }
    void erase(const std::string& user) {
        auto& s = shard(user);
        std::lock_guard lock(s.mu);
        s.map.erase(user);
    }

private:
    static constexpr std::size_t kShards = 16;
    static constexpr std::size_t kPerShard = 10000 / kShards;
    struct Shard {
        std::mutex mu;
        std::unordered_map<std::string, std::shared_ptr<const Prefs>> map;  // GUARDED_BY(mu)
    };
    Shard& shard(const std::string& user) {
        return shards_[std::hash<std::string>()(user) % kShards];
    }
    std::array<Shard, kShards> shards_;
};

// Replaces the event's stanza (ev.type points into the stanza: re-point it).
void replace(StanzaEvent& ev, xml::ElementRef stanza) {
    if (stanza != ev.stanza) {
        ev.stanza = std::move(stanza);
        ev.type = ev.stanza->attr_or("type");
    }
}

class MamModule final : public Module {
public:
    Result<void> start(ModuleContext& ctx) override {
        auto policy = mam::parse_policy(ctx.config().get_string("default_policy", "always"));
        if (!policy) {
            return fail("[modules.mam] default_policy must be always, never or roster");
        }
        default_prefs_ = std::make_shared<const Prefs>(Prefs{*policy, {}, {}});
        const auto max_page = ctx.config().get_int("max_page_size", 250);
        if (max_page < 1) {
            return fail("[modules.mam] max_page_size must be at least 1");
        }
        limits_.max_page = static_cast<std::size_t>(max_page);
        limits_.default_page = std::min<std::size_t>(50, limits_.max_page);
        const auto days = ctx.config().get_int("max_age_days", 0);
        if (days < 0) {
            return fail("[modules.mam] max_age_days must be 0 (keep forever) or more");
        }
        max_age_us_ = days * 86400LL * 1'000'000LL;
        storage_ = &ctx.storage();
        router_ = &ctx.router();
        log_ = std::make_shared<spdlog::logger>(ctx.log());

        // §7: on the archive's JID, the user's bare JID; XEP-0359 §4.
        ctx.add_account_feature(std::string(ns::mam));
        ctx.add_account_feature(std::string(ns::mam_extended));
        ctx.add_account_feature(std::string(ns::sid));
        ctx.on_iq(IqType::set, IqScope::account, ns::mam, "query",
                  [this](IqRequest& req) { return on_query(req); });
        ctx.on_iq(IqType::get, IqScope::account, ns::mam, "query",
                  [this](IqRequest& req) { return on_form(req); });
        ctx.on_iq(IqType::get, IqScope::account, ns::mam, "metadata",
                  [this](IqRequest& req) { return on_metadata(req); });
        ctx.on_iq(IqType::get, IqScope::account, ns::mam, "prefs",
                  [this](IqRequest& req) { return on_prefs(req); });
        ctx.on_iq(IqType::set, IqScope::account, ns::mam, "prefs",
                  [this](IqRequest& req) { return on_prefs(req); });

        ctx.hook(StanzaHook::message_from_client, Priority::archive + 10,
                 [this](StanzaEvent& ev) { return outgoing(ev); });
        ctx.hook(StanzaHook::message_from_client, Priority::archive + (-10),
                 [](StanzaEvent& ev) -> Awaitable<Handled> {
                     replace(ev, mam::without_stanza_id(ev.stanza, ev.from.bare_view()));
                     co_return Handled::no;
                 });
        for (auto hook : {StanzaHook::message_to_bare, StanzaHook::message_to_full}) {
            ctx.hook(hook, Priority::archive + 10, [this](StanzaEvent& ev) { return incoming(ev); });
        }
        ctx.on_user_removed([this](const std::string& bare) { return forget(bare); });
        return {};
    }

private:
    // --- archiving -----------------------------------------------------------

    Awaitable<Handled> incoming(StanzaEvent& ev) {
        const std::string owner = ev.to.bare_str();
        replace(ev, mam::without_stanza_id(ev.stanza, owner));  // XEP-0359 §5
        if (!mam::archivable(*ev.stanza)) {
            co_return Handled::no;
        }
        // This hook runs before the router checks that the account exists.
        const bool exists = co_await account_exists(owner);
        if (!exists) {
            co_return Handled::no;
        }
        auto id = co_await archive(owner, ev.from, /*outgoing=*/false, ev.stanza);
        if (id) {
            replace(ev, mam::with_stanza_id(ev.stanza, owner, *id));
        }
        co_return Handled::no;
    }

    Awaitable<Handled> outgoing(StanzaEvent& ev) {
        const std::string owner = ev.from.bare_str();
        replace(ev, mam::without_stanza_id(ev.stanza, owner));
        // A message to oneself is archived once, by incoming() (§6.1.1).
        if (ev.to.bare_view() == owner || !mam::archivable(*ev.stanza)) {
            co_return Handled::no;
        }
        auto id = co_await archive(owner, ev.to, /*outgoing=*/true, ev.stanza);
        if (id) {
            // For the sent carbons only: removed before routing (see the top).
            replace(ev, mam::with_stanza_id(ev.stanza, owner, *id));
        }
        co_return Handled::no;
    }

    // Stores `message` in `owner`'s archive if the preferences want it;
    // returns its archive id. A storage failure is logged and the message
    // is delivered unarchived.
    Awaitable<std::optional<std::string>> archive(const std::string& owner,
                                                  const xmpp::Jid& contact, bool outgoing,
                                                  const xml::ElementRef& message) {
        const bool wanted = co_await wants(owner, contact);
        if (!wanted) {
            co_return std::nullopt;
        }
        storage::ArchiveEntry e;
        e.id = mam::new_archive_id();
        e.timestamp_us = now_us();
        e.with = contact.bare_str();
        e.with_resource = std::string(contact.resource());
        e.outgoing = outgoing;
        e.stanza = xml::to_string(*message);
        // Write-behind: the message leaves with its archive id while the
        // storage thread writes it; any later query of the archive sees it.
        // Only a full queue makes the message wait for the storage.
        auto failed = [log = log_, owner](const std::string& reason) {
            log->error("mam: archiving a message of {} failed: {}", owner, reason);
        };
        if (!storage_->archive().append_soon(owner, e, std::move(failed))) {
            auto stored = co_await storage_->archive().append(owner, e);
            if (!stored) {
                log_->error("mam: archiving a message of {} failed: {}", owner,
                            stored.error().message);
                co_return std::nullopt;
            }
        }
        if (purge_due(e.timestamp_us)) {
            auto ex = co_await asio::this_coro::executor;
            asio::co_spawn(ex, purge(e.timestamp_us - max_age_us_), asio::detached);
        }
        co_return e.id;
    }

    Awaitable<bool> account_exists(const std::string& bare) {
        if (!router_->sessions().resources(bare).empty()) {
            co_return true;
        }
        auto r = co_await storage_->accounts().exists(bare);
        co_return r && *r;
    }

    // XEP-0441 §2.2 for one contact of `owner`.
    Awaitable<bool> wants(const std::string& owner, const xmpp::Jid& contact) {
        auto prefs = co_await load_prefs(owner);
        switch (mam::decide(*prefs, contact)) {
            case mam::Decision::archive:
                co_return true;
            case mam::Decision::skip:
                co_return false;
            case mam::Decision::ask_roster:
                break;
        }
        const std::string bare = contact.bare_str();  // a named value, not a temporary in co_await
        auto item = co_await storage_->roster().item(owner, bare);
        co_return item && item->has_value();
    }

    // --- retention (§3.2: the oldest go first, no holes) -------------------

    bool purge_due(std::int64_t now) {
        if (max_age_us_ == 0) {
            return false;
        }
        const std::int64_t now_s = now / 1'000'000;
        std::int64_t last = last_purge_s_.load();
        return now_s - last >= kPurgeEverySeconds &&
               last_purge_s_.compare_exchange_strong(last, now_s);
    }

    Awaitable<void> purge(std::int64_t cutoff_us) {
        auto n = co_await storage_->archive().purge_before(cutoff_us);
        if (!n) {
            log_->error("mam: deleting expired messages failed: {}", n.error().message);
        } else if (*n > 0) {
            log_->info("mam: deleted {} messages older than {}", *n,
                       xmpp::datetime::format_utc_micros(cutoff_us));
        }
    }

    Awaitable<void> forget(const std::string& bare) {
        prefs_.erase(bare);
        auto n = co_await storage_->archive().remove_all(bare);
        if (!n) {
            log_->error("mam: deleting the archive of {} failed: {}", bare, n.error().message);
        }
    }

    // --- queries -----------------------------------------------------------

    // §8.1: a user archive is the user's alone.
    static bool owner_asks(IqRequest& req) {
        if (!req.from_self()) {
            req.reply_error(StanzaError(Condition::forbidden, "not your archive"));
            return false;
        }
        return true;
    }

    Awaitable<void> on_query(IqRequest& req) {
        if (!owner_asks(req)) {
            co_return;
        }
        auto parsed = mam::parse_query(req.payload(), limits_);
        if (!parsed) {
            req.reply_error(parsed.error());
            co_return;
        }
        // Results go straight to the asking session, on its thread (we are on
        // it: the iq came from it), so they are written before the iq result.
        SessionPtr session =
            req.origin() != nullptr ? req.origin()->weak_from_this().lock() : nullptr;
        const std::string owner = req.to().bare_str();
        const std::string to = req.from().str();
        std::string problem;
        auto answer = co_await mam::answer(storage_->archive(), owner, *parsed, to, problem);
        if (!problem.empty()) {
            log_->error("mam: {}", problem);
        }
        if (!answer) {
            req.reply_error(answer.error());
            co_return;
        }
        for (auto& result : answer->results) {
            if (session) {
                session->deliver(result);
            } else {
                router_->send(std::move(result));
            }
        }
        req.reply(std::move(answer->fin));
    }

    Awaitable<void> on_form(IqRequest& req) {
        if (owner_asks(req)) {
            req.reply(mam::query_form());
        }
        co_return;
    }

    Awaitable<void> on_metadata(IqRequest& req) {
        if (!owner_asks(req)) {
            co_return;
        }
        const std::string owner = req.to().bare_str();
        auto ends = co_await storage_->archive().ends(owner);
        if (!ends) {
            req.reply_error(StanzaError(Condition::internal_server_error));
            co_return;
        }
        req.reply(mam::metadata(*ends));
    }

    // --- preferences (XEP-0441) --------------------------------------------

    Awaitable<std::shared_ptr<const Prefs>> load_prefs(const std::string& owner) {
        if (auto cached = prefs_.get(owner)) {
            co_return cached;
        }
        const std::string store(kPrefsStore), key(kPrefsKey);
        auto stored = co_await storage_->keyval().get(owner, store, key);
        if (!stored) {
            log_->error("mam: reading the preferences of {} failed: {}", owner,
                        stored.error().message);
            co_return default_prefs_;  // not cached: the next message tries again
        }
        std::shared_ptr<const Prefs> prefs = default_prefs_;
        if (stored->has_value()) {
            auto el = xml::parse_element(**stored);
            auto parsed = el ? std::optional(mam::parse_prefs(*el)) : std::nullopt;
            if (parsed && *parsed) {
                prefs = std::make_shared<const Prefs>(std::move(**parsed));
            } else {
                log_->error("mam: stored preferences of {} are unreadable; using the default",
                            owner);
            }
        }
        prefs_.put(owner, prefs);
        co_return prefs;
    }

    Awaitable<void> on_prefs(IqRequest& req) {
        if (!owner_asks(req)) {
            co_return;
        }
        const std::string owner = req.to().bare_str();
        if (req.type() == IqType::get) {
            auto prefs = co_await load_prefs(owner);
            req.reply(mam::build_prefs(*prefs));
            co_return;
        }
        auto parsed = mam::parse_prefs(req.payload());
        if (!parsed) {
            req.reply_error(parsed.error());
            co_return;
        }
        auto el = mam::build_prefs(*parsed);
        const std::string store(kPrefsStore), key(kPrefsKey), text = xml::to_string(*el);
        auto stored = co_await storage_->keyval().set(owner, store, key, text);
        if (!stored) {
            log_->error("mam: storing the preferences of {} failed: {}", owner,
                        stored.error().message);
            req.reply_error(StanzaError(Condition::internal_server_error));
            co_return;
        }
        prefs_.put(owner, std::make_shared<const Prefs>(std::move(*parsed)));
        req.reply(std::move(el));
    }

    storage::Storage* storage_ = nullptr;
    Router* router_ = nullptr;
    std::shared_ptr<spdlog::logger> log_;
    std::shared_ptr<const Prefs> default_prefs_;
    mam::Limits limits_;
    std::int64_t max_age_us_ = 0;
    std::atomic<std::int64_t> last_purge_s_{0};
    PrefsCache prefs_;
};

}  // namespace

std::unique_ptr<Module> make_mam_module() { return std::make_unique<MamModule>(); }

}  // namespace parley::mod
