// MucStore on SQLite: muc_rooms (one row per persistent room) and
// muc_affiliations (its affiliation list), written together in one
// transaction so that a restart never sees a room without its owners.

#include "storage/sqlite/sqlite_stores.hpp"

namespace parley::storage::sqlite {

namespace {

std::string domain_of(const std::string& room) {
    auto at = room.find('@');
    return at == std::string::npos ? room : room.substr(at + 1);
}

}  // namespace

Task<std::vector<MucRoom>> SqliteMucStore::rooms(const std::string& domain) {
    co_return co_await backend_.run<std::vector<MucRoom>>([&](Database& db) {
        Transaction tx(db, Transaction::Kind::read);
        std::vector<MucRoom> rooms;
        auto q = db.query(
            "SELECT room, config, subject FROM muc_rooms WHERE service = ?1 ORDER BY room");
        q.text(1, domain);
        while (q.step()) {
            rooms.push_back(MucRoom{q.column_text(0), q.column_text(1), q.column_text(2), {}});
        }
        for (auto& room : rooms) {
            auto a = db.query(
                "SELECT jid, affiliation, nick, reason FROM muc_affiliations WHERE room = ?1 "
                "ORDER BY jid");
            a.text(1, room.jid);
            while (a.step()) {
                room.affiliations.push_back(
                    {a.column_text(0), a.column_text(1), a.column_text(2), a.column_text(3)});
            }
        }
        return rooms;
    });
}

Task<Unit> SqliteMucStore::put(const MucRoom& room) {
    co_return co_await backend_.run<Unit>([&](Database& db) {
        Transaction tx(db, Transaction::Kind::write);
        db.query(
              "INSERT INTO muc_rooms (room, service, config, subject) VALUES (?1, ?2, ?3, ?4) "
              "ON CONFLICT (room) DO UPDATE SET config = excluded.config, "
              "subject = excluded.subject")
            .text(1, room.jid)
            .text(2, domain_of(room.jid))
            .text(3, room.config)
            .text(4, room.subject)
            .exec();
        db.query("DELETE FROM muc_affiliations WHERE room = ?1").text(1, room.jid).exec();
        for (const auto& a : room.affiliations) {
            db.query(
                  "INSERT INTO muc_affiliations (room, jid, affiliation, nick, reason) "
                  "VALUES (?1, ?2, ?3, ?4, ?5)")
                .text(1, room.jid)
                .text(2, a.jid)
                .text(3, a.affiliation)
                .text(4, a.nick)
                .text(5, a.reason)
                .exec();
        }
        tx.commit();
        return Unit{};
    });
}

Task<bool> SqliteMucStore::remove(const std::string& room) {
    co_return co_await backend_.run<bool>([&](Database& db) {
        return db.query("DELETE FROM muc_rooms WHERE room = ?1").text(1, room).exec() > 0;
    });
}

}  // namespace parley::storage::sqlite
