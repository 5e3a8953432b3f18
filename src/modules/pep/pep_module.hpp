// PepModule: XEP-0163 Personal Eventing Protocol v1.2 over XEP-0060
// Publish-Subscribe v1.26 — a pubsub service at every account's bare JID.
// Private to modules/pep/; the class is split over
//   pep_module.cpp   start(), the pubsub iq handlers (publish, retract, items)
//   pep_owner.cpp    create and the pubsub#owner handlers (configure, delete, purge)
//   pep_notify.cpp   presence and caps tracking (XEP-0115 §6.2), event
//                    notifications filtered by +notify (XEP-0163 §4), the
//                    last published item on presence (XEP-0163 §6.2)
//   bookmarks.cpp    XEP-0402 §5 compatibility with XEP-0048/0049 (XEP-0411)
//
// Threads: handlers run on the thread of the session or task that raised the
// event. The module's own state is the contact-presence map (mu_) and the
// process-wide caps cache (its own mutex); everything else is immutable after
// start() or lives in storage.
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/module.hpp"
#include "xmpp/data_form.hpp"
#include "modules/pep/caps_cache.hpp"
#include "modules/pep/node_config.hpp"
#include "router/router.hpp"
#include "storage/stores.hpp"

namespace spdlog {
class logger;
}

namespace parley::mod::pep {

struct PepLimits {
    ConfigLimits config;               // max_items bound
    std::size_t max_item_size = 65536;  // bytes of one serialised payload
    std::size_t max_nodes = 100;        // nodes per account
    std::chrono::milliseconds caps_timeout{10000};
};

// A pubsub error: a defined condition with an optional XEP-0060 §12
// pubsub#errors child ("precondition-not-met", "nodeid-required"...).
xmpp::StanzaError pubsub_error(xmpp::Condition c, std::string_view app = {});

class PepModule final : public Module {
public:
    Result<void> start(ModuleContext& ctx) override;

private:
    // pep_module.cpp
    Awaitable<void> on_pubsub(IqRequest& req);
    Awaitable<void> on_owner(IqRequest& req);
    Awaitable<void> publish(IqRequest& req, const xml::Element& publish);
    Awaitable<void> retract(IqRequest& req, const xml::Element& retract);
    Awaitable<void> items(IqRequest& req, const xml::Element& items);
    Awaitable<void> create(IqRequest& req, const xml::Element& create);
    Awaitable<void> configure(IqRequest& req, const xml::Element& configure);
    Awaitable<void> remove(IqRequest& req, const xml::Element& del);
    Awaitable<void> purge(IqRequest& req, const xml::Element& purge);

public:
    // Stores an item of `owner`'s node (creating the node with `create_with`
    // when absent) and notifies. Shared by publish and the bookmarks mirror.
    // nullopt on success, else the error to answer.
    Awaitable<std::optional<xmpp::StanzaError>> store_item(const std::string& owner,
                                                           const std::string& node,
                                                           const NodeConfig& create_with,
                                                           const storage::PubSubItem& item);
    // The node's config, nullopt when absent; an error when storage failed.
    Awaitable<Result<std::optional<NodeConfig>, xmpp::StanzaError>> load_node(
        const std::string& owner, const std::string& node);
    // The config of a node that must exist: item-not-found when it does not.
    Awaitable<Result<NodeConfig, xmpp::StanzaError>> existing_node(const std::string& owner,
                                                                   const std::string& node);

    // pep_notify.cpp
    // May `requester` (a bare JID) read `owner`'s node? (XEP-0060 §4.5 access models)
    Awaitable<Result<bool>> may_access(const std::string& owner, const std::string& requester,
                                       const NodeConfig& cfg);
    // Sends `items` (<items node=...> in the #event namespace) to every
    // available resource and contact that wants `node` (+notify) and may see it.
    Awaitable<void> notify(const std::string& owner, const std::string& node,
                           const NodeConfig& cfg, const xml::ElementRef& event_items);
    Awaitable<Handled> on_presence_to_user(StanzaEvent& ev);
    Awaitable<Handled> on_own_presence(StanzaEvent& ev);

private:
    struct Watcher {  // a resource that receives notifications
        std::string full_jid;
        std::string ver;
    };
    // The owner's resources and present contacts with their caps ver.
    std::vector<Watcher> watchers(const std::string& owner, bool contacts) const;
    void resource_available(const boost::asio::any_io_executor& ex, const std::string& owner,
                            const std::string& full, const std::optional<CapsRef>& caps);
    struct CapsJob {
        PepModule* self;
        std::string owner;
        std::string full;
        CapsRef caps;
    };
    static Awaitable<void> query_caps(CapsJob* job);  // takes ownership
    Awaitable<void> send_last_items(const std::string& owner, const std::string& full,
                                    const CapsCache::Features& features, bool approved = false);
    Awaitable<void> subscription_approved(const std::string& owner, const std::string& contact);

    // avatar_hash.cpp
    // The account's XEP-0084 avatar id ("" for "no avatar"), nullopt when it
    // has published no avatar metadata; cached per account.
    Awaitable<std::optional<std::string>> avatar_hash(const std::string& owner);
    void forget_avatar(const std::string& owner);
    Awaitable<void> stamp_avatar(StanzaEvent& ev);

    // bookmarks.cpp
    Awaitable<void> mirror_to_legacy(const std::string& owner);
    Awaitable<Handled> on_client_iq(StanzaEvent& ev);

    Router* router_ = nullptr;
    storage::Storage* storage_ = nullptr;
    std::shared_ptr<spdlog::logger> log_;
    std::string host_;
    PepLimits limits_;
    CapsCache* caps_ = nullptr;
    bool bookmarks_compat_ = true;

    mutable std::mutex mu_;
    // owner bare JID -> contact full JID -> caps ver ("" unknown). GUARDED_BY(mu_)
    std::map<std::string, std::map<std::string, std::string>> present_;
    // caps ver being queried -> (owner, full JID) waiting for its answer. GUARDED_BY(mu_)
    std::map<std::string, std::vector<std::pair<std::string, std::string>>> waiting_;
    // account -> avatar id (XEP-0398), nullopt: none published. GUARDED_BY(mu_)
    std::map<std::string, std::optional<std::string>> avatars_;
};

// Builders shared by the files above.
// The pubsub#publish-options or pubsub#node_config form inside `parent`
// (<publish-options/>, <configure/>), nullopt when there is none; bad-request
// for a malformed form or another FORM_TYPE.
Result<std::optional<xmpp::form::Submitted>, xmpp::StanzaError> form_in(
    const xml::Element* parent, std::string_view form_type);
xml::ElementPtr pubsub_reply(std::string_view ns);
xml::ElementPtr event_message(const std::string& from, const std::string& to,
                              const xml::ElementRef& event_items);
std::string random_item_id();

}  // namespace parley::mod::pep
