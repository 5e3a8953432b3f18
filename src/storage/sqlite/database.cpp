#include "storage/sqlite/database.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <utility>

namespace parley::storage::sqlite {

namespace {

// Says what went wrong and what to do about it, for the errors a user can fix.
std::string describe(int rc, std::string_view errmsg, const std::string& path,
                     std::string_view doing, int busy_timeout_ms) {
    switch (rc & 0xff) {
    case SQLITE_CANTOPEN:
        if (std::error_code ec; std::filesystem::is_directory(path, ec)) {
            return fmt::format("cannot open database {}: it is a directory (set "
                               "storage.sqlite_path to a file inside it)",
                               path);
        }
        return fmt::format("cannot open database {}: {} (does the directory exist and is it "
                           "writable?)",
                           path, errmsg);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return fmt::format("database {} is locked by another process (gave up after {} ms while "
                           "{}); if another parleyd or parleyctl is holding it, retry later or "
                           "stop that process",
                           path, busy_timeout_ms, doing);
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
        return fmt::format("cannot write database {}: {} while {} (are the file and its "
                           "directory writable by this user? SQLite also creates {}-wal and "
                           "{}-shm next to it)",
                           path, errmsg, doing, path, path);
    case SQLITE_NOTADB:
        return fmt::format("{} is not an SQLite database ({}); check storage.sqlite_path", path,
                           errmsg);
    case SQLITE_CORRUPT:
        return fmt::format("database {} is corrupt ({} while {}); restore it from a backup", path,
                           errmsg, doing);
    case SQLITE_FULL:
        return fmt::format("database {}: disk full while {}; free some space and retry", path,
                           doing);
    case SQLITE_IOERR:
        return fmt::format("database {}: I/O error while {} ({}); check the disk and the file's "
                           "permissions",
                           path, doing, errmsg);
    case SQLITE_NOMEM:
        return fmt::format("database {}: out of memory while {}", path, doing);
    default:
        return fmt::format("database {}: {} while {}", path, errmsg, doing);
    }
}

std::string_view first_line(std::string_view sql) {
    while (!sql.empty() && (sql.front() == ' ' || sql.front() == '\n')) {
        sql.remove_prefix(1);
    }
    return sql.substr(0, std::min(sql.find('\n'), std::size_t{60}));
}

}  // namespace

// --- Query -----------------------------------------------------------------

Query::~Query() {
    if (stmt_ != nullptr && owned_) {
        sqlite3_finalize(stmt_);
    } else if (stmt_ != nullptr) {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }
}

void Query::check_bind(int rc, int index) {
    if (rc != SQLITE_OK) {
        db_->fail(rc, fmt::format("binding parameter {} of '{}'", index,
                                  first_line(sqlite3_sql(stmt_))));
    }
}

Query& Query::text(int index, std::string_view value) {
    check_bind(sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT,
                                   SQLITE_UTF8),
               index);
    return *this;
}

Query& Query::blob(int index, std::string_view bytes) {
    // A zero-length blob must still be a blob, not NULL: pass a non-null pointer.
    const char* data = bytes.empty() ? "" : bytes.data();
    check_bind(sqlite3_bind_blob64(stmt_, index, data, bytes.size(), SQLITE_TRANSIENT), index);
    return *this;
}

Query& Query::int64(int index, std::int64_t value) {
    check_bind(sqlite3_bind_int64(stmt_, index, value), index);
    return *this;
}

Query& Query::null(int index) {
    check_bind(sqlite3_bind_null(stmt_, index), index);
    return *this;
}

bool Query::step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) {
        return true;
    }
    if (rc == SQLITE_DONE) {
        return false;
    }
    db_->fail(rc, fmt::format("running '{}'", first_line(sqlite3_sql(stmt_))));
}

int Query::exec() {
    while (step()) {
    }
    return sqlite3_changes(sqlite3_db_handle(stmt_));
}

std::string Query::column_text(int col) const {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    int n = sqlite3_column_bytes(stmt_, col);
    return p == nullptr ? std::string() : std::string(p, static_cast<std::size_t>(n));
}

std::string Query::column_blob(int col) const {
    auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
    int n = sqlite3_column_bytes(stmt_, col);
    return p == nullptr ? std::string() : std::string(p, static_cast<std::size_t>(n));
}

std::int64_t Query::column_int64(int col) const { return sqlite3_column_int64(stmt_, col); }

bool Query::column_is_null(int col) const {
    return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}

// --- Database --------------------------------------------------------------

std::unique_ptr<Database> Database::open(const std::string& path, const OpenOptions& options) {
    sqlite3* raw = nullptr;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
#ifdef SQLITE_OPEN_EXRESCODE
    flags |= SQLITE_OPEN_EXRESCODE;
#endif
    int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
    if (raw == nullptr) {
        throw DbError(fmt::format("cannot open database {}: out of memory", path), rc);
    }
    // The handle exists even when opening failed; the Database closes it.
    std::unique_ptr<Database> db(new Database(raw, path, options.busy_timeout_ms));
    if (rc != SQLITE_OK) {
        db->fail(rc, "opening it");
    }
    sqlite3_extended_result_codes(raw, 1);
    // Waiting for locks lets parleyctl write while parleyd runs (and back).
    sqlite3_busy_timeout(raw, options.busy_timeout_ms);

    std::string mode = db->pragma("PRAGMA journal_mode=WAL");
    if (mode != "wal" && mode != "memory") {
        throw DbError(fmt::format("database {}: cannot switch to WAL mode (journal_mode is '{}'); "
                                  "put the file on a local file system",
                                  path, mode),
                      0);
    }
    // In WAL mode NORMAL is durable across application crashes; only a power
    // loss can undo the last commits, never corrupt the file.
    db->exec("PRAGMA synchronous=NORMAL");
    db->exec("PRAGMA foreign_keys=ON");
    return db;
}

Database::~Database() {
    cache_.clear();  // finalize every statement before closing
    sqlite3_close_v2(db_);
}

Query Database::query(std::string_view sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
        sqlite3_stmt* stmt = nullptr;
        int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
        if (rc != SQLITE_OK) {
            fail(rc, fmt::format("preparing '{}'", first_line(sql)));
        }
        it = cache_.emplace(std::string(sql), StmtPtr(stmt, &sqlite3_finalize)).first;
    }
    if (sqlite3_stmt_busy(it->second.get()) != 0) {
        // Two live uses of one cached statement would reset each other.
        throw DbError(fmt::format("internal error: statement '{}' is already in use",
                                  first_line(sql)),
                      SQLITE_MISUSE);
    }
    return Query(*this, it->second.get());
}

Query Database::query_once(std::string_view sql) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), 0, &stmt, nullptr);
    if (rc != SQLITE_OK) {
        fail(rc, fmt::format("preparing '{}'", first_line(sql)));
    }
    return Query(*this, stmt, /*owned=*/true);
}

void Database::exec(const char* sql) {
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) {
        fail(rc, fmt::format("running '{}'", first_line(sql)));
    }
}

std::string Database::pragma(const char* sql) {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql, -1, &raw, nullptr);
    StmtPtr stmt(raw, &sqlite3_finalize);
    if (rc != SQLITE_OK) {
        fail(rc, fmt::format("preparing '{}'", sql));
    }
    rc = sqlite3_step(raw);
    if (rc == SQLITE_ROW) {
        auto* p = reinterpret_cast<const char*>(sqlite3_column_text(raw, 0));
        return p == nullptr ? std::string() : std::string(p);
    }
    if (rc == SQLITE_DONE) {
        return std::string();
    }
    fail(rc, fmt::format("running '{}'", sql));
}

void Database::fail(int rc, std::string_view doing) const {
    // sqlite3_errmsg describes the connection's latest failure; when that is
    // not `rc` (e.g. a bind error), fall back to the generic text for rc.
    std::string_view errmsg = sqlite3_errstr(rc);
    if (db_ != nullptr && (sqlite3_extended_errcode(db_) & 0xff) == (rc & 0xff)) {
        errmsg = sqlite3_errmsg(db_);
    }
    throw DbError(describe(rc, errmsg, path_, doing, busy_timeout_ms_), rc);
}

// --- Transaction -----------------------------------------------------------

Transaction::Transaction(Database& db, Kind kind) : db_(db) {
    db_.exec(kind == Kind::write ? "BEGIN IMMEDIATE" : "BEGIN");
}

Transaction::~Transaction() {
    if (open_) {
        try {
            db_.exec("ROLLBACK");
        } catch (const DbError&) {
            // SQLite may already have rolled back (e.g. after SQLITE_FULL);
            // nothing more to undo.
        }
    }
}

void Transaction::commit() {
    db_.exec("COMMIT");
    open_ = false;
}

}  // namespace parley::storage::sqlite
