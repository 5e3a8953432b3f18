// OfflineStore on SQLite (XEP-0160): offline_messages, oldest first by id.
// The limit check and the insert share one write transaction, as do the read
// and the delete of pop_all(), so concurrent writers (another worker, or
// parleyctl) can neither overshoot the limit nor lose a message.

#include "storage/sqlite/sqlite_stores.hpp"

namespace parley::storage::sqlite {

namespace {

std::size_t stored_count(Database& db, const std::string& user) {
    auto q = db.query("SELECT count(*) FROM offline_messages WHERE user = ?1");
    q.text(1, user);
    q.step();
    return static_cast<std::size_t>(q.column_int64(0));
}

}  // namespace

Task<bool> SqliteOfflineStore::push(const std::string& user, const std::string& stanza_xml,
                                    std::size_t limit) {
    co_return co_await backend_.run<bool>([&](Database& db) {
        Transaction tx(db, Transaction::Kind::write);
        if (stored_count(db, user) >= limit) {
            return false;
        }
        db.query("INSERT INTO offline_messages (user, stanza) VALUES (?1, ?2)")
            .text(1, user)
            .text(2, stanza_xml)
            .exec();
        tx.commit();
        return true;
    });
}

Task<std::vector<std::string>> SqliteOfflineStore::pop_all(const std::string& user) {
    co_return co_await backend_.run<std::vector<std::string>>([&](Database& db) {
        Transaction tx(db, Transaction::Kind::write);
        std::vector<std::string> stanzas;
        {
            auto q = db.query("SELECT stanza FROM offline_messages WHERE user = ?1 ORDER BY id");
            q.text(1, user);
            while (q.step()) {
                stanzas.push_back(q.column_text(0));
            }
        }
        if (!stanzas.empty()) {
            db.query("DELETE FROM offline_messages WHERE user = ?1").text(1, user).exec();
            tx.commit();
        }
        return stanzas;
    });
}

Task<std::size_t> SqliteOfflineStore::count(const std::string& user) {
    co_return co_await backend_.run<std::size_t>(
        [&](Database& db) { return stored_count(db, user); });
}

}  // namespace parley::storage::sqlite
