// XEP-0163 v1.2 §4 filtered notifications: an event goes to the account's
// available resources and to its contacts with a presence subscription
// (from/both) that are online and whose entity capabilities (XEP-0115) list
// "<node>+notify", and only where the node's access model (XEP-0060 §4.5)
// lets them see it. §6.2 (XEP-0060 §12.12 send_last_published_item
// on_sub_and_presence): a resource that becomes available gets the last item
// of each node it wants. Caps: a 'ver' not yet known is asked for with
// disco#info from the account's bare JID to the resource (XEP-0115 §6.2),
// verified (§5.4) and cached for every host.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>

#include <memory>

#include <spdlog/spdlog.h>

#include "modules/pep/pep_module.hpp"
#include "xml/serializer.hpp"
#include "xml/stream_parser.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod::pep {

namespace {

namespace asio = boost::asio;

// Bound on the online contact resources remembered per account.
constexpr std::size_t kMaxPresentPerOwner = 2000;

bool subscribed_from(storage::Subscription s) {
    return s == storage::Subscription::from || s == storage::Subscription::both;
}

// XEP-0060 §4.5 for a requester other than the owner, given its roster item.
bool allowed_by(const NodeConfig& cfg, const std::optional<storage::RosterItem>& item) {
    switch (cfg.access_model) {
        case AccessModel::open:
            return true;
        case AccessModel::presence:
            return item && subscribed_from(item->subscription);
        case AccessModel::roster:
            if (!item) {
                return false;
            }
            for (const auto& g : item->groups) {
                for (const auto& allowed : cfg.roster_groups) {
                    if (g == allowed) {
                        return true;
                    }
                }
            }
            return false;
        case AccessModel::whitelist:
            return false;  // only the owner (no affiliations are kept)
    }
    return false;
}

std::string bare_of(const std::string& full) {
    auto j = xmpp::Jid::parse(full);
    return j ? j->bare_str() : full;
}

bool wants(const CapsCache::Features& features, const std::string& node) {
    return features && features->count(node + "+notify") > 0;
}

}  // namespace

Awaitable<Result<bool>> PepModule::may_access(const std::string& owner,
                                              const std::string& requester,
                                              const NodeConfig& cfg) {
    if (requester == owner || cfg.access_model == AccessModel::open) {
        co_return true;
    }
    if (cfg.access_model == AccessModel::whitelist) {
        co_return false;
    }
    auto item = co_await storage_->roster().item(owner, requester);
    if (!item) {
        co_return fail(item.error().message);
    }
    co_return allowed_by(cfg, *item);
}

std::vector<PepModule::Watcher> PepModule::watchers(const std::string& owner, bool contacts) const {
    std::vector<Watcher> out;
    if (!contacts) {
        for (const auto& r : router_->sessions().resources(owner)) {
            if (!r.available || !r.presence) {
                continue;
            }
            auto caps = caps_of(*r.presence);
            out.push_back({owner + "/" + r.resource, caps ? caps->ver : std::string()});
        }
        return out;
    }
    std::lock_guard lock(mu_);
    auto it = present_.find(owner);
    if (it != present_.end()) {
        for (const auto& [full, ver] : it->second) {
            out.push_back({full, ver});
        }
    }
    return out;
}

Awaitable<void> PepModule::notify(const std::string& owner, const std::string& node,
                                  const NodeConfig& cfg, const xml::ElementRef& event_items) {
    // The account's own resources.
    for (const auto& w : watchers(owner, false)) {
        if (wants(caps_->find(w.ver), node)) {
            xml::ElementRef message = event_message(owner, w.full_jid, event_items);
            co_await router_->route(message);
        }
    }
    if (cfg.access_model == AccessModel::whitelist) {
        co_return;
    }
    const auto contacts = watchers(owner, true);
    if (contacts.empty()) {
        co_return;
    }
    auto roster = co_await storage_->roster().get(owner);
    if (!roster) {
        log_->error("pep: roster of {} unreadable, {} notification not sent to contacts: {}",
                    owner, node, roster.error().message);
        co_return;
    }
    for (const auto& w : contacts) {
        if (!wants(caps_->find(w.ver), node)) {
            continue;
        }
        const std::string bare = bare_of(w.full_jid);
        std::optional<storage::RosterItem> item;
        for (const auto& i : roster->items) {
            if (i.jid == bare) {
                item = i;
                break;
            }
        }
        // XEP-0163 §4: only contacts subscribed to the account's presence.
        if (!item || !subscribed_from(item->subscription) || !allowed_by(cfg, item)) {
            continue;
        }
        xml::ElementRef message = event_message(owner, w.full_jid, event_items);
        co_await router_->route(message);
    }
}

// Presence from a contact to the account: who is online, with which caps.
Awaitable<Handled> PepModule::on_presence_to_user(StanzaEvent& ev) {
    if (ev.from.is_bare() || ev.from.bare_str() == ev.to.bare_str()) {
        co_return Handled::no;
    }
    const std::string owner = ev.to.bare_str();
    const std::string full = ev.from.str();
    if (ev.type == "unavailable" || ev.type == "error") {
        std::lock_guard lock(mu_);
        auto it = present_.find(owner);
        if (it != present_.end()) {
            it->second.erase(full);
            if (it->second.empty()) {
                present_.erase(it);
            }
        }
        co_return Handled::no;
    }
    if (!ev.type.empty()) {
        co_return Handled::no;  // subscriptions, probes
    }
    const std::string contact = ev.from.bare_str();
    auto item = co_await storage_->roster().item(owner, contact);
    if (!item) {
        log_->error("pep: roster look-up for {} failed: {}", owner, item.error().message);
        co_return Handled::no;
    }
    if (!*item) {
        // Not in the roster: not remembered (the map stays bounded by the
        // roster). The subscription itself is checked when sending (XEP-0163
        // §4): a contact's presence often arrives before its subscription is
        // complete (RFC 6121 §3.1.5 sends it as soon as it approves ours).
        co_return Handled::no;
    }
    const auto caps = caps_of(*ev.stanza);
    const std::string ver = caps ? caps->ver : std::string();
    bool changed = false;
    {
        std::lock_guard lock(mu_);
        auto& resources = present_[owner];
        auto it = resources.find(full);
        if (it == resources.end()) {
            if (resources.size() < kMaxPresentPerOwner) {
                resources.emplace(full, ver);
                changed = true;
            }
        } else if (it->second != ver) {
            it->second = ver;
            changed = true;
        }
    }
    if (changed) {
        auto ex = co_await asio::this_coro::executor;
        resource_available(ex, owner, full, caps);
    }
    co_return Handled::no;
}

// Available presence of one of the account's own resources (no 'to').
Awaitable<Handled> PepModule::on_own_presence(StanzaEvent& ev) {
    if (ev.origin != nullptr && ev.type == "subscribed" && ev.stanza->attr("to")) {
        co_await subscription_approved(ev.from.bare_str(), ev.to.bare_str());
        co_return Handled::no;
    }
    if (ev.origin == nullptr || !ev.type.empty() || ev.stanza->attr("to")) {
        co_return Handled::no;
    }
    co_await stamp_avatar(ev);  // XEP-0398 (avatar_hash.cpp)
    const xmpp::Jid& full = ev.origin->jid();
    auto entry = router_->sessions().find(full);
    const auto caps = caps_of(*ev.stanza);
    std::optional<CapsRef> before;
    if (entry && entry->available && entry->presence) {
        before = caps_of(*entry->presence);
    }
    const bool initial = entry && !entry->available;
    const bool caps_changed = (before ? before->ver : "") != (caps ? caps->ver : "");
    if (initial || caps_changed) {
        auto ex = co_await asio::this_coro::executor;
        resource_available(ex, full.bare_str(), full.str(), caps);
    }
    co_return Handled::no;
}

// The account approves `contact`'s subscription (RFC 6121 §3.1.4): the
// contact's resources we know of get the last items they want now (XEP-0163
// §6.2, XEP-0060 §12.12 on_sub), before the roster says "from" — this hook
// runs ahead of the presence module.
Awaitable<void> PepModule::subscription_approved(const std::string& owner,
                                                 const std::string& contact) {
    std::vector<Watcher> targets;
    for (auto& w : watchers(owner, true)) {
        if (bare_of(w.full_jid) == contact) {
            targets.push_back(std::move(w));
        }
    }
    for (const auto& w : targets) {
        auto features = caps_->find(w.ver);
        if (features) {
            co_await send_last_items(owner, w.full_jid, features, true);
        }
    }
}

// Starts sending `full` the last items it wants (after a caps query if needed).
void PepModule::resource_available(const boost::asio::any_io_executor& ex,
                                   const std::string& owner, const std::string& full,
                                   const std::optional<CapsRef>& caps) {
    if (!caps) {
        return;  // no caps, no +notify: nothing is wanted (XEP-0163 §4)
    }
    {
        // Under mu_, so that a query finishing now either is seen in the
        // cache or finds this resource among its waiters (query_caps).
        std::lock_guard lock(mu_);
        if (!caps_->find(caps->ver) && !caps_->start_query(caps->ver)) {
            auto& waiting = waiting_[caps->ver];
            if (waiting.size() < kMaxPresentPerOwner) {
                waiting.emplace_back(owner, full);  // another resource's query is in flight
            }
            return;
        }
    }
    // A task of its own: the presence that brought the caps goes on meanwhile.
    // The job is handed over as a raw pointer (trivially destructible) and
    // owned by the coroutine from its first line: g++ 12 may destroy by-value
    // coroutine parameters that own memory twice.
    asio::co_spawn(ex, query_caps(new CapsJob{this, owner, full, *caps}), asio::detached);
}

Awaitable<void> PepModule::query_caps(CapsJob* job_in) {
    const std::unique_ptr<CapsJob> job(job_in);
    PepModule* self = job->self;
    const std::string& owner = job->owner;
    const std::string& full = job->full;
    const CapsRef& caps = job->caps;
    auto features = self->caps_->find(caps.ver);
    if (!features) {
        // XEP-0115 §6.2: disco#info to the resource, on the node "node#ver".
        auto iq = xml::Element::make("iq", std::string(ns::client));
        iq->set_attr("type", "get");
        iq->set_attr("from", owner);
        iq->set_attr("to", full);
        iq->add("query", std::string(ns::disco_info)).set_attr("node", caps.node + "#" + caps.ver);
        auto answer = co_await self->router_->request(iq, self->limits_.caps_timeout);
        const xml::Element* q =
            answer && answer->attr_or("type") == "result" ? answer->child("query", ns::disco_info)
                                                          : nullptr;
        const std::string computed = q ? sha1_ver_of_info(*q) : std::string();
        if (q && caps.hash == "sha-1" && computed == caps.ver) {
            self->caps_->insert(caps.ver, features_of_info(*q));  // §5.4 3.7-3.8: verified
            features = self->caps_->find(caps.ver);
        } else {
            self->log_->debug("pep: caps {} ({}) of {} not verified: {}", caps.ver, caps.hash, full,
                              !answer ? std::string("no answer")
                              : !q    ? "answer: " + xml::to_string(*answer)
                                      : "the answer hashes to " + computed + ": " + xml::to_string(*q));
        }
        self->caps_->end_query(caps.ver);
    }
    std::vector<std::pair<std::string, std::string>> targets{{owner, full}};
    {
        std::lock_guard lock(self->mu_);
        auto it = self->waiting_.find(caps.ver);
        if (it != self->waiting_.end()) {
            targets.insert(targets.end(), it->second.begin(), it->second.end());
            self->waiting_.erase(it);
        }
    }
    if (!features) {
        co_return;
    }
    for (const auto& [o, f] : targets) {
        co_await self->send_last_items(o, f, features);
    }
}

// XEP-0163 §6.2: the last item of every node the resource wants and may see.
Awaitable<void> PepModule::send_last_items(const std::string& owner, const std::string& full,
                                           const CapsCache::Features& features, bool approved) {
    auto nodes = co_await storage_->pubsub().nodes(owner);
    if (!nodes) {
        log_->error("pep: nodes of {} unreadable: {}", owner, nodes.error().message);
        co_return;
    }
    const std::string bare = bare_of(full);
    std::optional<storage::RosterItem> item;
    if (bare != owner) {
        auto found = co_await storage_->roster().item(owner, bare);
        if (!found) {
            co_return;
        }
        item = *found;
        if (approved) {  // the subscription being approved counts already
            if (!item) {
                item = storage::RosterItem{};
                item->jid = bare;
            }
            item->subscription = item->subscription == storage::Subscription::to ||
                                         item->subscription == storage::Subscription::both
                                     ? storage::Subscription::both
                                     : storage::Subscription::from;
        }
    }
    for (const auto& n : *nodes) {
        if (!wants(features, n.node)) {
            continue;
        }
        const NodeConfig cfg = deserialize(n.config);
        if (cfg.send_last == SendLast::never || !cfg.deliver_notifications) {
            continue;
        }
        if (bare != owner && !allowed_by(cfg, item)) {
            continue;
        }
        const std::vector<std::string> newest;  // no ids: the newest (max 1)
        auto last = co_await storage_->pubsub().items(owner, n.node, newest, 1);
        if (!last || last->empty()) {
            continue;
        }
        auto items = xml::Element::make("items", std::string(ns::pubsub_event));
        items->set_attr("node", n.node);
        auto& it = items->add("item", std::string(ns::pubsub_event));
        it.set_attr("id", last->front().id);
        if (cfg.deliver_payloads) {
            it.add_child(xml::parse_element(last->front().payload));
        }
        xml::ElementRef event = std::move(items);
        xml::ElementRef message = event_message(owner, full, event);
        co_await router_->route(message);
    }
}

}  // namespace parley::mod::pep
