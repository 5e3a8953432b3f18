// SqliteStorage: the SQLite stores over one connection and pool thread.

#include <memory>
#include <utility>

#include "storage/sqlite/backend.hpp"
#include "storage/sqlite/database.hpp"
#include "storage/sqlite/schema.hpp"
#include "storage/sqlite/sqlite_stores.hpp"

namespace parley::storage::sqlite {

namespace {

class SqliteStorage final : public Storage {
public:
    explicit SqliteStorage(std::unique_ptr<Database> db)
        : backend_(std::move(db)),
          accounts_(backend_),
          roster_(backend_),
          offline_(backend_),
          keyval_(backend_),
          muc_(backend_),
          archive_(backend_),
          pubsub_(backend_),
          fast_tokens_(backend_) {}

    AccountStore& accounts() override { return accounts_; }
    RosterStore& roster() override { return roster_; }
    OfflineStore& offline() override { return offline_; }
    KeyValStore& keyval() override { return keyval_; }
    MucStore& muc() override { return muc_; }
    ArchiveStore& archive() override { return archive_; }
    PubSubStore& pubsub() override { return pubsub_; }
    FastTokenStore& fast_tokens() override { return fast_tokens_; }

private:
    Backend backend_;
    SqliteAccountStore accounts_;
    SqliteRosterStore roster_;
    SqliteOfflineStore offline_;
    SqliteKeyValStore keyval_;
    SqliteMucStore muc_;
    SqliteArchiveStore archive_;
    SqlitePubSubStore pubsub_;
    SqliteFastTokenStore fast_tokens_;
};

}  // namespace

Result<std::unique_ptr<Storage>> open_sqlite_storage(const StorageOptions& opts) {
    if (opts.sqlite_path.empty()) {
        return fail(std::string("storage.sqlite_path is empty; set it to the database file "
                                "(its directory must exist)"));
    }
    try {
        // Opened on the calling thread (start-up, or parleyctl), before any
        // coroutine can use it; afterwards only the pool thread touches it.
        auto db = Database::open(opts.sqlite_path, OpenOptions{opts.sqlite_busy_timeout_ms});
        migrate(*db);
        return std::unique_ptr<Storage>(std::make_unique<SqliteStorage>(std::move(db)));
    } catch (const DbError& e) {
        return fail(std::string(e.what()));
    }
}

}  // namespace parley::storage::sqlite
