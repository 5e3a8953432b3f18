// FastTokenStore on SQLite: fast_tokens (user, client, slot) -> token,
// mechanism, expiry; slot 0 is XEP-0484's "current", 1 its "new" (next).

#include "storage/sqlite/sqlite_stores.hpp"

namespace parley::storage::sqlite {

namespace {

constexpr int kCurrent = 0;
constexpr int kNext = 1;

void put_slot(Database& db, const std::string& user, const std::string& client, int slot,
              const std::optional<auth::fast::Token>& t) {
    if (!t) {
        return;
    }
    db.query("INSERT INTO fast_tokens (user, client, slot, token, mechanism, expiry) "
             "VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
        .text(1, user)
        .text(2, client)
        .int64(3, slot)
        .blob(4, t->secret)
        .text(5, t->mechanism)
        .int64(6, t->expiry)
        .exec();
}

}  // namespace

Task<auth::fast::TokenSlots> SqliteFastTokenStore::get(const std::string& user,
                                                       const std::string& client) {
    co_return co_await backend_.run<auth::fast::TokenSlots>([&](Database& db) {
        auth::fast::TokenSlots slots;
        auto q = db.query("SELECT slot, token, mechanism, expiry FROM fast_tokens "
                          "WHERE user = ?1 AND client = ?2");
        q.text(1, user).text(2, client);
        while (q.step()) {
            auth::fast::Token t{q.column_blob(1), q.column_text(2), q.column_int64(3)};
            (q.column_int64(0) == kNext ? slots.next : slots.current) = std::move(t);
        }
        return slots;
    });
}

Task<Unit> SqliteFastTokenStore::put(const std::string& user, const std::string& client,
                                     const auth::fast::TokenSlots& slots) {
    co_return co_await backend_.run<Unit>([&](Database& db) {
        Transaction tx(db, Transaction::Kind::write);
        db.query("DELETE FROM fast_tokens WHERE user = ?1 AND client = ?2")
            .text(1, user)
            .text(2, client)
            .exec();
        put_slot(db, user, client, kCurrent, slots.current);
        put_slot(db, user, client, kNext, slots.next);
        tx.commit();
        return Unit{};
    });
}

}  // namespace parley::storage::sqlite
