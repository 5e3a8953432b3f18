// AccountStore on SQLite: accounts + scram_keys (RFC 5802 §3 salted keys,
// one row per hash). remove() wipes the user's rows from every table.

#include <array>
#include <string_view>

#include "storage/sqlite/sqlite_stores.hpp"

namespace parley::storage::sqlite {

namespace {

struct HashRow {
    std::string_view name;  // the scram_keys.hash value
    auth::ScramKeys auth::Credentials::*keys;
};

constexpr std::array<HashRow, 3> kHashes = {{
    {"SHA-1", &auth::Credentials::sha1},
    {"SHA-256", &auth::Credentials::sha256},
    {"SHA-512", &auth::Credentials::sha512},
}};

// The part after '@' (a localpart never contains '@', RFC 7622 §3.3.1);
// empty for a domain-only JID, which list() then never returns.
std::string_view domain_of(std::string_view bare_jid) {
    auto at = bare_jid.rfind('@');
    return at == std::string_view::npos ? std::string_view() : bare_jid.substr(at + 1);
}

void write_keys(Database& db, const std::string& user, const auth::Credentials& creds) {
    for (const HashRow& h : kHashes) {
        const auth::ScramKeys& k = creds.*h.keys;
        db.query("INSERT INTO scram_keys (user, hash, salt, iterations, stored_key, server_key) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                 "ON CONFLICT (user, hash) DO UPDATE SET salt = excluded.salt, "
                 "iterations = excluded.iterations, stored_key = excluded.stored_key, "
                 "server_key = excluded.server_key")
            .text(1, user)
            .text(2, h.name)
            .blob(3, k.salt)
            .int64(4, k.iterations)
            .blob(5, k.stored_key)
            .blob(6, k.server_key)
            .exec();
    }
}

bool account_exists(Database& db, const std::string& user) {
    auto q = db.query("SELECT 1 FROM accounts WHERE user = ?1");
    q.text(1, user);
    return q.step();
}

}  // namespace

Task<bool> SqliteAccountStore::create(const std::string& user, const auth::Credentials& creds) {
    co_return co_await backend_.run<bool>([&](Database& db) {
        Transaction tx(db, Transaction::Kind::write);
        auto domain = domain_of(user);
        auto q = db.query("INSERT INTO accounts (user, domain) VALUES (?1, ?2) "
                          "ON CONFLICT (user) DO NOTHING");
        q.text(1, user);
        if (domain.empty()) {
            q.null(2);
        } else {
            q.text(2, domain);
        }
        if (q.exec() == 0) {
            return false;  // exists already; the transaction rolls back
        }
        write_keys(db, user, creds);
        tx.commit();
        return true;
    });
}

Task<std::size_t> SqliteAccountStore::create_many(
    const std::vector<std::pair<std::string, auth::Credentials>>& accounts) {
    co_return co_await backend_.run<std::size_t>([&](Database& db) {
        // One transaction for the whole list: a commit (and its fsync) per
        // account is what makes one-by-one creation slow.
        Transaction tx(db, Transaction::Kind::write);
        std::size_t created = 0;
        for (const auto& [user, creds] : accounts) {
            auto domain = domain_of(user);
            auto q = db.query("INSERT INTO accounts (user, domain) VALUES (?1, ?2) "
                              "ON CONFLICT (user) DO NOTHING");
            q.text(1, user);
            if (domain.empty()) {
                q.null(2);
            } else {
                q.text(2, domain);
            }
            if (q.exec() == 0) {
                continue;  // exists already: keep its keys
            }
            write_keys(db, user, creds);
            ++created;
        }
        tx.commit();
        return created;
    });
}

Task<std::optional<auth::Credentials>> SqliteAccountStore::credentials(const std::string& user) {
    co_return co_await backend_.run<std::optional<auth::Credentials>>(
        [&](Database& db) -> std::optional<auth::Credentials> {
            Transaction tx(db, Transaction::Kind::read);
            if (!account_exists(db, user)) {
                return std::nullopt;
            }
            auth::Credentials creds;
            auto q = db.query("SELECT hash, salt, iterations, stored_key, server_key "
                              "FROM scram_keys WHERE user = ?1");
            q.text(1, user);
            while (q.step()) {
                std::string hash = q.column_text(0);
                for (const HashRow& h : kHashes) {
                    if (h.name == hash) {
                        auth::ScramKeys& k = creds.*h.keys;
                        k.salt = q.column_blob(1);
                        k.iterations = static_cast<int>(q.column_int64(2));
                        k.stored_key = q.column_blob(3);
                        k.server_key = q.column_blob(4);
                    }
                }
            }
            return creds;
        });
}

Task<bool> SqliteAccountStore::set_credentials(const std::string& user,
                                               const auth::Credentials& creds) {
    co_return co_await backend_.run<bool>([&](Database& db) {
        Transaction tx(db, Transaction::Kind::write);
        if (!account_exists(db, user)) {
            return false;
        }
        write_keys(db, user, creds);
        tx.commit();
        return true;
    });
}

Task<bool> SqliteAccountStore::remove(const std::string& user) {
    co_return co_await backend_.run<bool>([&](Database& db) {
        Transaction tx(db, Transaction::Kind::write);
        // scram_keys and roster_groups follow by ON DELETE CASCADE; deleting
        // them explicitly too keeps this correct should foreign keys be off.
        bool existed = db.query("DELETE FROM accounts WHERE user = ?1").text(1, user).exec() > 0;
        db.query("DELETE FROM scram_keys WHERE user = ?1").text(1, user).exec();
        db.query("DELETE FROM roster_groups WHERE user = ?1").text(1, user).exec();
        db.query("DELETE FROM roster_items WHERE user = ?1").text(1, user).exec();
        db.query("DELETE FROM roster_versions WHERE user = ?1").text(1, user).exec();
        db.query("DELETE FROM offline_messages WHERE user = ?1").text(1, user).exec();
        db.query("DELETE FROM keyval WHERE user = ?1").text(1, user).exec();
        db.query("DELETE FROM archive WHERE owner = ?1").text(1, user).exec();
        db.query("DELETE FROM pubsub_items WHERE owner = ?1").text(1, user).exec();
        db.query("DELETE FROM pubsub_nodes WHERE owner = ?1").text(1, user).exec();
        db.query("DELETE FROM fast_tokens WHERE user = ?1").text(1, user).exec();
        tx.commit();
        return existed;
    });
}

Task<bool> SqliteAccountStore::exists(const std::string& user) {
    co_return co_await backend_.run<bool>(
        [&](Database& db) { return account_exists(db, user); });
}

Task<std::vector<std::string>> SqliteAccountStore::list(const std::string& domain) {
    co_return co_await backend_.run<std::vector<std::string>>([&](Database& db) {
        std::vector<std::string> users;
        auto q = db.query("SELECT user FROM accounts WHERE domain = ?1 ORDER BY user");
        q.text(1, domain);
        while (q.step()) {
            users.push_back(q.column_text(0));
        }
        return users;
    });
}

}  // namespace parley::storage::sqlite
