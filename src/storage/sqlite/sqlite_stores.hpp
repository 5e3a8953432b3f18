// The SQLite implementations of the storage interfaces (stores.hpp). Each
// store method runs its SQL on the Backend's pool thread; see backend.hpp.
// Constructed by open_sqlite_storage(); modules only see the interfaces.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "storage/sqlite/backend.hpp"
#include "storage/stores.hpp"

namespace parley::storage::sqlite {

class SqliteAccountStore final : public AccountStore {
public:
    explicit SqliteAccountStore(Backend& backend) : backend_(backend) {}
    Task<bool> create(const std::string& user, const auth::Credentials& creds) override;
    Task<std::size_t> create_many(
        const std::vector<std::pair<std::string, auth::Credentials>>& accounts) override;
    Task<std::optional<auth::Credentials>> credentials(const std::string& user) override;
    Task<bool> set_credentials(const std::string& user, const auth::Credentials& creds) override;
    Task<bool> remove(const std::string& user) override;
    Task<bool> exists(const std::string& user) override;
    Task<std::vector<std::string>> list(const std::string& domain) override;

private:
    Backend& backend_;
};

class SqliteRosterStore final : public RosterStore {
public:
    explicit SqliteRosterStore(Backend& backend) : backend_(backend) {}
    Task<Roster> get(const std::string& user) override;
    Task<std::optional<RosterItem>> item(const std::string& user,
                                         const std::string& contact) override;
    Task<std::uint64_t> put(const std::string& user, const RosterItem& item) override;
    Task<std::size_t> put_many(
        const std::vector<std::pair<std::string, RosterItem>>& items) override;
    Task<std::optional<std::uint64_t>> remove(const std::string& user,
                                              const std::string& contact) override;

private:
    Backend& backend_;
};

class SqliteOfflineStore final : public OfflineStore {
public:
    explicit SqliteOfflineStore(Backend& backend) : backend_(backend) {}
    Task<bool> push(const std::string& user, const std::string& stanza_xml,
                    std::size_t limit) override;
    Task<std::vector<std::string>> pop_all(const std::string& user) override;
    Task<std::size_t> count(const std::string& user) override;

private:
    Backend& backend_;
};

class SqliteKeyValStore final : public KeyValStore {
public:
    explicit SqliteKeyValStore(Backend& backend) : backend_(backend) {}
    Task<std::optional<std::string>> get(const std::string& user, const std::string& store,
                                         const std::string& key) override;
    Task<Unit> set(const std::string& user, const std::string& store, const std::string& key,
                   const std::string& value) override;
    Task<bool> remove(const std::string& user, const std::string& store,
                      const std::string& key) override;
    Task<std::vector<std::pair<std::string, std::string>>> list(
        const std::string& user, const std::string& store) override;
    Task<std::size_t> clear(const std::string& user, const std::string& store) override;

private:
    Backend& backend_;
};

class SqliteMucStore final : public MucStore {
public:
    explicit SqliteMucStore(Backend& backend) : backend_(backend) {}
    Task<std::vector<MucRoom>> rooms(const std::string& domain) override;
    Task<Unit> put(const MucRoom& room) override;
    Task<bool> remove(const std::string& room) override;

private:
    Backend& backend_;
};

class SqliteArchiveStore final : public ArchiveStore {
public:
    explicit SqliteArchiveStore(Backend& backend) : backend_(backend) {}
    Task<Unit> append(const std::string& owner, const ArchiveEntry& entry) override;
    bool append_soon(const std::string& owner, const ArchiveEntry& entry,
                     AppendFailed failed) override;
    Task<std::optional<ArchivePage>> query(const std::string& owner,
                                           const ArchiveQuery& q) override;
    Task<std::optional<std::pair<ArchiveEntry, ArchiveEntry>>> ends(
        const std::string& owner) override;
    Task<std::size_t> remove_all(const std::string& owner) override;
    Task<bool> replace_stanza(const std::string& owner, const std::string& id,
                              const std::string& stanza) override;
    Task<std::size_t> purge_before(std::int64_t cutoff_us) override;

    // Appends waiting for the pool thread; written together (one transaction)
    // by whichever of their calls runs first: a group commit, so that a busy
    // server pays one commit per batch of messages, not one per message.
    // Every other method flushes them first, so a read sees every append
    // called before it, awaited or not.
    struct PendingAppend {
        std::string owner;
        ArchiveEntry entry;
        AppendFailed failed;              // append_soon's, or empty
        bool done = false;                // pool thread only
        std::optional<std::string> error;  // pool thread only
    };
    // append_soon() refuses more than this many queued entries.
    static constexpr std::size_t kMaxPending = 16384;

private:
    void flush(Database& db);  // pool thread

    Backend& backend_;
    std::mutex pending_mu_;
    std::vector<std::shared_ptr<PendingAppend>> pending_;  // GUARDED_BY(pending_mu_)
};

class SqlitePubSubStore final : public PubSubStore {
public:
    explicit SqlitePubSubStore(Backend& backend) : backend_(backend) {}
    Task<std::optional<std::string>> node(const std::string& owner,
                                          const std::string& node) override;
    Task<std::vector<PubSubNode>> nodes(const std::string& owner) override;
    Task<bool> create(const std::string& owner, const PubSubNode& node) override;
    Task<bool> configure(const std::string& owner, const PubSubNode& node,
                         std::size_t max_items) override;
    Task<bool> remove(const std::string& owner, const std::string& node) override;
    Task<bool> publish(const std::string& owner, const std::string& node, const PubSubItem& item,
                       std::size_t max_items) override;
    Task<std::vector<PubSubItem>> items(const std::string& owner, const std::string& node,
                                        const std::vector<std::string>& ids,
                                        std::size_t max) override;
    Task<bool> retract(const std::string& owner, const std::string& node,
                       const std::string& id) override;
    Task<std::size_t> purge(const std::string& owner, const std::string& node) override;

private:
    Backend& backend_;
};

class SqliteFastTokenStore final : public FastTokenStore {
public:
    explicit SqliteFastTokenStore(Backend& backend) : backend_(backend) {}
    Task<auth::fast::TokenSlots> get(const std::string& user, const std::string& client) override;
    Task<Unit> put(const std::string& user, const std::string& client,
                   const auth::fast::TokenSlots& slots) override;

private:
    Backend& backend_;
};

// Opens the database file, applies the settings and migrations, and starts
// the pool thread. Called by open_storage() for backend "sqlite".
Result<std::unique_ptr<Storage>> open_sqlite_storage(const StorageOptions& opts);

}  // namespace parley::storage::sqlite
