// PubSubStore on SQLite: pubsub_nodes (one row per node and its serialised
// configuration) and pubsub_items (items in publish order, seq). A publish is
// one transaction: replace the id, append, drop the oldest beyond max_items.

#include <algorithm>

#include "storage/sqlite/sqlite_stores.hpp"

namespace parley::storage::sqlite {

namespace {

bool node_exists(Database& db, const std::string& owner, const std::string& node) {
    auto q = db.query("SELECT 1 FROM pubsub_nodes WHERE owner = ?1 AND node = ?2");
    q.text(1, owner).text(2, node);
    return q.step();
}

// Drops the oldest items of the node beyond `max_items` (0 = no bound).
void trim(Database& db, const std::string& owner, const std::string& node, std::size_t max_items) {
    if (max_items == 0) {
        return;
    }
    // The (max_items+1)-th newest seq comes from the (owner, node, seq) index
    // in one step; everything up to it goes (NULL, nothing, when there are fewer).
    db.query("DELETE FROM pubsub_items WHERE owner = ?1 AND node = ?2 AND seq <= "
             "(SELECT seq FROM pubsub_items WHERE owner = ?1 AND node = ?2 "
             "ORDER BY seq DESC LIMIT 1 OFFSET ?3)")
        .text(1, owner)
        .text(2, node)
        .int64(3, static_cast<std::int64_t>(max_items))
        .exec();
}

PubSubItem read_item(Query& q) {
    return PubSubItem{q.column_text(0), q.column_text(1), q.column_text(2)};
}

}  // namespace

Task<std::optional<std::string>> SqlitePubSubStore::node(const std::string& owner,
                                                         const std::string& node) {
    co_return co_await backend_.run<std::optional<std::string>>(
        [&](Database& db) -> std::optional<std::string> {
            auto q = db.query("SELECT config FROM pubsub_nodes WHERE owner = ?1 AND node = ?2");
            q.text(1, owner).text(2, node);
            if (!q.step()) {
                return std::nullopt;
            }
            return q.column_text(0);
        });
}

Task<std::vector<PubSubNode>> SqlitePubSubStore::nodes(const std::string& owner) {
    co_return co_await backend_.run<std::vector<PubSubNode>>([&](Database& db) {
        std::vector<PubSubNode> out;
        auto q = db.query("SELECT node, config FROM pubsub_nodes WHERE owner = ?1 ORDER BY node");
        q.text(1, owner);
        while (q.step()) {
            out.push_back({q.column_text(0), q.column_text(1)});
        }
        return out;
    });
}

Task<bool> SqlitePubSubStore::create(const std::string& owner, const PubSubNode& node) {
    co_return co_await backend_.run<bool>([&](Database& db) {
        return db.query("INSERT INTO pubsub_nodes (owner, node, config) VALUES (?1, ?2, ?3) "
                        "ON CONFLICT (owner, node) DO NOTHING")
                   .text(1, owner)
                   .text(2, node.node)
                   .text(3, node.config)
                   .exec() > 0;
    });
}

Task<bool> SqlitePubSubStore::configure(const std::string& owner, const PubSubNode& node,
                                        std::size_t max_items) {
    co_return co_await backend_.run<bool>([&](Database& db) {
        Transaction tx(db, Transaction::Kind::write);
        const bool found =
            db.query("UPDATE pubsub_nodes SET config = ?3 WHERE owner = ?1 AND node = ?2")
                .text(1, owner)
                .text(2, node.node)
                .text(3, node.config)
                .exec() > 0;
        if (found) {
            trim(db, owner, node.node, max_items);
            tx.commit();
        }
        return found;
    });
}

Task<bool> SqlitePubSubStore::remove(const std::string& owner, const std::string& node) {
    co_return co_await backend_.run<bool>([&](Database& db) {
        Transaction tx(db, Transaction::Kind::write);
        db.query("DELETE FROM pubsub_items WHERE owner = ?1 AND node = ?2")
            .text(1, owner)
            .text(2, node)
            .exec();
        const bool found = db.query("DELETE FROM pubsub_nodes WHERE owner = ?1 AND node = ?2")
                               .text(1, owner)
                               .text(2, node)
                               .exec() > 0;
        tx.commit();
        return found;
    });
}

Task<bool> SqlitePubSubStore::publish(const std::string& owner, const std::string& node,
                                      const PubSubItem& item, std::size_t max_items) {
    co_return co_await backend_.run<bool>([&](Database& db) {
        Transaction tx(db, Transaction::Kind::write);
        if (!node_exists(db, owner, node)) {
            return false;
        }
        db.query("DELETE FROM pubsub_items WHERE owner = ?1 AND node = ?2 AND id = ?3")
            .text(1, owner)
            .text(2, node)
            .text(3, item.id)
            .exec();
        db.query("INSERT INTO pubsub_items (owner, node, id, publisher, payload) "
                 "VALUES (?1, ?2, ?3, ?4, ?5)")
            .text(1, owner)
            .text(2, node)
            .text(3, item.id)
            .text(4, item.publisher)
            .text(5, item.payload)
            .exec();
        trim(db, owner, node, max_items);
        tx.commit();
        return true;
    });
}

Task<std::vector<PubSubItem>> SqlitePubSubStore::items(const std::string& owner,
                                                       const std::string& node,
                                                       const std::vector<std::string>& ids,
                                                       std::size_t max) {
    co_return co_await backend_.run<std::vector<PubSubItem>>([&](Database& db) {
        Transaction tx(db, Transaction::Kind::read);
        std::vector<std::pair<std::int64_t, PubSubItem>> found;
        if (!ids.empty()) {
            for (const auto& id : ids) {
                auto q = db.query(
                    "SELECT id, publisher, payload, seq FROM pubsub_items "
                    "WHERE owner = ?1 AND node = ?2 AND id = ?3");
                q.text(1, owner).text(2, node).text(3, id);
                if (q.step()) {
                    found.emplace_back(q.column_int64(3), read_item(q));
                }
            }
            std::sort(found.begin(), found.end(),
                      [](const auto& a, const auto& b) { return a.first < b.first; });
        } else {
            auto q = db.query(
                "SELECT id, publisher, payload, seq FROM pubsub_items "
                "WHERE owner = ?1 AND node = ?2 ORDER BY seq DESC LIMIT ?3");
            q.text(1, owner).text(2, node).int64(3, max == 0 ? -1 : static_cast<std::int64_t>(max));
            while (q.step()) {
                found.emplace_back(q.column_int64(3), read_item(q));
            }
            std::reverse(found.begin(), found.end());
        }
        std::vector<PubSubItem> out;
        out.reserve(found.size());
        for (auto& [seq, item] : found) {
            out.push_back(std::move(item));
        }
        return out;
    });
}

Task<bool> SqlitePubSubStore::retract(const std::string& owner, const std::string& node,
                                      const std::string& id) {
    co_return co_await backend_.run<bool>([&](Database& db) {
        return db.query("DELETE FROM pubsub_items WHERE owner = ?1 AND node = ?2 AND id = ?3")
                   .text(1, owner)
                   .text(2, node)
                   .text(3, id)
                   .exec() > 0;
    });
}

Task<std::size_t> SqlitePubSubStore::purge(const std::string& owner, const std::string& node) {
    co_return co_await backend_.run<std::size_t>([&](Database& db) {
        return static_cast<std::size_t>(
            db.query("DELETE FROM pubsub_items WHERE owner = ?1 AND node = ?2")
                .text(1, owner)
                .text(2, node)
                .exec());
    });
}

}  // namespace parley::storage::sqlite
