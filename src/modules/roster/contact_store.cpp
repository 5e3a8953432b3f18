// RFC 6121 §3.1.3: unanswered subscription requests are kept and delivered
// again when the contact next becomes available.
#include "modules/roster/contact_store.hpp"

#include <set>

#include "xml/stream_parser.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod::roster {

using storage::StoreResult;
template <class T>
using Awaitable = boost::asio::awaitable<T>;

Awaitable<StoreResult<ContactRecord>> load_contact(storage::Storage& storage,
                                                   const std::string& user,
                                                   const std::string& contact) {
    ContactRecord rec;
    rec.user = user;
    auto item = co_await storage.roster().item(user, contact);
    if (!item) {
        co_return fail(item.error());
    }
    if (*item) {
        rec.listed = true;
        rec.item = std::move(**item);
        co_return rec;
    }
    rec.item.jid = contact;
    auto aside = co_await storage.keyval().get(user, std::string(kPendingStore), contact);
    if (!aside) {
        co_return fail(aside.error());
    }
    if (*aside) {
        rec.aside = true;
        rec.item.pending_in = true;
        rec.item.pending_in_stanza = std::move(**aside);
    }
    co_return rec;
}

Awaitable<StoreResult<std::optional<std::uint64_t>>> save_contact(storage::Storage& storage,
                                                                  const ContactRecord& after) {
    const std::string store(kPendingStore);
    if (after.listed) {
        auto version = co_await storage.roster().put(after.user, after.item);
        if (!version) {
            co_return fail(version.error());
        }
        if (after.aside) {
            // The request now lives in the item. A failure here leaves a stale
            // copy aside, which is harmless: an item always wins over it.
            auto removed = co_await storage.keyval().remove(after.user, store, after.item.jid);
            (void)removed;
        }
        co_return std::optional<std::uint64_t>(*version);
    }
    if (after.item.pending_in) {
        auto set = co_await storage.keyval().set(after.user, store, after.item.jid,
                                                 after.item.pending_in_stanza);
        if (!set) {
            co_return fail(set.error());
        }
    } else if (after.aside) {
        auto removed = co_await storage.keyval().remove(after.user, store, after.item.jid);
        if (!removed) {
            co_return fail(removed.error());
        }
    }
    co_return std::optional<std::uint64_t>();
}

Awaitable<StoreResult<std::vector<storage::RosterItem>>> pending_requests(
    storage::Storage& storage, const std::string& user, const storage::Roster& roster) {
    std::vector<storage::RosterItem> out;
    std::set<std::string, std::less<>> listed;
    for (const auto& item : roster.items) {
        listed.insert(item.jid);
        if (item.pending_in) {
            out.push_back(item);
        }
    }
    auto aside = co_await storage.keyval().list(user, std::string(kPendingStore));
    if (!aside) {
        co_return fail(aside.error());
    }
    for (auto& [jid, stanza] : *aside) {
        if (listed.count(jid)) {
            continue;
        }
        storage::RosterItem item;
        item.jid = jid;
        item.pending_in = true;
        item.pending_in_stanza = std::move(stanza);
        out.push_back(std::move(item));
    }
    co_return out;
}

xml::ElementRef pending_request_stanza(const storage::RosterItem& item, const std::string& user) {
    if (!item.pending_in_stanza.empty()) {
        auto parsed = xml::parse_element(item.pending_in_stanza);
        if (parsed && parsed->name() == "presence" && parsed->attr_or("type") == "subscribe") {
            parsed->set_attr("from", item.jid);
            parsed->set_attr("to", user);
            return parsed;
        }
    }
    auto p = xml::Element::make("presence", std::string(ns::client));
    p->set_attr("from", item.jid);
    p->set_attr("to", user);
    p->set_attr("type", "subscribe");
    return p;
}

}  // namespace parley::mod::roster
