// RosterStore on SQLite (RFC 6121 §2): roster_items, roster_groups and a
// per-user counter in roster_versions that every put/remove increments in the
// same transaction as the change (§2.6 roster versioning).

#include <fmt/format.h>

#include <string_view>
#include <unordered_set>

#include "storage/sqlite/sqlite_stores.hpp"

namespace parley::storage::sqlite {

namespace {

std::string_view subscription_text(Subscription s) {
    switch (s) {
    case Subscription::none:
        return "none";
    case Subscription::to:
        return "to";
    case Subscription::from:
        return "from";
    case Subscription::both:
        return "both";
    }
    return "none";
}

Subscription parse_subscription(Database& db, const std::string& text) {
    if (text == "none") {
        return Subscription::none;
    }
    if (text == "to") {
        return Subscription::to;
    }
    if (text == "from") {
        return Subscription::from;
    }
    if (text == "both") {
        return Subscription::both;
    }
    throw DbError(fmt::format("database {}: roster item has an unknown subscription '{}'; the "
                              "file was modified outside Parley",
                              db.path(), text),
                  0);
}

// Both selects return the columns read_item() expects, in this order.
constexpr const char* kSelectRoster =
    "SELECT contact, name, subscription, ask, pending_in, approved, pending_in_stanza "
    "FROM roster_items WHERE user = ?1 ORDER BY contact";
constexpr const char* kSelectItem =
    "SELECT contact, name, subscription, ask, pending_in, approved, pending_in_stanza "
    "FROM roster_items WHERE user = ?1 AND contact = ?2";

RosterItem read_item(Database& db, const Query& q) {
    RosterItem item;
    item.jid = q.column_text(0);
    item.name = q.column_text(1);
    item.subscription = parse_subscription(db, q.column_text(2));
    item.ask = q.column_int64(3) != 0;
    item.pending_in = q.column_int64(4) != 0;
    item.approved = q.column_int64(5) != 0;
    item.pending_in_stanza = q.column_text(6);
    return item;
}

std::uint64_t current_version(Database& db, const std::string& user) {
    auto q = db.query("SELECT version FROM roster_versions WHERE user = ?1");
    q.text(1, user);
    return q.step() ? static_cast<std::uint64_t>(q.column_int64(0)) : 0;
}

// Must run inside the write transaction that made the change.
std::uint64_t bump_version(Database& db, const std::string& user) {
    auto q = db.query("INSERT INTO roster_versions (user, version) VALUES (?1, 1) "
                      "ON CONFLICT (user) DO UPDATE SET version = version + 1 "
                      "RETURNING version");
    q.text(1, user);
    if (!q.step()) {
        throw DbError(fmt::format("database {}: roster version update returned no row",
                                  db.path()),
                      0);
    }
    auto version = static_cast<std::uint64_t>(q.column_int64(0));
    while (q.step()) {
    }  // RETURNING: the statement must run to completion before COMMIT
    return version;
}

// Inserts or replaces one item and its groups; the caller's write
// transaction bumps the version.
void write_item(Database& db, const std::string& user, const RosterItem& item) {
    db.query("INSERT INTO roster_items (user, contact, name, subscription, ask, pending_in, "
             "approved, pending_in_stanza) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
             "ON CONFLICT (user, contact) DO UPDATE SET name = excluded.name, "
             "subscription = excluded.subscription, ask = excluded.ask, "
             "pending_in = excluded.pending_in, approved = excluded.approved, "
             "pending_in_stanza = excluded.pending_in_stanza")
        .text(1, user)
        .text(2, item.jid)
        .text(3, item.name)
        .text(4, subscription_text(item.subscription))
        .int64(5, item.ask ? 1 : 0)
        .int64(6, item.pending_in ? 1 : 0)
        .int64(7, item.approved ? 1 : 0)
        .text(8, item.pending_in_stanza)
        .exec();
    db.query("DELETE FROM roster_groups WHERE user = ?1 AND contact = ?2")
        .text(1, user)
        .text(2, item.jid)
        .exec();
    std::int64_t position = 0;
    for (const std::string& group : item.groups) {
        // A group named twice is one group (RFC 6121 §2.1.2.5); keep the first.
        db.query("INSERT INTO roster_groups (user, contact, name, position) "
                 "VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING")
            .text(1, user)
            .text(2, item.jid)
            .text(3, group)
            .int64(4, position++)
            .exec();
    }
}

}  // namespace

Task<Roster> SqliteRosterStore::get(const std::string& user) {
    co_return co_await backend_.run<Roster>([&](Database& db) {
        // One read transaction: the version matches the items.
        Transaction tx(db, Transaction::Kind::read);
        Roster roster;
        roster.version = current_version(db, user);
        {
            auto q = db.query(kSelectRoster);
            q.text(1, user);
            while (q.step()) {
                roster.items.push_back(read_item(db, q));
            }
        }
        // Both lists are sorted by contact: merge the groups in one pass.
        auto q = db.query("SELECT contact, name FROM roster_groups WHERE user = ?1 "
                          "ORDER BY contact, position");
        q.text(1, user);
        auto it = roster.items.begin();
        while (q.step()) {
            std::string contact = q.column_text(0);
            while (it != roster.items.end() && it->jid < contact) {
                ++it;
            }
            if (it != roster.items.end() && it->jid == contact) {
                it->groups.push_back(q.column_text(1));
            }
        }
        return roster;
    });
}

Task<std::optional<RosterItem>> SqliteRosterStore::item(const std::string& user,
                                                        const std::string& contact) {
    co_return co_await backend_.run<std::optional<RosterItem>>(
        [&](Database& db) -> std::optional<RosterItem> {
            Transaction tx(db, Transaction::Kind::read);
            std::optional<RosterItem> item;
            {
                auto q = db.query(kSelectItem);
                q.text(1, user).text(2, contact);
                if (!q.step()) {
                    return std::nullopt;
                }
                item = read_item(db, q);
            }
            auto q = db.query("SELECT name FROM roster_groups WHERE user = ?1 AND contact = ?2 "
                              "ORDER BY position");
            q.text(1, user).text(2, contact);
            while (q.step()) {
                item->groups.push_back(q.column_text(0));
            }
            return item;
        });
}

Task<std::uint64_t> SqliteRosterStore::put(const std::string& user, const RosterItem& item) {
    co_return co_await backend_.run<std::uint64_t>([&](Database& db) {
        Transaction tx(db, Transaction::Kind::write);
        write_item(db, user, item);
        std::uint64_t version = bump_version(db, user);
        tx.commit();
        return version;
    });
}

Task<std::size_t> SqliteRosterStore::put_many(
    const std::vector<std::pair<std::string, RosterItem>>& items) {
    co_return co_await backend_.run<std::size_t>([&](Database& db) {
        Transaction tx(db, Transaction::Kind::write);
        std::unordered_set<std::string_view> users;
        for (const auto& [user, item] : items) {
            write_item(db, user, item);
            users.insert(user);
        }
        for (std::string_view user : users) {
            bump_version(db, std::string(user));
        }
        tx.commit();
        return items.size();
    });
}

Task<std::optional<std::uint64_t>> SqliteRosterStore::remove(const std::string& user,
                                                             const std::string& contact) {
    co_return co_await backend_.run<std::optional<std::uint64_t>>(
        [&](Database& db) -> std::optional<std::uint64_t> {
            Transaction tx(db, Transaction::Kind::write);
            // roster_groups rows go with the item (ON DELETE CASCADE).
            int removed = db.query("DELETE FROM roster_items WHERE user = ?1 AND contact = ?2")
                              .text(1, user)
                              .text(2, contact)
                              .exec();
            if (removed == 0) {
                return std::nullopt;  // nothing changed: the version stays
            }
            std::uint64_t version = bump_version(db, user);
            tx.commit();
            return version;
        });
}

}  // namespace parley::storage::sqlite
