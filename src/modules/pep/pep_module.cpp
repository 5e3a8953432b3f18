// XEP-0163 Personal Eventing Protocol v1.2: §3 every account is a pubsub
// service at its bare JID, only the account publishes, nodes are created on
// first publish ("auto-create"). XEP-0060 Publish-Subscribe v1.26 as PEP
// needs it: §6.5 retrieve items (max_items §6.5.7, item ids §6.5.8, access
// §6.5.9), §7.1 publish (§7.1.5 publish-options preconditions), §7.2 retract,
// §8.1 create, §8.2 configure, §8.4 delete, §8.5 purge, §12 error conditions.
// Subscriptions (§6.1) are implicit in PEP (presence + caps, pep_notify.cpp)
// and answered with feature-not-implemented.
#include "modules/pep/pep_module.hpp"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <array>
#include <charconv>

#include "xml/serializer.hpp"
#include "xml/stream_parser.hpp"
#include "xmpp/data_form.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod::pep {

using xmpp::Condition;
using xmpp::StanzaError;

StanzaError pubsub_error(Condition c, std::string_view app) {
    StanzaError err(c);
    if (!app.empty()) {
        err.app_specific = xml::Element::make(std::string(app), std::string(ns::pubsub_errors));
    }
    return err;
}

std::string random_item_id() {
    std::array<unsigned char, 8> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
        throw std::runtime_error("RAND_bytes failed: no item id can be made");
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string id;
    for (unsigned char b : bytes) {
        id.push_back(kHex[b >> 4]);
        id.push_back(kHex[b & 15]);
    }
    return id;
}

xml::ElementPtr event_message(const std::string& from, const std::string& to,
                              const xml::ElementRef& event_items) {
    // XEP-0060 §7.1.2.1: a headline message carrying <event/>.
    auto m = xml::Element::make("message", std::string(ns::client));
    m->set_attr("from", from);
    m->set_attr("to", to);
    m->set_attr("type", "headline");
    m->set_attr("id", random_item_id());
    m->add("event", std::string(ns::pubsub_event))
        .add_child(std::const_pointer_cast<xml::Element>(event_items));
    return m;
}

// The pubsub#publish-options or pubsub#node_config form inside `parent`
// (<publish-options/>, <configure/>), nullopt when there is none.
Result<std::optional<xmpp::form::Submitted>, StanzaError> form_in(const xml::Element* parent,
                                                                  std::string_view form_type) {
    if (!parent) {
        return std::optional<xmpp::form::Submitted>();
    }
    const xml::Element* x = parent->child("x", ns::data_forms);
    if (!x) {
        return std::optional<xmpp::form::Submitted>();
    }
    auto form = xmpp::form::parse(*x);
    if (!form) {
        return fail(form.error());
    }
    const auto* type = form->find("FORM_TYPE");
    if (type && (type->size() != 1 || type->front() != form_type)) {
        return fail(StanzaError(Condition::bad_request, "unexpected FORM_TYPE"));
    }
    return std::optional<xmpp::form::Submitted>(std::move(*form));
}

xml::ElementPtr pubsub_reply(std::string_view ns) {
    return xml::Element::make("pubsub", std::string(ns));
}

namespace {

// §6.5.9 (and §7.1.3.1 for writes): why a requester is refused, by access model.
StanzaError access_error(AccessModel m) {
    switch (m) {
        case AccessModel::presence:
        {
            auto e = pubsub_error(Condition::not_authorized, "presence-subscription-required");
            e.type = xmpp::ErrorType::auth;
            return e;
        }
        case AccessModel::roster:
        {
            auto e = pubsub_error(Condition::not_authorized, "not-in-roster-group");
            e.type = xmpp::ErrorType::auth;
            return e;
        }
        case AccessModel::whitelist:
            return pubsub_error(Condition::not_allowed, "closed-node");
        case AccessModel::open:
            break;
    }
    return StanzaError(Condition::forbidden);
}

bool is_true(std::string_view v) { return v == "true" || v == "1"; }

}  // namespace

Result<void> PepModule::start(ModuleContext& ctx) {
    router_ = &ctx.router();
    storage_ = &ctx.storage();
    log_ = std::make_shared<spdlog::logger>(ctx.log());
    host_ = ctx.host();
    const auto& cfg = ctx.config();
    const auto max_items = cfg.get_int("max_items", 1000);
    const auto max_item_size = cfg.get_int("max_item_size", 65536);
    const auto max_nodes = cfg.get_int("max_nodes", 100);
    const auto caps_cache_size = cfg.get_int("caps_cache_size", 10000);
    if (max_items < 1 || max_item_size < 256 || max_nodes < 1 || caps_cache_size < 1) {
        return fail(std::string("modules.pep: max_items, max_nodes and caps_cache_size must be "
                                "positive, max_item_size at least 256"));
    }
    limits_.config.max_items = static_cast<std::size_t>(max_items);
    limits_.max_item_size = static_cast<std::size_t>(max_item_size);
    limits_.max_nodes = static_cast<std::size_t>(max_nodes);
    bookmarks_compat_ = cfg.get_bool("bookmarks_compat", true);
    caps_ = &shared_caps_cache(static_cast<std::size_t>(caps_cache_size));

    // XEP-0163 §1/§9: the account is a pubsub service of type pep; XEP-0060
    // §10 lists the features of what is implemented here, nothing more.
    ctx.add_account_identity({"pubsub", "pep", ""});
    for (const char* f :
         {"access-open", "access-presence", "access-roster", "access-whitelist", "auto-create",
          "auto-subscribe", "config-node", "create-and-configure", "create-nodes",
          "delete-items", "delete-nodes", "filtered-notifications", "item-ids",
          "last-published", "persistent-items", "presence-notifications", "publish",
          "publish-options", "purge-nodes", "retract-items", "retrieve-items"}) {
        ctx.add_account_feature(std::string(ns::pubsub) + "#" + f);
    }
    ctx.add_account_feature(std::string(ns::pubsub));
    if (bookmarks_compat_) {
        ctx.add_account_feature(std::string(ns::bookmarks_compat));  // XEP-0402 §5
        ctx.hook(StanzaHook::iq_from_client, Priority::archive,
                 [this](StanzaEvent& ev) { return on_client_iq(ev); });
    }
    ctx.on_iq(IqType::get, IqScope::account, ns::pubsub, "pubsub",
              [this](IqRequest& req) { return on_pubsub(req); });
    ctx.on_iq(IqType::set, IqScope::account, ns::pubsub, "pubsub",
              [this](IqRequest& req) { return on_pubsub(req); });
    ctx.on_iq(IqType::get, IqScope::account, ns::pubsub_owner, "pubsub",
              [this](IqRequest& req) { return on_owner(req); });
    ctx.on_iq(IqType::set, IqScope::account, ns::pubsub_owner, "pubsub",
              [this](IqRequest& req) { return on_owner(req); });
    // The nodes go with the account (AccountStore::remove); what is in memory here too.
    ctx.on_user_removed([this](const std::string& bare) -> Awaitable<void> {
        std::lock_guard lock(mu_);
        present_.erase(bare);
        avatars_.erase(bare);
        co_return;
    });
    // Presence tells who is online and what they want (XEP-0163 §4, XEP-0115 §6.2).
    ctx.hook(StanzaHook::presence_to_bare, Priority::archive,
             [this](StanzaEvent& ev) { return on_presence_to_user(ev); });
    ctx.hook(StanzaHook::presence_from_client, Priority::deliver + 10,
             [this](StanzaEvent& ev) { return on_own_presence(ev); });
    return {};
}

Awaitable<void> PepModule::on_pubsub(IqRequest& req) {
    const xml::Element* op = req.payload().first_child();
    const bool set = req.type() == IqType::set;
    if (!op || op->ns() != ns::pubsub) {
        req.reply_error(StanzaError(Condition::bad_request));
        co_return;
    }
    if (set && op->name() == "publish") {
        co_await publish(req, *op);
    } else if (set && op->name() == "retract") {
        co_await retract(req, *op);
    } else if (set && op->name() == "create") {
        co_await create(req, *op);
    } else if (!set && op->name() == "items") {
        co_await items(req, *op);
    } else {
        // §6.1-§6.4 subscriptions, §5.6/§5.7 affiliations...: PEP subscribes by presence.
        auto err = pubsub_error(Condition::feature_not_implemented, "unsupported");
        err.app_specific->set_attr("feature", op->name() == "subscribe" ? "subscribe" : op->name());
        req.reply_error(std::move(err));
    }
}

Awaitable<void> PepModule::on_owner(IqRequest& req) {
    const xml::Element* op = req.payload().first_child();
    if (!req.from_self()) {
        req.reply_error(pubsub_error(Condition::forbidden));  // §8: owners only
        co_return;
    }
    if (!op || op->ns() != ns::pubsub_owner) {
        req.reply_error(StanzaError(Condition::bad_request));
        co_return;
    }
    const bool set = req.type() == IqType::set;
    if (op->name() == "configure") {
        co_await configure(req, *op);
    } else if (set && op->name() == "delete") {
        co_await remove(req, *op);
    } else if (set && op->name() == "purge") {
        co_await purge(req, *op);
    } else {
        auto err = pubsub_error(Condition::feature_not_implemented, "unsupported");
        err.app_specific->set_attr("feature", op->name());
        req.reply_error(std::move(err));
    }
}

Awaitable<Result<std::optional<NodeConfig>, StanzaError>> PepModule::load_node(
    const std::string& owner, const std::string& node) {
    auto stored = co_await storage_->pubsub().node(owner, node);
    if (!stored) {
        log_->error("pep: reading node {} of {} failed: {}", node, owner, stored.error().message);
        co_return fail(StanzaError(Condition::internal_server_error));
    }
    if (!stored->has_value()) {
        co_return std::optional<NodeConfig>();
    }
    co_return std::optional<NodeConfig>(deserialize(**stored));
}

Awaitable<Result<NodeConfig, StanzaError>> PepModule::existing_node(const std::string& owner,
                                                                   const std::string& node) {
    if (node.empty()) {
        co_return fail(StanzaError(Condition::item_not_found));
    }
    auto cfg = co_await load_node(owner, node);
    if (!cfg) {
        co_return fail(cfg.error());
    }
    if (!*cfg) {
        co_return fail(StanzaError(Condition::item_not_found));
    }
    co_return std::move(**cfg);
}

// §7.1: publish one item, creating the node first when needed (XEP-0163 §3).
Awaitable<void> PepModule::publish(IqRequest& req, const xml::Element& p) {
    if (!req.from_self()) {
        req.reply_error(pubsub_error(Condition::forbidden));  // §7.1.3.1; XEP-0163 §3
        co_return;
    }
    const std::string node(p.attr_or("node"));
    if (node.empty()) {
        req.reply_error(pubsub_error(Condition::bad_request, "nodeid-required"));  // §7.1.3.3
        co_return;
    }
    const auto items = p.children("item", ns::pubsub);
    if (items.empty()) {
        req.reply_error(pubsub_error(Condition::bad_request, "item-required"));  // §7.1.3.6
        co_return;
    }
    if (items.size() > 1) {
        req.reply_error(pubsub_error(Condition::bad_request, "invalid-payload"));  // §7.1.3.6
        co_return;
    }
    const auto payload = items.front()->children();
    if (payload.size() != 1) {
        req.reply_error(pubsub_error(Condition::bad_request,
                                     payload.empty() ? "payload-required" : "invalid-payload"));
        co_return;
    }
    storage::PubSubItem item;
    item.id = std::string(items.front()->attr_or("id"));
    if (item.id.empty()) {
        item.id = random_item_id();  // §7.1.4: the service assigns one
    }
    item.publisher = req.from().str();
    item.payload = xml::to_string(*payload.front());
    if (item.payload.size() > limits_.max_item_size) {
        req.reply_error(pubsub_error(Condition::not_acceptable, "payload-too-big"));  // §7.1.3.4
        co_return;
    }
    auto options = form_in(req.payload().child("publish-options", ns::pubsub),
                           ns::pubsub_publish_options);
    if (!options) {
        req.reply_error(options.error());
        co_return;
    }
    const std::string owner = req.to().bare_str();
    auto existing = co_await load_node(owner, node);
    if (!existing) {
        req.reply_error(existing.error());
        co_return;
    }
    NodeConfig create_with;
    if (*existing && *options) {
        // §7.1.5: every option is a precondition on the existing node.
        if (auto unmet = unmet_precondition(**existing, **options, limits_.config)) {
            log_->debug("pep: {} publish to {}: precondition {} not met", owner, node, *unmet);
            req.reply_error(pubsub_error(Condition::conflict, "precondition-not-met"));
            co_return;
        }
    } else if (*options) {
        auto applied = apply_form(create_with, **options, limits_.config);
        if (!applied) {
            req.reply_error(pubsub_error(Condition::conflict, "precondition-not-met"));
            co_return;
        }
    }
    auto err = co_await store_item(owner, node, create_with, item);
    if (err) {
        req.reply_error(std::move(*err));
        co_return;
    }
    auto reply = pubsub_reply(ns::pubsub);
    reply->add("publish", std::string(ns::pubsub))
        .set_attr("node", node)
        .add("item", std::string(ns::pubsub))
        .set_attr("id", item.id);
    req.reply(std::move(reply));
    if (bookmarks_compat_ && node == ns::bookmarks) {
        co_await mirror_to_legacy(owner);
    }
}

Awaitable<std::optional<StanzaError>> PepModule::store_item(const std::string& owner,
                                                            const std::string& node,
                                                            const NodeConfig& create_with,
                                                            const storage::PubSubItem& item) {
    auto existing = co_await load_node(owner, node);
    if (!existing) {
        co_return existing.error();
    }
    NodeConfig cfg = create_with;
    if (*existing) {
        cfg = **existing;
    } else {
        auto nodes = co_await storage_->pubsub().nodes(owner);
        if (!nodes) {
            log_->error("pep: listing nodes of {} failed: {}", owner, nodes.error().message);
            co_return StanzaError(Condition::internal_server_error);
        }
        if (nodes->size() >= limits_.max_nodes) {
            co_return pubsub_error(Condition::not_allowed, "max-nodes-exceeded");
        }
        const storage::PubSubNode record{node, serialize(cfg)};
        auto created = co_await storage_->pubsub().create(owner, record);
        if (!created) {
            log_->error("pep: creating node {} of {} failed: {}", node, owner,
                        created.error().message);
            co_return StanzaError(Condition::internal_server_error);
        }
        if (!*created) {  // created meanwhile by another resource: use its config
            auto again = co_await load_node(owner, node);
            if (!again || !*again) {
                co_return StanzaError(Condition::internal_server_error);
            }
            cfg = **again;
        }
    }
    auto stored = co_await storage_->pubsub().publish(owner, node, item, cfg.max_items);
    if (!stored || !*stored) {
        log_->error("pep: storing item {} of {} in {} failed: {}", item.id, owner, node,
                    stored ? "node gone" : stored.error().message);
        co_return StanzaError(Condition::internal_server_error);
    }
    if (node == ns::avatar_metadata) {
        forget_avatar(owner);  // XEP-0398: the next presence carries the new hash
    }
    if (cfg.deliver_notifications) {
        auto items = xml::Element::make("items", std::string(ns::pubsub_event));
        items->set_attr("node", node);
        auto& it = items->add("item", std::string(ns::pubsub_event));
        it.set_attr("id", item.id);
        if (cfg.deliver_payloads) {
            it.add_child(xml::parse_element(item.payload));
        }
        xml::ElementRef event = std::move(items);
        co_await notify(owner, node, cfg, event);
    }
    co_return std::nullopt;
}

// §7.2: retract one item; notify when asked to (§7.2.2.1, notify='true').
Awaitable<void> PepModule::retract(IqRequest& req, const xml::Element& r) {
    if (!req.from_self()) {
        req.reply_error(pubsub_error(Condition::forbidden));  // §7.2.3.1
        co_return;
    }
    const std::string node(r.attr_or("node"));
    if (node.empty()) {
        req.reply_error(pubsub_error(Condition::bad_request, "nodeid-required"));  // §7.2.3.3
        co_return;
    }
    const xml::Element* it = r.child("item", ns::pubsub);
    const std::string id = it ? std::string(it->attr_or("id")) : std::string();
    if (id.empty()) {
        req.reply_error(pubsub_error(Condition::bad_request, "item-required"));  // §7.2.3.4
        co_return;
    }
    const std::string owner = req.to().bare_str();
    auto cfg = co_await existing_node(owner, node);
    if (!cfg) {
        req.reply_error(cfg.error());  // §7.2.3.5 item-not-found
        co_return;
    }
    auto removed = co_await storage_->pubsub().retract(owner, node, id);
    if (!removed) {
        log_->error("pep: retracting {} from {} of {} failed: {}", id, node, owner,
                    removed.error().message);
        req.reply_error(StanzaError(Condition::internal_server_error));
        co_return;
    }
    if (!*removed) {
        req.reply_error(StanzaError(Condition::item_not_found));  // §7.2.3.5
        co_return;
    }
    if (node == ns::avatar_metadata) {
        forget_avatar(owner);
    }
    req.reply();
    if (is_true(r.attr_or("notify")) && cfg->notify_retract) {
        auto items = xml::Element::make("items", std::string(ns::pubsub_event));
        items->set_attr("node", node);
        items->add("retract", std::string(ns::pubsub_event)).set_attr("id", id);
        xml::ElementRef event = std::move(items);
        co_await notify(owner, node, *cfg, event);
    }
    if (bookmarks_compat_ && node == ns::bookmarks) {
        co_await mirror_to_legacy(owner);
    }
}

// §6.5: all items, the newest max_items (§6.5.7) or those named (§6.5.8).
Awaitable<void> PepModule::items(IqRequest& req, const xml::Element& i) {
    const std::string node(i.attr_or("node"));
    if (node.empty()) {
        req.reply_error(pubsub_error(Condition::bad_request, "nodeid-required"));  // §6.5.9.3
        co_return;
    }
    std::size_t max = 0;
    if (auto m = i.attr("max_items")) {
        auto [end, ec] = std::from_chars(m->data(), m->data() + m->size(), max);
        if (m->empty() || ec != std::errc() || end != m->data() + m->size() || max == 0) {
            req.reply_error(StanzaError(Condition::bad_request, "max_items must be positive"));
            co_return;
        }
    }
    std::vector<std::string> ids;
    for (const auto* item : i.children("item", ns::pubsub)) {
        if (auto id = item->attr("id"); id && !id->empty()) {
            ids.emplace_back(*id);
        }
    }
    const std::string owner = req.to().bare_str();
    auto cfg = co_await existing_node(owner, node);
    if (!cfg) {
        req.reply_error(cfg.error());  // §6.5.9.11 item-not-found
        co_return;
    }
    if (!req.from_self()) {
        const std::string requester = req.from().bare_str();
        auto allowed = co_await may_access(owner, requester, *cfg);
        if (!allowed) {
            log_->error("pep: access check on {} of {} failed: {}", node, owner,
                        allowed.error().message);
            req.reply_error(StanzaError(Condition::internal_server_error));
            co_return;
        }
        if (!*allowed) {
            req.reply_error(access_error(cfg->access_model));  // §6.5.9.2-§6.5.9.5
            co_return;
        }
    }
    auto found = co_await storage_->pubsub().items(owner, node, ids, max);
    if (!found) {
        log_->error("pep: reading items of {} in {} failed: {}", owner, node,
                    found.error().message);
        req.reply_error(StanzaError(Condition::internal_server_error));
        co_return;
    }
    auto reply = pubsub_reply(ns::pubsub);
    auto& list = reply->add("items", std::string(ns::pubsub));
    list.set_attr("node", node);
    for (const auto& item : *found) {
        auto& e = list.add("item", std::string(ns::pubsub));
        e.set_attr("id", item.id);
        e.add_child(xml::parse_element(item.payload));
    }
    req.reply(std::move(reply));
}

}  // namespace parley::mod::pep

namespace parley::mod {
std::unique_ptr<Module> make_pep_module() { return std::make_unique<pep::PepModule>(); }
}  // namespace parley::mod
