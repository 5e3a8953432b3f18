// XEP-0060 Publish-Subscribe v1.26 owner operations on a PEP node: §8.1
// create (with §8.1.3 configuration), §8.2 configure, §8.4 delete, §8.5 purge.
#include "modules/pep/pep_module.hpp"

#include <spdlog/spdlog.h>

#include "xmpp/data_form.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod::pep {

using xmpp::Condition;
using xmpp::StanzaError;

// §8.1.2 create (with §8.1.3 configuration); instant nodes are not offered.
Awaitable<void> PepModule::create(IqRequest& req, const xml::Element& c) {
    if (!req.from_self()) {
        req.reply_error(pubsub_error(Condition::forbidden));
        co_return;
    }
    const std::string node(c.attr_or("node"));
    if (node.empty()) {
        req.reply_error(pubsub_error(Condition::not_acceptable, "nodeid-required"));  // §8.1.2
        co_return;
    }
    NodeConfig cfg;
    auto form = form_in(req.payload().child("configure", ns::pubsub), ns::pubsub_node_config);
    if (!form) {
        req.reply_error(form.error());
        co_return;
    }
    if (*form) {
        auto applied = apply_form(cfg, **form, limits_.config);
        if (!applied) {
            req.reply_error(applied.error());
            co_return;
        }
    }
    const std::string owner = req.to().bare_str();
    auto nodes = co_await storage_->pubsub().nodes(owner);
    if (!nodes) {
        req.reply_error(StanzaError(Condition::internal_server_error));
        co_return;
    }
    if (nodes->size() >= limits_.max_nodes) {
        req.reply_error(pubsub_error(Condition::not_allowed, "max-nodes-exceeded"));
        co_return;
    }
    const storage::PubSubNode record{node, serialize(cfg)};
    auto created = co_await storage_->pubsub().create(owner, record);
    if (!created) {
        req.reply_error(StanzaError(Condition::internal_server_error));
        co_return;
    }
    if (!*created) {
        req.reply_error(StanzaError(Condition::conflict));  // §8.1.2: the node exists
        co_return;
    }
    req.reply();
}

// §8.2: the configuration form (get), a new configuration (set).
Awaitable<void> PepModule::configure(IqRequest& req, const xml::Element& c) {
    const std::string node(c.attr_or("node"));
    if (node.empty()) {
        req.reply_error(pubsub_error(Condition::bad_request, "nodeid-required"));  // §8.2.3.3
        co_return;
    }
    const std::string owner = req.to().bare_str();
    auto cfg = co_await existing_node(owner, node);
    if (!cfg) {
        req.reply_error(cfg.error());  // §8.2.3.5 item-not-found
        co_return;
    }
    if (req.type() == IqType::get) {
        auto reply = pubsub_reply(ns::pubsub_owner);
        auto& conf = reply->add("configure", std::string(ns::pubsub_owner));
        conf.set_attr("node", node);
        conf.add_child(config_form(*cfg, "form"));
        req.reply(std::move(reply));
        co_return;
    }
    auto form = form_in(&c, ns::pubsub_node_config);
    if (!form) {
        req.reply_error(form.error());
        co_return;
    }
    if (!*form) {
        req.reply_error(StanzaError(Condition::bad_request, "a data form is required"));
        co_return;
    }
    if ((*form)->type == "cancel") {
        req.reply();  // §8.2.4: cancelled, nothing changes
        co_return;
    }
    NodeConfig next = *cfg;
    auto applied = apply_form(next, **form, limits_.config);
    if (!applied) {
        req.reply_error(applied.error());  // §8.2.5.3 not-acceptable
        co_return;
    }
    const storage::PubSubNode record{node, serialize(next)};
    auto saved = co_await storage_->pubsub().configure(owner, record, next.max_items);
    if (!saved || !*saved) {
        req.reply_error(StanzaError(Condition::internal_server_error));
        co_return;
    }
    req.reply();
}

// §8.4: delete the node (its subscribers told when notify_delete).
Awaitable<void> PepModule::remove(IqRequest& req, const xml::Element& d) {
    const std::string node(d.attr_or("node"));
    const std::string owner = req.to().bare_str();
    auto cfg = co_await existing_node(owner, node);
    if (!cfg) {
        req.reply_error(cfg.error());  // §8.4.3.2 item-not-found
        co_return;
    }
    auto removed = co_await storage_->pubsub().remove(owner, node);
    if (!removed) {
        req.reply_error(StanzaError(Condition::internal_server_error));
        co_return;
    }
    if (node == ns::avatar_metadata) {
        forget_avatar(owner);
    }
    req.reply();
    if (cfg->notify_delete) {
        auto del = xml::Element::make("delete", std::string(ns::pubsub_event));
        del->set_attr("node", node);
        xml::ElementRef event = std::move(del);
        co_await notify(owner, node, *cfg, event);
    }
}

// §8.5: remove every item of the node.
Awaitable<void> PepModule::purge(IqRequest& req, const xml::Element& p) {
    const std::string node(p.attr_or("node"));
    const std::string owner = req.to().bare_str();
    auto cfg = co_await existing_node(owner, node);
    if (!cfg) {
        req.reply_error(cfg.error());  // §8.5.3.2 item-not-found
        co_return;
    }
    auto purged = co_await storage_->pubsub().purge(owner, node);
    if (!purged) {
        req.reply_error(StanzaError(Condition::internal_server_error));
        co_return;
    }
    if (node == ns::avatar_metadata) {
        forget_avatar(owner);
    }
    req.reply();
}

}  // namespace parley::mod::pep
