#include "storage/sqlite/schema.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <iterator>
#include <string>

namespace parley::storage::sqlite {

namespace {

// 'PRLY': tells a Parley database from some other application's SQLite file.
constexpr std::int64_t kApplicationId = 0x50524C59;

struct Migration {
    int version;
    const char* sql;
};

// Append only: never edit a migration that has shipped; add a new one.
constexpr Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE accounts (
    user    TEXT PRIMARY KEY NOT NULL,       -- bare JID
    domain  TEXT,                            -- the part after '@', for list(domain)
    created INTEGER NOT NULL DEFAULT (strftime('%s', 'now'))
);
CREATE INDEX accounts_by_domain ON accounts (domain, user);

-- RFC 5802 salted keys, one row per hash; never the password.
CREATE TABLE scram_keys (
    user       TEXT NOT NULL REFERENCES accounts (user) ON DELETE CASCADE,
    hash       TEXT NOT NULL CHECK (hash IN ('SHA-1', 'SHA-256', 'SHA-512')),
    salt       BLOB NOT NULL,
    iterations INTEGER NOT NULL,
    stored_key BLOB NOT NULL,
    server_key BLOB NOT NULL,
    PRIMARY KEY (user, hash)
) WITHOUT ROWID;

-- RFC 6121 2.6: one counter per user, bumped by every roster change.
CREATE TABLE roster_versions (
    user    TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE roster_items (
    user              TEXT NOT NULL,
    contact           TEXT NOT NULL,
    name              TEXT NOT NULL DEFAULT '',
    subscription      TEXT NOT NULL DEFAULT 'none'
                      CHECK (subscription IN ('none', 'to', 'from', 'both')),
    ask               INTEGER NOT NULL DEFAULT 0,
    pending_in        INTEGER NOT NULL DEFAULT 0,
    approved          INTEGER NOT NULL DEFAULT 0,
    pending_in_stanza TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (user, contact)
) WITHOUT ROWID;

-- position keeps the client's order of groups.
CREATE TABLE roster_groups (
    user     TEXT NOT NULL,
    contact  TEXT NOT NULL,
    name     TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (user, contact, name),
    FOREIGN KEY (user, contact) REFERENCES roster_items (user, contact) ON DELETE CASCADE
) WITHOUT ROWID;

-- XEP-0160; id orders messages oldest first.
CREATE TABLE offline_messages (
    id     INTEGER PRIMARY KEY,
    user   TEXT NOT NULL,
    stanza TEXT NOT NULL,
    stored INTEGER NOT NULL DEFAULT (strftime('%s', 'now'))
);
CREATE INDEX offline_messages_by_user ON offline_messages (user, id);

CREATE TABLE keyval (
    user  TEXT NOT NULL,
    store TEXT NOT NULL,
    key   TEXT NOT NULL,
    value BLOB NOT NULL,
    PRIMARY KEY (user, store, key)
) WITHOUT ROWID;
)sql"},
    // XEP-0045 persistent rooms (MucStore): configuration, subject, affiliations.
    {2, R"sql(
CREATE TABLE muc_rooms (
    room    TEXT PRIMARY KEY NOT NULL,   -- bare JID room@service
    service TEXT NOT NULL,               -- the part after '@', for rooms(domain)
    config  TEXT NOT NULL,               -- serialised by the MUC module
    subject TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE INDEX muc_rooms_by_service ON muc_rooms (service, room);

CREATE TABLE muc_affiliations (
    room        TEXT NOT NULL REFERENCES muc_rooms (room) ON DELETE CASCADE,
    jid         TEXT NOT NULL,
    affiliation TEXT NOT NULL
                CHECK (affiliation IN ('owner', 'admin', 'member', 'outcast', 'none')),
    nick        TEXT NOT NULL DEFAULT '',
    reason      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (room, jid)
) WITHOUT ROWID;
)sql"},
    // 3: message archives (XEP-0313).
    {3, R"sql(
-- XEP-0313: one row per archived message. seq is the archive order (§3.1) and
-- is never reused (AUTOINCREMENT), id the unpredictable UID clients see; owner
-- is the archive's bare JID (a user, or a MUC room).
CREATE TABLE archive (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    owner    TEXT NOT NULL,
    id       TEXT NOT NULL,
    ts       INTEGER NOT NULL,              -- microseconds since the Unix epoch, UTC
    with_jid TEXT NOT NULL,                 -- the other party's bare JID
    with_res TEXT NOT NULL DEFAULT '',      -- and its resource (room: the nick)
    outgoing INTEGER NOT NULL DEFAULT 0,
    stanza   TEXT NOT NULL
);
CREATE UNIQUE INDEX archive_by_id ON archive (owner, id);
CREATE INDEX archive_by_owner ON archive (owner, seq);
CREATE INDEX archive_by_with ON archive (owner, with_jid, seq);
CREATE INDEX archive_by_time ON archive (owner, ts);
)sql"},
    // 4: publish-subscribe nodes and items (XEP-0060 for PEP, XEP-0163).
    {4, R"sql(
-- One row per node of an owner (a user's bare JID for PEP); config is
-- serialised by the PEP module.
CREATE TABLE pubsub_nodes (
    owner  TEXT NOT NULL,
    node   TEXT NOT NULL,
    config TEXT NOT NULL,
    PRIMARY KEY (owner, node)
) WITHOUT ROWID;

-- Items in publish order (seq); republishing an id deletes the old row and
-- appends a new one, so the newest item always has the highest seq.
CREATE TABLE pubsub_items (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    owner     TEXT NOT NULL,
    node      TEXT NOT NULL,
    id        TEXT NOT NULL,
    publisher TEXT NOT NULL DEFAULT '',
    payload   TEXT NOT NULL DEFAULT '',
    FOREIGN KEY (owner, node) REFERENCES pubsub_nodes (owner, node) ON DELETE CASCADE
);
CREATE UNIQUE INDEX pubsub_items_by_id ON pubsub_items (owner, node, id);
CREATE INDEX pubsub_items_by_node ON pubsub_items (owner, node, seq);
)sql"},
    // 5: XEP-0484 FAST tokens, two slots per account and client.
    {5, R"sql(
CREATE TABLE fast_tokens (
    user      TEXT NOT NULL,      -- bare JID
    client    TEXT NOT NULL,      -- the XEP-0388 <user-agent id/>
    slot      INTEGER NOT NULL CHECK (slot IN (0, 1)),  -- 0 current, 1 next
    token     BLOB NOT NULL,
    mechanism TEXT NOT NULL,
    expiry    INTEGER NOT NULL,   -- Unix seconds
    PRIMARY KEY (user, client, slot)
) WITHOUT ROWID;
)sql"},
};

std::int64_t pragma_int(Database& db, const char* sql) {
    std::string v = db.pragma(sql);
    return v.empty() ? 0 : std::stoll(v);
}

// Refuses files this binary must not touch. Checked before and again inside
// the write transaction (another process may have migrated meanwhile).
void check_ownership(Database& db, int version) {
    std::int64_t app = pragma_int(db, "PRAGMA application_id");
    if (app != 0 && app != kApplicationId) {
        throw DbError(fmt::format("{} is not a Parley database (application_id {:#x}); check "
                                  "storage.sqlite_path",
                                  db.path(), app),
                      0);
    }
    if (version == 0 && app == 0 &&
        pragma_int(db, "SELECT count(*) FROM sqlite_master") != 0) {
        throw DbError(fmt::format("{} is not a Parley database (it has tables but no Parley "
                                  "schema version); check storage.sqlite_path or use a new file",
                                  db.path()),
                      0);
    }
    if (version > latest_schema_version()) {
        throw DbError(fmt::format("database {} has schema version {}, newer than this Parley "
                                  "supports ({}); upgrade Parley, or restore a backup made "
                                  "before the upgrade",
                                  db.path(), version, latest_schema_version()),
                      0);
    }
}

}  // namespace

int latest_schema_version() { return std::prev(std::end(kMigrations))->version; }

int schema_version(Database& db) {
    return static_cast<int>(pragma_int(db, "PRAGMA user_version"));
}

void migrate(Database& db) {
    check_ownership(db, schema_version(db));
    for (const Migration& m : kMigrations) {
        Transaction tx(db, Transaction::Kind::write);
        int version = schema_version(db);
        check_ownership(db, version);
        if (version >= m.version) {
            continue;  // the transaction rolls back: nothing was written
        }
        db.exec(m.sql);
        // Both pragmas are part of the transaction: a failed migration leaves
        // the old version in place.
        db.exec(fmt::format("PRAGMA user_version = {}", m.version).c_str());
        db.exec(fmt::format("PRAGMA application_id = {}", kApplicationId).c_str());
        tx.commit();
    }
}

}  // namespace parley::storage::sqlite
