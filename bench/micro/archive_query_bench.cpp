// MAM query cost on a large archive (XEP-0313 through ArchiveStore, SQLite):
// one user with 1,000,000 archived messages (100 contacts, one message a
// second), then the queries clients make — the latest page, the latest page
// with one contact, a page after an id in the middle, a time window, a few
// ids — timed with Google Benchmark through the real store API (so each
// figure includes the hop to the storage thread and back).
//
// The archive is built once at PARLEY_BENCH_ARCHIVE (default
// /tmp/parley-bench-archive.sqlite) and reused while it holds the expected
// rows; delete the file to rebuild. See docs/BENCHMARKS.md for figures.
#include <benchmark/benchmark.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>

#include "storage/sqlite/database.hpp"
#include "storage/stores.hpp"
#include "unit/storage/run_sync.hpp"

namespace {

namespace asio = boost::asio;
using namespace parley::storage;

constexpr const char* kOwner = "alice@example.org";
constexpr std::int64_t kMessages = 1'000'000;
constexpr int kContacts = 100;
constexpr std::int64_t kStartUs = 1'600'000'000LL * 1'000'000;  // 2020-09-13

std::string path() {
    const char* p = std::getenv("PARLEY_BENCH_ARCHIVE");
    return p ? p : "/tmp/parley-bench-archive.sqlite";
}

std::string id_of(std::int64_t n) {
    // Unpredictable-looking but reproducible ids, 16 characters like the server's.
    std::mt19937_64 rng(static_cast<std::uint64_t>(n) * 0x9E3779B97F4A7C15ULL);
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string id(16, ' ');
    std::uint64_t v = rng();
    for (auto& c : id) {
        c = kAlphabet[v & 63];
        v = (v >> 6) | (rng() << 58);
    }
    return id;
}

std::string contact(std::int64_t n) { return "contact" + std::to_string(n % kContacts) + "@example.org"; }

template <class T>
T await(asio::io_context& io, Task<T> task) {
    auto r = parley::storage::test::run_sync(io, std::move(task));
    if (!r) {
        throw std::runtime_error("store call failed: " + r.error().message);
    }
    return std::move(r).value();
}

// Bulk-loads the archive in one transaction (far faster than a million
// append() calls; the rows are the same).
void build(const std::string& file) {
    namespace sq = parley::storage::sqlite;
    auto db = sq::Database::open(file, sq::OpenOptions{});
    auto count = db->query("SELECT count(*) FROM archive WHERE owner = ?1");
    count.text(1, kOwner);
    count.step();
    const std::int64_t have = count.column_int64(0);
    if (have == kMessages) {
        return;
    }
    if (have != 0) {
        throw std::runtime_error(file + " has a partial archive; delete it");
    }
    sq::Transaction tx(*db, sq::Transaction::Kind::write);
    for (std::int64_t n = 0; n < kMessages; ++n) {
        const bool out = n % 3 == 0;
        const std::string with = contact(n);
        const std::string stanza =
            "<message xmlns='jabber:client' type='chat' id='m" + std::to_string(n) + "' from='" +
            (out ? std::string(kOwner) + "/phone" : with + "/desk") + "' to='" +
            (out ? with : std::string(kOwner)) +
            "'><body>Message number " + std::to_string(n) +
            ": a line of ordinary chat, about as long as most.</body>"
            "<origin-id xmlns='urn:xmpp:sid:0' id='o" + std::to_string(n) + "'/></message>";
        db->query("INSERT INTO archive (owner, id, ts, with_jid, with_res, outgoing, stanza) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
            .text(1, kOwner)
            .text(2, id_of(n))
            .int64(3, kStartUs + n * 1'000'000)
            .text(4, with)
            .text(5, out ? "" : "desk")
            .int64(6, out ? 1 : 0)
            .text(7, stanza)
            .exec();
    }
    tx.commit();
}

struct Fixture {
    Fixture() {
        StorageOptions opts;
        opts.sqlite_path = path();
        auto s = open_storage(opts);  // creates and migrates
        if (!s) {
            throw std::runtime_error(s.error().message);
        }
        storage = std::move(s).value();
        build(opts.sqlite_path);
    }
    asio::io_context io;
    std::unique_ptr<Storage> storage;
};

Fixture& fixture() {
    static Fixture f;
    return f;
}

void run_query(benchmark::State& state, const ArchiveQuery& q, std::size_t expect) {
    auto& f = fixture();
    for (auto _ : state) {
        auto page = await(f.io, f.storage->archive().query(kOwner, q));
        if (!page || page->items.size() != expect) {
            state.SkipWithError("unexpected page");
            break;
        }
        benchmark::DoNotOptimize(page);
    }
}

void BM_LatestPage50(benchmark::State& state) {
    ArchiveQuery q;
    q.rsm_before = "";
    run_query(state, q, 50);
}

void BM_LatestPage50WithContact(benchmark::State& state) {
    ArchiveQuery q;
    q.with = contact(7);
    q.rsm_before = "";
    run_query(state, q, 50);
}

void BM_PageAfterMiddleId(benchmark::State& state) {
    ArchiveQuery q;
    q.rsm_after = id_of(kMessages / 2);
    run_query(state, q, 50);
}

void BM_PageAfterMiddleIdWithContact(benchmark::State& state) {
    ArchiveQuery q;
    q.with = contact(7);
    q.rsm_after = id_of(kMessages / 2 + 7);
    run_query(state, q, 50);
}

void BM_PageBeforeMiddleId(benchmark::State& state) {
    ArchiveQuery q;
    q.rsm_before = id_of(kMessages / 2);
    run_query(state, q, 50);
}

void BM_TimeWindowFromMiddle(benchmark::State& state) {
    ArchiveQuery q;
    q.start_us = kStartUs + kMessages / 2 * 1'000'000;
    run_query(state, q, 50);
}

void BM_TenIds(benchmark::State& state) {
    ArchiveQuery q;
    for (int i = 0; i < 10; ++i) {
        q.ids.push_back(id_of(i * 99'991));
    }
    run_query(state, q, 10);
}

void BM_Append(benchmark::State& state) {
    auto& f = fixture();
    std::int64_t n = 0;
    for (auto _ : state) {
        ArchiveEntry e;
        e.id = "bench-" + std::to_string(n++) + "-" + std::to_string(state.thread_index());
        e.timestamp_us = kStartUs;
        e.with = contact(n);
        e.stanza = "<message xmlns='jabber:client'><body>appended</body></message>";
        await(f.io, f.storage->archive().append("bench-append@example.org", e));
    }
    // Keep the 1M-message archive as it was.
    await(f.io, f.storage->archive().remove_all("bench-append@example.org"));
}

// 64 appends in flight at once, as on a busy server: they share commits.
void BM_AppendBurst64(benchmark::State& state) {
    auto& f = fixture();
    std::int64_t n = 0;
    for (auto _ : state) {
        int left = 64;
        for (int i = 0; i < 64; ++i) {
            ArchiveEntry e;
            e.id = "burst-" + std::to_string(n++);
            e.timestamp_us = kStartUs;
            e.with = contact(n);
            e.stanza = "<message xmlns='jabber:client'><body>appended</body></message>";
            asio::co_spawn(
                f.io,
                [](Storage& s, ArchiveEntry e, int& left) -> asio::awaitable<void> {
                    const std::string owner = "bench-append@example.org";
                    auto r = co_await s.archive().append(owner, e);
                    if (!r) {
                        throw std::runtime_error(r.error().message);
                    }
                    --left;
                }(*f.storage, std::move(e), left),
                asio::detached);
        }
        f.io.restart();
        f.io.run();
        if (left != 0) {
            state.SkipWithError("appends did not finish");
            break;
        }
    }
    state.SetItemsProcessed(state.iterations() * 64);
    await(f.io, f.storage->archive().remove_all("bench-append@example.org"));
}

BENCHMARK(BM_LatestPage50)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_LatestPage50WithContact)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_PageAfterMiddleId)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_PageAfterMiddleIdWithContact)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_PageBeforeMiddleId)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_TimeWindowFromMiddle)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_TenIds)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Append)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_AppendBurst64)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
