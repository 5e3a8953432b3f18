// KeyValStore on SQLite: keyval (user, store, key) -> value. Values are bound
// as BLOBs so any bytes round-trip; keys are TEXT and sort bytewise.

#include "storage/sqlite/sqlite_stores.hpp"

namespace parley::storage::sqlite {

Task<std::optional<std::string>> SqliteKeyValStore::get(const std::string& user,
                                                        const std::string& store,
                                                        const std::string& key) {
    co_return co_await backend_.run<std::optional<std::string>>(
        [&](Database& db) -> std::optional<std::string> {
            auto q = db.query(
                "SELECT value FROM keyval WHERE user = ?1 AND store = ?2 AND key = ?3");
            q.text(1, user).text(2, store).text(3, key);
            if (!q.step()) {
                return std::nullopt;
            }
            return q.column_blob(0);
        });
}

Task<Unit> SqliteKeyValStore::set(const std::string& user, const std::string& store,
                                  const std::string& key, const std::string& value) {
    co_return co_await backend_.run<Unit>([&](Database& db) {
        db.query("INSERT INTO keyval (user, store, key, value) VALUES (?1, ?2, ?3, ?4) "
                 "ON CONFLICT (user, store, key) DO UPDATE SET value = excluded.value")
            .text(1, user)
            .text(2, store)
            .text(3, key)
            .blob(4, value)
            .exec();
        return Unit{};
    });
}

Task<bool> SqliteKeyValStore::remove(const std::string& user, const std::string& store,
                                     const std::string& key) {
    co_return co_await backend_.run<bool>([&](Database& db) {
        return db.query("DELETE FROM keyval WHERE user = ?1 AND store = ?2 AND key = ?3")
                   .text(1, user)
                   .text(2, store)
                   .text(3, key)
                   .exec() > 0;
    });
}

Task<std::vector<std::pair<std::string, std::string>>> SqliteKeyValStore::list(
    const std::string& user, const std::string& store) {
    using Pairs = std::vector<std::pair<std::string, std::string>>;
    co_return co_await backend_.run<Pairs>([&](Database& db) {
        Pairs pairs;
        auto q = db.query(
            "SELECT key, value FROM keyval WHERE user = ?1 AND store = ?2 ORDER BY key");
        q.text(1, user).text(2, store);
        while (q.step()) {
            pairs.emplace_back(q.column_text(0), q.column_blob(1));
        }
        return pairs;
    });
}

Task<std::size_t> SqliteKeyValStore::clear(const std::string& user, const std::string& store) {
    co_return co_await backend_.run<std::size_t>([&](Database& db) {
        return static_cast<std::size_t>(
            db.query("DELETE FROM keyval WHERE user = ?1 AND store = ?2")
                .text(1, user)
                .text(2, store)
                .exec());
    });
}

}  // namespace parley::storage::sqlite
