// Backend: the one SQLite connection and the BlockingPool thread it is used on,
// shared by the SQLite stores. run() is how a store method reaches the
// database: the function runs on the pool thread (so no network thread blocks
// on SQLite) and the caller resumes on its own executor with a StoreResult.
//
// One pool thread and one connection: SQLite serializes writers anyway, and a
// single thread makes the connection's statement cache safe without locks.
// Owned by SqliteStorage; run() may be awaited from any executor.
#pragma once

#include <fmt/format.h>

#include <cassert>
#include <exception>
#include <memory>
#include <utility>

#include "storage/blocking_pool.hpp"
#include "storage/sqlite/database.hpp"
#include "storage/stores.hpp"

namespace parley::storage::sqlite {

class Backend {
public:
    explicit Backend(std::unique_ptr<Database> db) : db_(std::move(db)) {}

    // Runs f(Database&) -> T on the pool thread. A DbError thrown by f (or by
    // anything it calls) becomes the result's Error; nothing is thrown to the
    // caller.
    template <class T, class F>
    Task<T> run(F f) {
        co_return co_await pool_.run([this, &f]() -> StoreResult<T> {
            // Every driver call happens here, on the pool (STYLE.md b.5).
            assert(pool_.on_pool_thread());
            try {
                return StoreResult<T>(f(*db_));
            } catch (const DbError& e) {
                return fail(std::string(e.what()));
            } catch (const std::exception& e) {
                return fail(fmt::format("database {}: {}", db_->path(), e.what()));
            }
        });
    }

    // Runs f(Database&) on the pool thread without waiting; f handles its own
    // errors (a DbError escaping it is dropped).
    template <class F>
    void post(F f) {
        pool_.post([this, f = std::move(f)]() mutable {
            try {
                f(*db_);
            } catch (const std::exception&) {
            }
        });
    }

    const std::string& path() const { return db_->path(); }

private:
    // Declared before pool_ so that the pool (and the calls queued on it)
    // finishes before the connection closes.
    std::unique_ptr<Database> db_;
    BlockingPool pool_{1};
};

}  // namespace parley::storage::sqlite
