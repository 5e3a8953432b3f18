// SQLite-specific behaviour the conformance suites cannot see: the file's
// settings and schema version, migrations, and the errors a user gets for a
// wrong path, a foreign or newer file, and a lock held by another process.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <set>

#include "storage/sqlite/schema.hpp"
#include "unit/storage/storage_fixture.hpp"

namespace parley::storage::test {
namespace {

// A raw connection, playing "another process" (e.g. the sqlite3 shell).
class RawDb {
public:
    explicit RawDb(const std::string& path) {
        if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) {
            throw std::runtime_error("raw open failed");
        }
    }
    ~RawDb() { sqlite3_close(db_); }
    void exec(const std::string& sql) {
        char* err = nullptr;
        if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
            std::string msg = err ? err : "?";
            sqlite3_free(err);
            throw std::runtime_error(sql + ": " + msg);
        }
    }
    std::string value(const std::string& sql) {
        std::string out;
        char* err = nullptr;
        auto cb = [](void* o, int, char** v, char**) {
            *static_cast<std::string*>(o) = v[0] ? v[0] : "";
            return 0;
        };
        if (sqlite3_exec(db_, sql.c_str(), cb, &out, &err) != SQLITE_OK) {
            std::string msg = err ? err : "?";
            sqlite3_free(err);
            throw std::runtime_error(sql + ": " + msg);
        }
        return out;
    }

private:
    sqlite3* db_ = nullptr;
};

class SqliteBackendTest : public ::testing::Test {
protected:
    StorageOptions options() const {
        StorageOptions opts;
        opts.backend = "sqlite";
        opts.sqlite_path = path();
        return opts;
    }
    std::string path() const { return (dir_.path() / "parley.sqlite").string(); }

    // Opens and closes the storage once, creating an up-to-date database.
    void create_database() {
        auto r = open_storage(options());
        ASSERT_TRUE(r.ok()) << r.error().message;
    }

    std::string open_error(const StorageOptions& opts) {
        auto r = open_storage(opts);
        if (r.ok()) {
            ADD_FAILURE() << "open_storage succeeded";
            return "";
        }
        return r.error().message;
    }

    boost::asio::io_context ioc_;
    TempDir dir_;
};

TEST_F(SqliteBackendTest, NewDatabase_HasSchemaWalModeAndApplicationId) {
    create_database();
    RawDb raw(path());
    EXPECT_EQ(raw.value("PRAGMA user_version"), std::to_string(sqlite::latest_schema_version()));
    EXPECT_EQ(raw.value("PRAGMA journal_mode"), "wal");  // persistent in the file
    EXPECT_EQ(raw.value("PRAGMA application_id"), std::to_string(0x50524C59));
    std::set<std::string> tables;
    for (const char* t : {"accounts", "scram_keys", "roster_versions", "roster_items",
                          "roster_groups", "offline_messages", "keyval"}) {
        EXPECT_EQ(raw.value(std::string("SELECT count(*) FROM sqlite_master WHERE type = "
                                        "'table' AND name = '") +
                            t + "'"),
                  "1")
            << t;
    }
}

TEST_F(SqliteBackendTest, Reopen_MigratesNothingTwice) {
    create_database();
    create_database();
    RawDb raw(path());
    EXPECT_EQ(raw.value("PRAGMA user_version"), std::to_string(sqlite::latest_schema_version()));
}

TEST_F(SqliteBackendTest, Migrations2And3_AddMucRoomsAndTheArchiveToAVersion1Database) {
    create_database();
    {
        // What a database made before MUC rooms and the archive existed looks like.
        RawDb raw(path());
        raw.exec("DROP TABLE muc_affiliations");
        raw.exec("DROP TABLE muc_rooms");
        raw.exec("DROP TABLE archive");
        raw.exec("DELETE FROM sqlite_sequence WHERE name = 'archive'");
        raw.exec("DROP TABLE pubsub_items");
        raw.exec("DROP TABLE pubsub_nodes");
        raw.exec("DELETE FROM sqlite_sequence WHERE name = 'pubsub_items'");
        raw.exec("DROP TABLE fast_tokens");
        raw.exec("PRAGMA user_version = 1");
    }
    create_database();
    RawDb raw(path());
    EXPECT_EQ(raw.value("PRAGMA user_version"), std::to_string(sqlite::latest_schema_version()));
    EXPECT_EQ(raw.value("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND "
                        "tbl_name = 'archive' AND name LIKE 'archive_by_%'"),
              "4");
    EXPECT_EQ(raw.value("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                        "name IN ('muc_rooms', 'muc_affiliations')"),
              "2");
    // Migration 4: PEP nodes and items.
    EXPECT_EQ(raw.value("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                        "name IN ('pubsub_nodes', 'pubsub_items')"),
              "2");
    // Migration 5: XEP-0484 FAST tokens.
    EXPECT_EQ(raw.value("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                        "name = 'fast_tokens'"),
              "1");
}

TEST_F(SqliteBackendTest, MissingDirectory_SaysWhatToDo) {
    StorageOptions opts = options();
    opts.sqlite_path = (dir_.path() / "no" / "such" / "parley.sqlite").string();
    EXPECT_EQ(open_error(opts), "cannot open database " + opts.sqlite_path +
                                    ": unable to open database file (does the directory exist "
                                    "and is it writable?)");
}

TEST_F(SqliteBackendTest, EmptyPath_SaysWhatToSet) {
    StorageOptions opts = options();
    opts.sqlite_path.clear();
    EXPECT_NE(open_error(opts).find("storage.sqlite_path is empty"), std::string::npos);
}

TEST_F(SqliteBackendTest, NewerSchema_IsRefusedWithAdvice) {
    create_database();
    int newer = sqlite::latest_schema_version() + 1;
    RawDb(path()).exec("PRAGMA user_version = " + std::to_string(newer));
    std::string msg = open_error(options());
    EXPECT_NE(msg.find(path()), std::string::npos) << msg;
    EXPECT_NE(msg.find("schema version " + std::to_string(newer) + ", newer than this Parley "
                       "supports (" +
                       std::to_string(sqlite::latest_schema_version()) + ")"),
              std::string::npos)
        << msg;
    EXPECT_NE(msg.find("upgrade Parley"), std::string::npos) << msg;
}

TEST_F(SqliteBackendTest, OtherApplicationsDatabase_IsRefused) {
    RawDb(path()).exec("CREATE TABLE photos (id INTEGER PRIMARY KEY)");
    std::string msg = open_error(options());
    EXPECT_NE(msg.find("is not a Parley database"), std::string::npos) << msg;
    // ... and was left alone.
    EXPECT_EQ(RawDb(path()).value("SELECT count(*) FROM sqlite_master"), "1");
}

TEST_F(SqliteBackendTest, ForeignApplicationId_IsRefused) {
    RawDb(path()).exec("PRAGMA application_id = 42");
    std::string msg = open_error(options());
    EXPECT_NE(msg.find("is not a Parley database (application_id 0x2a)"), std::string::npos)
        << msg;
}

TEST_F(SqliteBackendTest, NotAnSqliteFile_IsRefused) {
    std::ofstream(path()) << "[server]\nthis is a config file, not a database, but quite long "
                             "enough to have a header of one hundred bytes or more, which "
                             "SQLite checks when it first reads the file.\n";
    std::string msg = open_error(options());
    EXPECT_NE(msg.find("is not an SQLite database"), std::string::npos) << msg;
    EXPECT_NE(msg.find("storage.sqlite_path"), std::string::npos) << msg;
}

TEST_F(SqliteBackendTest, WriteLockHeldByAnotherProcess_FailsWithHelpfulErrorThenRecovers) {
    StorageOptions opts = options();
    opts.sqlite_busy_timeout_ms = 50;
    auto storage = open_storage(opts);
    ASSERT_TRUE(storage.ok()) << storage.error().message;

    RawDb other(path());
    other.exec("BEGIN IMMEDIATE");
    other.exec("INSERT INTO keyval (user, store, key, value) VALUES ('x', 'y', 'z', 'v')");
    auto r = run_sync(ioc_, (*storage)->accounts().create("alice@example.org",
                                                          fake_credentials(1)));
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("database " + path() + " is locked by another process"),
              std::string::npos)
        << r.error().message;
    // Reads still work in WAL mode while the other writer holds its lock.
    auto exists = run_sync(ioc_, (*storage)->accounts().exists("alice@example.org"));
    ASSERT_TRUE(exists.ok()) << exists.error().message;
    EXPECT_FALSE(*exists);

    other.exec("COMMIT");
    auto again = run_sync(ioc_, (*storage)->accounts().create("alice@example.org",
                                                              fake_credentials(1)));
    ASSERT_TRUE(again.ok()) << again.error().message;
    EXPECT_TRUE(*again);
    EXPECT_EQ(run_sync(ioc_, (*storage)->keyval().get("x", "y", "z")).value(), "v");
}

TEST_F(SqliteBackendTest, ExclusiveLockHeldByAnotherProcess_OpenFailsWithHelpfulError) {
    create_database();
    RawDb other(path());
    other.exec("PRAGMA locking_mode = EXCLUSIVE");
    other.exec("BEGIN EXCLUSIVE");
    other.exec("INSERT INTO keyval (user, store, key, value) VALUES ('x', 'y', 'z', 'v')");
    StorageOptions opts = options();
    opts.sqlite_busy_timeout_ms = 50;
    std::string msg = open_error(opts);
    EXPECT_NE(msg.find("is locked by another process"), std::string::npos) << msg;
}

TEST_F(SqliteBackendTest, MemoryDatabase_Works) {
    StorageOptions opts = options();
    opts.sqlite_path = ":memory:";
    auto storage = open_storage(opts);
    ASSERT_TRUE(storage.ok()) << storage.error().message;
    auto created = run_sync(ioc_, (*storage)->accounts().create("a@b", fake_credentials(1)));
    ASSERT_TRUE(created.ok()) << created.error().message;
    EXPECT_TRUE(*created);
}

}  // namespace
}  // namespace parley::storage::test
