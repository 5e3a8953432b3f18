// A small RAII wrapper over one sqlite3 connection: open with Parley's
// settings (WAL, synchronous=NORMAL, foreign keys, busy timeout), prepared
// statements cached per connection, and transactions that roll back unless
// committed. Failures throw DbError, whose message names the database and says
// what to do; the stores turn it into an Error before it leaves the pool
// thread, so no exception crosses a coroutine.
//
// Not thread-safe: a Database is used by one thread at a time (the storage's
// single BlockingPool thread after open). Private to src/storage/sqlite/.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

struct sqlite3;
struct sqlite3_stmt;

namespace parley::storage::sqlite {

class DbError : public std::runtime_error {
public:
    DbError(const std::string& message, int code) : std::runtime_error(message), code_(code) {}
    int code() const { return code_; }  // SQLite's (extended) result code, or 0

private:
    int code_;
};

class Database;

// One use of a cached prepared statement: bind, step, read columns. Resetting
// happens on destruction, so a statement never keeps a read transaction open.
// Parameter and column indexes are 1-based for bind, 0-based for columns
// (as in the SQLite C API).
class Query {
public:
    // `owned`: the statement is this Query's alone and is finalized with it
    // (Database::query_once); otherwise it is the cache's and only reset.
    Query(Database& db, sqlite3_stmt* stmt, bool owned = false)
        : db_(&db), stmt_(stmt), owned_(owned) {}
    ~Query();
    Query(Query&& other) noexcept : db_(other.db_), stmt_(other.stmt_), owned_(other.owned_) {
        other.stmt_ = nullptr;
    }
    Query(const Query&) = delete;
    Query& operator=(const Query&) = delete;
    Query& operator=(Query&&) = delete;

    Query& text(int index, std::string_view value);
    Query& blob(int index, std::string_view bytes);
    Query& int64(int index, std::int64_t value);
    Query& null(int index);

    // True when a row is ready, false when the statement is done.
    bool step();
    // Runs a statement that returns no rows; returns the number of rows changed.
    int exec();

    std::string column_text(int col) const;
    std::string column_blob(int col) const;
    std::int64_t column_int64(int col) const;
    bool column_is_null(int col) const;

private:
    void check_bind(int rc, int index);

    Database* db_;
    sqlite3_stmt* stmt_;
    bool owned_ = false;
};

struct OpenOptions {
    int busy_timeout_ms = 5000;
};

class Database {
public:
    // Opens (creating if missing) the database file and applies the settings.
    // The directory must exist. ":memory:" opens a private in-memory database.
    static std::unique_ptr<Database> open(const std::string& path, const OpenOptions& options);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    // A use of the statement for `sql`, prepared on first use and cached for
    // the connection's lifetime. `sql` must be a single statement.
    Query query(std::string_view sql);
    // A use of `sql` prepared for this use only and not cached: for statement
    // texts that vary without bound (e.g. an IN list of varying length).
    Query query_once(std::string_view sql);
    // Runs one or more statements without caching (DDL, PRAGMA, BEGIN).
    void exec(const char* sql);
    // Runs a PRAGMA (or any query) that returns one value.
    std::string pragma(const char* sql);

    const std::string& path() const { return path_; }
    int busy_timeout_ms() const { return busy_timeout_ms_; }

    // Throws a DbError for `rc`, with the connection's message, the database
    // path, what was being done and a hint about what to do.
    [[noreturn]] void fail(int rc, std::string_view doing) const;

private:
    Database(sqlite3* db, std::string path, int busy_timeout_ms)
        : db_(db), path_(std::move(path)), busy_timeout_ms_(busy_timeout_ms) {}

    sqlite3* db_;
    std::string path_;
    int busy_timeout_ms_;
    struct SqlHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view sql) const {
            return std::hash<std::string_view>()(sql);
        }
    };
    using StmtPtr = std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)>;
    std::unordered_map<std::string, StmtPtr, SqlHash, std::equal_to<>> cache_;
};

// BEGIN on construction, ROLLBACK on destruction unless commit() ran.
// Writers use immediate transactions: the write lock is taken up front (waiting
// up to busy_timeout), so a read-then-write never fails half-way with BUSY.
class Transaction {
public:
    enum class Kind { read, write };
    Transaction(Database& db, Kind kind);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    void commit();

private:
    Database& db_;
    bool open_ = true;
};

}  // namespace parley::storage::sqlite
