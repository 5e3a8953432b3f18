// The SQLite wrapper (src/storage/sqlite/database.hpp): cached statements,
// bindings, transactions.

#include "storage/sqlite/database.hpp"

#include <gtest/gtest.h>

namespace parley::storage::sqlite {
namespace {

class DatabaseTest : public ::testing::Test {
protected:
    void SetUp() override {
        db_ = Database::open(":memory:", OpenOptions{});
        db_->exec("CREATE TABLE t (k TEXT PRIMARY KEY, v BLOB, n INTEGER)");
    }
    std::size_t rows() {
        auto q = db_->query("SELECT count(*) FROM t");
        q.step();
        return static_cast<std::size_t>(q.column_int64(0));
    }
    std::unique_ptr<Database> db_;
};

TEST_F(DatabaseTest, Query_CachedStatementIsReusable) {
    for (int i = 0; i < 3; ++i) {
        auto changed = db_->query("INSERT INTO t (k, v, n) VALUES (?1, ?2, ?3)")
                           .text(1, "k" + std::to_string(i))
                           .blob(2, std::string("\0x", 2))
                           .int64(3, i)
                           .exec();
        EXPECT_EQ(changed, 1);
    }
    EXPECT_EQ(rows(), 3u);
    auto q = db_->query("SELECT v, n FROM t WHERE k = ?1");
    q.text(1, "k2");
    ASSERT_TRUE(q.step());
    EXPECT_EQ(q.column_blob(0), std::string("\0x", 2));
    EXPECT_EQ(q.column_int64(1), 2);
    EXPECT_FALSE(q.step());
}

TEST_F(DatabaseTest, Query_UnfinishedSelectIsResetWhenTheQueryEnds) {
    db_->exec("INSERT INTO t (k) VALUES ('a'), ('b')");
    {
        auto q = db_->query("SELECT k FROM t ORDER BY k");
        ASSERT_TRUE(q.step());  // one row read, one left
    }
    auto q = db_->query("SELECT k FROM t ORDER BY k");
    ASSERT_TRUE(q.step());
    EXPECT_EQ(q.column_text(0), "a");
}

TEST_F(DatabaseTest, Query_SameStatementTwiceAtOnceIsAnError) {
    db_->exec("INSERT INTO t (k) VALUES ('a'), ('b')");
    auto outer = db_->query("SELECT k FROM t");
    ASSERT_TRUE(outer.step());
    EXPECT_THROW(db_->query("SELECT k FROM t"), DbError);
}

TEST_F(DatabaseTest, Query_NullAndEmptyBlobDiffer) {
    db_->query("INSERT INTO t (k, v) VALUES ('null', ?1)").null(1).exec();
    db_->query("INSERT INTO t (k, v) VALUES ('empty', ?1)").blob(1, "").exec();
    auto q = db_->query("SELECT v IS NULL FROM t ORDER BY k");
    ASSERT_TRUE(q.step());
    EXPECT_EQ(q.column_int64(0), 0);  // 'empty'
    ASSERT_TRUE(q.step());
    EXPECT_EQ(q.column_int64(0), 1);  // 'null'
}

TEST_F(DatabaseTest, Prepare_BadSqlNamesTheStatementAndDatabase) {
    try {
        db_->query("SELEKT nonsense");
        FAIL() << "no error";
    } catch (const DbError& e) {
        std::string msg = e.what();
        EXPECT_NE(msg.find(":memory:"), std::string::npos) << msg;
        EXPECT_NE(msg.find("SELEKT nonsense"), std::string::npos) << msg;
    }
}

TEST_F(DatabaseTest, Transaction_RollsBackUnlessCommitted) {
    {
        Transaction tx(*db_, Transaction::Kind::write);
        db_->exec("INSERT INTO t (k) VALUES ('a')");
    }
    EXPECT_EQ(rows(), 0u);
    {
        Transaction tx(*db_, Transaction::Kind::write);
        db_->exec("INSERT INTO t (k) VALUES ('a')");
        tx.commit();
    }
    EXPECT_EQ(rows(), 1u);
}

TEST_F(DatabaseTest, Constraint_ErrorIsThrown) {
    db_->exec("INSERT INTO t (k) VALUES ('a')");
    EXPECT_THROW(db_->query("INSERT INTO t (k) VALUES ('a')").exec(), DbError);
    // The failed statement was reset and can run again.
    EXPECT_EQ(db_->query("INSERT INTO t (k) VALUES ('b')").exec(), 1);
}

}  // namespace
}  // namespace parley::storage::sqlite
