// XEP-0402 PEP Native Bookmarks v1.2 §5 compatibility (the synchronisation
// XEP-0411 described): the urn:xmpp:bookmarks:1 node (one item per room, the
// item id its JID) and the legacy XEP-0048 <storage xmlns='storage:bookmarks'/>
// kept in XEP-0049 private storage hold the same rooms. A publish or retract
// on the node rewrites the private copy; a client storing the legacy
// document through XEP-0049 updates the node (publishing what changed and
// retracting what is gone, with notifications), before the private module
// stores the document itself.
// Not kept: legacy <url/> bookmarks and XEP-0402 <extensions/> do not cross over.
#include <spdlog/spdlog.h>

#include <map>

#include "modules/pep/pep_module.hpp"
#include "xml/serializer.hpp"
#include "xml/stream_parser.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod::pep {

namespace {

constexpr const char* kPrivateStore = "private";  // the XEP-0049 module's KeyValStore store

bool truthy(std::string_view v) { return v == "true" || v == "1"; }

// XEP-0402 §3 node configuration.
NodeConfig bookmarks_node_config(const ConfigLimits& limits) {
    NodeConfig cfg;
    cfg.access_model = AccessModel::whitelist;
    cfg.max_items = limits.max_items;
    cfg.send_last = SendLast::never;
    cfg.persist_items = true;
    return cfg;
}

// <conference jid name autojoin><nick/><password/></conference> (XEP-0048 §3)
// from a bookmarks:1 item (XEP-0402 §3).
xml::ElementPtr legacy_conference(const std::string& room, const xml::Element& c) {
    auto out = xml::Element::make("conference", std::string(ns::bookmarks_legacy));
    out->set_attr("jid", room);
    if (auto name = c.attr("name")) {
        out->set_attr("name", std::string(*name));
    }
    out->set_attr("autojoin", truthy(c.attr_or("autojoin")) ? "true" : "false");
    if (auto nick = c.child_text("nick", ns::bookmarks)) {
        out->add_text_child("nick", std::string(ns::bookmarks_legacy), *nick);
    }
    if (auto password = c.child_text("password", ns::bookmarks)) {
        out->add_text_child("password", std::string(ns::bookmarks_legacy), *password);
    }
    return out;
}

// The bookmarks:1 payload for a legacy <conference/>.
xml::ElementPtr native_conference(const xml::Element& c) {
    auto out = xml::Element::make("conference", std::string(ns::bookmarks));
    if (auto name = c.attr("name")) {
        out->set_attr("name", std::string(*name));
    }
    if (truthy(c.attr_or("autojoin"))) {
        out->set_attr("autojoin", "true");
    }
    if (auto nick = c.child_text("nick", ns::bookmarks_legacy)) {
        out->add_text_child("nick", std::string(ns::bookmarks), *nick);
    }
    if (auto password = c.child_text("password", ns::bookmarks_legacy)) {
        out->add_text_child("password", std::string(ns::bookmarks), *password);
    }
    return out;
}

}  // namespace

Awaitable<void> PepModule::mirror_to_legacy(const std::string& owner) {
    const std::string node(ns::bookmarks);
    const std::vector<std::string> all;  // no ids: every item
    auto items = co_await storage_->pubsub().items(owner, node, all, 0);
    if (!items) {
        log_->error("pep: bookmarks of {} unreadable, legacy copy not updated: {}", owner,
                    items.error().message);
        co_return;
    }
    auto storage = xml::Element::make("storage", std::string(ns::bookmarks_legacy));
    for (const auto& item : *items) {
        auto payload = xml::parse_element(item.payload);
        if (payload && payload->is("conference", ns::bookmarks)) {
            storage->add_child(legacy_conference(item.id, *payload));
        }
    }
    const std::string store(kPrivateStore);
    const std::string key(ns::bookmarks_legacy);
    const std::string document = xml::to_string(*storage);
    auto saved = co_await storage_->keyval().set(owner, store, key, document);
    if (!saved) {
        log_->error("pep: legacy bookmarks of {} not saved: {}", owner, saved.error().message);
    }
}

// An XEP-0049 set of storage:bookmarks by the account itself: mirror it into
// the bookmarks:1 node. The private module answers and stores the document.
Awaitable<Handled> PepModule::on_client_iq(StanzaEvent& ev) {
    if (ev.type != "set" || ev.from.bare_str() != ev.to.bare_str() || !ev.to.is_bare()) {
        co_return Handled::no;
    }
    const xml::Element* query = ev.stanza->child("query", ns::private_xml);
    const xml::Element* legacy = query ? query->child("storage", ns::bookmarks_legacy) : nullptr;
    if (!legacy) {
        co_return Handled::no;
    }
    const std::string owner = ev.from.bare_str();
    const std::string node(ns::bookmarks);
    std::map<std::string, xml::ElementPtr> wanted;  // room JID -> native payload
    for (const auto* c : legacy->children("conference", ns::bookmarks_legacy)) {
        auto room = xmpp::Jid::parse(c->attr_or("jid"));
        if (room && room->is_bare()) {
            wanted[room->str()] = native_conference(*c);
        }
    }
    const std::vector<std::string> all;  // no ids: every item
    auto existing = co_await storage_->pubsub().items(owner, node, all, 0);
    if (!existing) {
        log_->error("pep: bookmarks of {} unreadable, not synchronised: {}", owner,
                    existing.error().message);
        co_return Handled::no;
    }
    const NodeConfig create_with = bookmarks_node_config(limits_.config);
    for (const auto& [room, payload] : wanted) {
        storage::PubSubItem item{room, ev.from.str(), xml::to_string(*payload)};
        bool same = false;
        for (const auto& e : *existing) {
            same = same || (e.id == room && e.payload == item.payload);
        }
        if (same) {
            continue;
        }
        auto err = co_await store_item(owner, node, create_with, item);
        if (err) {
            log_->warn("pep: bookmark {} of {} not mirrored to {}", room, owner, node);
        }
    }
    auto cfg = co_await load_node(owner, node);
    for (const auto& e : *existing) {
        if (wanted.count(e.id)) {
            continue;
        }
        auto removed = co_await storage_->pubsub().retract(owner, node, e.id);
        if (removed && *removed && cfg && *cfg && (*cfg)->notify_retract) {
            auto items = xml::Element::make("items", std::string(ns::pubsub_event));
            items->set_attr("node", node);
            items->add("retract", std::string(ns::pubsub_event)).set_attr("id", e.id);
            xml::ElementRef event = std::move(items);
            co_await notify(owner, node, **cfg, event);
        }
    }
    co_return Handled::no;
}

}  // namespace parley::mod::pep
