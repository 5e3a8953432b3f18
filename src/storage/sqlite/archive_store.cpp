// ArchiveStore on SQLite (XEP-0313): table `archive`, one row per message,
// ordered by seq. Every bound becomes a range of seq first — ids through the
// (owner, id) index, start/end through (owner, ts), which is exact because
// timestamps never go backwards within an archive (append() clamps them) —
// then one SELECT walks (owner, seq), or (owner, with_jid, seq) for a 'with'
// filter, from the right end and stops after one row more than a page. The
// statement texts are few (one per combination of filters) and cached.
#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "storage/sqlite/sqlite_stores.hpp"

namespace parley::storage::sqlite {

namespace {

constexpr const char* kColumns = "id, ts, with_jid, with_res, outgoing, stanza";

ArchiveEntry read_entry(const Query& q) {
    ArchiveEntry e;
    e.id = q.column_text(0);
    e.timestamp_us = q.column_int64(1);
    e.with = q.column_text(2);
    e.with_resource = q.column_text(3);
    e.outgoing = q.column_int64(4) != 0;
    e.stanza = q.column_text(5);
    return e;
}

// The position of archive item `id`, or nullopt when `owner` has none.
std::optional<std::int64_t> seq_of(Database& db, const std::string& owner, const std::string& id) {
    auto q = db.query("SELECT seq FROM archive WHERE owner = ?1 AND id = ?2");
    q.text(1, owner).text(2, id);
    if (!q.step()) {
        return std::nullopt;
    }
    return q.column_int64(0);
}

// The exclusive bounds on seq set by the ids of the query (an id counts
// whichever of the form field or RSM element named it: the narrower wins).
struct Bounds {
    std::int64_t lower = 0;                                     // seq > lower
    std::int64_t upper = std::numeric_limits<std::int64_t>::max();  // seq < upper
    std::vector<std::int64_t> only;                             // seq IN (...)
};

std::optional<Bounds> resolve(Database& db, const std::string& owner, const ArchiveQuery& q) {
    Bounds b;
    for (const auto* id : {&q.after_id, &q.rsm_after}) {
        if (*id) {
            auto seq = seq_of(db, owner, **id);
            if (!seq) {
                return std::nullopt;
            }
            b.lower = std::max(b.lower, *seq);
        }
    }
    for (const auto* id : {&q.before_id, &q.rsm_before}) {
        if (*id && !(*id)->empty()) {
            auto seq = seq_of(db, owner, **id);
            if (!seq) {
                return std::nullopt;
            }
            b.upper = std::min(b.upper, *seq);
        }
    }
    // Time bounds as positions: the first entry at or after start, the last
    // at or before end (timestamps are non-decreasing in seq).
    if (q.start_us) {
        auto first = db.query("SELECT seq FROM archive WHERE owner = ?1 AND ts >= ?2 "
                              "ORDER BY ts ASC, seq ASC LIMIT 1");
        first.text(1, owner).int64(2, *q.start_us);
        b.lower = std::max(b.lower, first.step() ? first.column_int64(0) - 1
                                                 : std::numeric_limits<std::int64_t>::max() - 1);
    }
    if (q.end_us) {
        auto last = db.query("SELECT seq FROM archive WHERE owner = ?1 AND ts <= ?2 "
                             "ORDER BY ts DESC, seq DESC LIMIT 1");
        last.text(1, owner).int64(2, *q.end_us);
        b.upper = std::min(b.upper, last.step() ? last.column_int64(0) + 1 : 0);
    }
    for (const auto& id : q.ids) {
        auto seq = seq_of(db, owner, id);
        if (!seq) {
            return std::nullopt;
        }
        b.only.push_back(*seq);
    }
    return b;
}

std::optional<ArchivePage> run_query(Database& db, const std::string& owner,
                                     const ArchiveQuery& q) {
    auto bounds = resolve(db, owner, q);
    if (!bounds) {
        return std::nullopt;
    }
    const bool backwards = q.rsm_before.has_value();
    // Parameters are numbered by what they are, not by position, so that
    // the binding below does not depend on which filters are present.
    std::string sql = fmt::format("SELECT {} FROM archive WHERE owner = ?1", kColumns);
    if (q.with) {
        sql += " AND with_jid = ?2";
        if (q.with_resource) {
            sql += " AND with_res = ?3";
        }
    }
    // The time filters again, as plain row checks ('+' keeps SQLite from
    // choosing the ts index for them): the bounds above already hold them.
    if (q.start_us) {
        sql += " AND +ts >= ?4";
    }
    if (q.end_us) {
        sql += " AND +ts <= ?5";
    }
    if (bounds->lower > 0) {
        sql += " AND seq > ?6";
    }
    if (bounds->upper < std::numeric_limits<std::int64_t>::max()) {
        sql += " AND seq < ?7";
    }
    if (!q.ids.empty()) {
        sql += " AND seq IN (";
        for (std::size_t i = 0; i < bounds->only.size(); ++i) {
            sql += fmt::format("{}{}", i ? "," : "", bounds->only[i]);  // integers we read
        }
        sql += ")";
    }
    sql += backwards ? " ORDER BY seq DESC LIMIT ?8" : " ORDER BY seq ASC LIMIT ?8";

    // The ids variant embeds positions: prepared once, not cached; the
    // others are a handful of texts, cached.
    auto stmt = q.ids.empty() ? db.query(sql) : db.query_once(sql);
    stmt.text(1, owner);
    if (q.with) {
        stmt.text(2, *q.with);
        if (q.with_resource) {
            stmt.text(3, *q.with_resource);
        }
    }
    if (q.start_us) {
        stmt.int64(4, *q.start_us);
    }
    if (q.end_us) {
        stmt.int64(5, *q.end_us);
    }
    if (bounds->lower > 0) {
        stmt.int64(6, bounds->lower);
    }
    if (bounds->upper < std::numeric_limits<std::int64_t>::max()) {
        stmt.int64(7, bounds->upper);
    }
    // One more than a page: whether it comes back says if the page is complete.
    stmt.int64(8, static_cast<std::int64_t>(q.max) + 1);
    ArchivePage page;
    while (stmt.step()) {
        page.items.push_back(read_entry(stmt));
    }
    page.complete = page.items.size() <= q.max;
    if (!page.complete) {
        page.items.pop_back();
    }
    if (backwards) {
        std::reverse(page.items.begin(), page.items.end());
    }
    return page;
}

}  // namespace

Task<Unit> SqliteArchiveStore::append(const std::string& owner, const ArchiveEntry& e) {
    auto mine = std::make_shared<PendingAppend>(PendingAppend{owner, e, {}, false, std::nullopt});
    {
        std::lock_guard lock(pending_mu_);
        pending_.push_back(mine);
    }
    // The closure captures a plain pointer (`mine` keeps the slot alive in
    // this frame): GCC 12 destroys a non-trivial temporary of a co_await
    // expression twice.
    PendingAppend* slot = mine.get();
    co_return co_await backend_.run<Unit>([this, slot](Database& db) {
        if (!slot->done) {
            flush(db);  // an earlier call's flush may have written it already
        }
        if (slot->error) {
            throw DbError(*slot->error, 0);
        }
        return Unit{};
    });
}

bool SqliteArchiveStore::append_soon(const std::string& owner, const ArchiveEntry& e,
                                     AppendFailed failed) {
    {
        std::lock_guard lock(pending_mu_);
        if (pending_.size() >= kMaxPending) {
            return false;
        }
        pending_.push_back(std::make_shared<PendingAppend>(
            PendingAppend{owner, e, std::move(failed), false, std::nullopt}));
    }
    backend_.post([this](Database& db) { flush(db); });
    return true;
}

void SqliteArchiveStore::flush(Database& db) {
    std::vector<std::shared_ptr<PendingAppend>> batch;
    {
        std::lock_guard lock(pending_mu_);
        batch.swap(pending_);
    }
    if (batch.empty()) {
        return;
    }
    try {
        Transaction tx(db, Transaction::Kind::write);
        for (const auto& p : batch) {
            std::int64_t ts = p->entry.timestamp_us;
            {
                // Never earlier than the newest entry (see stores.hpp).
                auto newest = db.query("SELECT max(ts) FROM archive WHERE owner = ?1");
                newest.text(1, p->owner);
                if (newest.step() && !newest.column_is_null(0)) {
                    ts = std::max(ts, newest.column_int64(0));
                }
            }
            const auto& e = p->entry;
            db.query("INSERT INTO archive (owner, id, ts, with_jid, with_res, outgoing, stanza) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
                .text(1, p->owner)
                .text(2, e.id)
                .int64(3, ts)
                .text(4, e.with)
                .text(5, e.with_resource)
                .int64(6, e.outgoing ? 1 : 0)
                .text(7, e.stanza)
                .exec();
        }
        tx.commit();
    } catch (const std::exception& err) {
        // The whole batch was rolled back: every append in it fails alike.
        for (const auto& p : batch) {
            p->error = err.what();
            if (p->failed) {
                p->failed(*p->error);
            }
        }
    }
    for (const auto& p : batch) {
        p->done = true;
    }
}

Task<std::optional<ArchivePage>> SqliteArchiveStore::query(const std::string& owner,
                                                           const ArchiveQuery& q) {
    co_return co_await backend_.run<std::optional<ArchivePage>>([&](Database& db) {
        flush(db);  // appends called before this call come first
        Transaction tx(db, Transaction::Kind::read);  // ids and rows from one snapshot
        return run_query(db, owner, q);
    });
}

Task<std::optional<std::pair<ArchiveEntry, ArchiveEntry>>> SqliteArchiveStore::ends(
    const std::string& owner) {
    using Ends = std::optional<std::pair<ArchiveEntry, ArchiveEntry>>;
    co_return co_await backend_.run<Ends>([&](Database& db) -> Ends {
        flush(db);  // appends called before this call come first
        Transaction tx(db, Transaction::Kind::read);
        auto one = [&](const char* sql) -> std::optional<ArchiveEntry> {
            auto q = db.query(sql);
            q.text(1, owner);
            if (!q.step()) {
                return std::nullopt;
            }
            ArchiveEntry e;
            e.id = q.column_text(0);
            e.timestamp_us = q.column_int64(1);
            return e;
        };
        auto first = one("SELECT id, ts FROM archive WHERE owner = ?1 ORDER BY seq ASC LIMIT 1");
        auto last = one("SELECT id, ts FROM archive WHERE owner = ?1 ORDER BY seq DESC LIMIT 1");
        if (!first || !last) {
            return std::nullopt;
        }
        return std::pair(std::move(*first), std::move(*last));
    });
}

Task<std::size_t> SqliteArchiveStore::remove_all(const std::string& owner) {
    co_return co_await backend_.run<std::size_t>([&](Database& db) {
        flush(db);  // appends called before this call come first
        return static_cast<std::size_t>(
            db.query("DELETE FROM archive WHERE owner = ?1").text(1, owner).exec());
    });
}

Task<bool> SqliteArchiveStore::replace_stanza(const std::string& owner, const std::string& id,
                                              const std::string& stanza) {
    co_return co_await backend_.run<bool>([&](Database& db) {
        flush(db);  // appends called before this call come first
        return db.query("UPDATE archive SET stanza = ?3 WHERE owner = ?1 AND id = ?2")
                   .text(1, owner)
                   .text(2, id)
                   .text(3, stanza)
                   .exec() > 0;
    });
}

Task<std::size_t> SqliteArchiveStore::purge_before(std::int64_t cutoff_us) {
    co_return co_await backend_.run<std::size_t>([&](Database& db) {
        flush(db);  // appends called before this call come first
        Transaction tx(db, Transaction::Kind::write);
        std::size_t deleted = 0;
        // Walk the owners through the (owner, seq) index, one seek each,
        // instead of scanning every row for DISTINCT.
        std::string owner;
        for (;;) {
            {
                auto next = db.query("SELECT owner FROM archive WHERE owner > ?1 "
                                     "ORDER BY owner LIMIT 1");
                next.text(1, owner);
                if (!next.step()) {
                    break;
                }
                owner = next.column_text(0);
            }
            std::optional<std::int64_t> newest_old;
            {
                auto q = db.query("SELECT max(seq) FROM archive WHERE owner = ?1 AND ts < ?2");
                q.text(1, owner).int64(2, cutoff_us);
                if (q.step() && !q.column_is_null(0)) {
                    newest_old = q.column_int64(0);
                }
            }
            if (newest_old) {
                // Everything up to the newest expired entry: no holes (§3.2).
                deleted += static_cast<std::size_t>(
                    db.query("DELETE FROM archive WHERE owner = ?1 AND seq <= ?2")
                        .text(1, owner)
                        .int64(2, *newest_old)
                        .exec());
            }
        }
        tx.commit();
        return deleted;
    });
}

}  // namespace parley::storage::sqlite
