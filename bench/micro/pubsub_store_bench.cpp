// PEP storage cost (XEP-0163 / XEP-0060 through PubSubStore, SQLite): what a
// publish costs on the nodes clients use — an OMEMO device list or avatar
// (max_items 1: the item is replaced), a bookmarks-style node at its cap of
// 1000 (every publish also drops the oldest) — and the reads that follow: the
// newest item (what a contact's client fetches, and the last item sent on
// presence) and one item by id. Timed with Google Benchmark through the real
// store API, so each figure includes the hop to the storage thread and back.
// A fresh database under /tmp (PARLEY_BENCH_PUBSUB to put it elsewhere).
#include <benchmark/benchmark.h>

#include <boost/asio/io_context.hpp>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "storage/stores.hpp"
#include "unit/storage/run_sync.hpp"

namespace {

namespace asio = boost::asio;
using namespace parley::storage;

constexpr const char* kOwner = "alice@example.org";
constexpr std::size_t kCap = 1000;

std::string path() {
    const char* p = std::getenv("PARLEY_BENCH_PUBSUB");
    return p ? p : "/tmp/parley-bench-pubsub.sqlite";
}

template <class T>
T await(asio::io_context& io, Task<T> task) {
    auto r = parley::storage::test::run_sync(io, std::move(task));
    if (!r) {
        throw std::runtime_error("store call failed: " + r.error().message);
    }
    return std::move(r).value();
}

// An OMEMO 2 bundle is ~1-2 KB of base64; this one is about 1.2 KB.
std::string bundle(std::size_t n) {
    return "<bundle xmlns='urn:xmpp:omemo:2'><spk id='1'>" + std::string(600, 'A') +
           "</spk><ik>" + std::string(500, 'B') + "</ik><n>" + std::to_string(n) + "</n></bundle>";
}

struct Fixture {
    Fixture() {
        std::filesystem::remove(path());
        std::filesystem::remove(path() + "-wal");
        std::filesystem::remove(path() + "-shm");
        StorageOptions opts;
        opts.sqlite_path = path();
        auto s = open_storage(opts);
        if (!s) {
            throw std::runtime_error(s.error().message);
        }
        storage = std::move(s).value();
        await(io, storage->pubsub().create(kOwner, {"single", ""}));
        await(io, storage->pubsub().create(kOwner, {"capped", ""}));
        for (std::size_t i = 0; i < kCap; ++i) {
            PubSubItem item{std::to_string(i), "alice@example.org/phone", bundle(i)};
            await(io, storage->pubsub().publish(kOwner, "capped", item, kCap));
        }
    }
    asio::io_context io;
    std::unique_ptr<Storage> storage;
    std::size_t next = kCap;
};

Fixture& fixture() {
    static Fixture f;
    return f;
}

void BM_PublishReplaceMaxItems1(benchmark::State& state) {
    auto& f = fixture();
    for (auto _ : state) {
        PubSubItem item{"current", "alice@example.org/phone", bundle(f.next++)};
        benchmark::DoNotOptimize(await(f.io, f.storage->pubsub().publish(kOwner, "single", item, 1)));
    }
}
BENCHMARK(BM_PublishReplaceMaxItems1)->UseRealTime();

void BM_PublishAtCap1000(benchmark::State& state) {
    auto& f = fixture();
    for (auto _ : state) {
        PubSubItem item{std::to_string(f.next), "alice@example.org/phone", bundle(f.next)};
        ++f.next;
        benchmark::DoNotOptimize(
            await(f.io, f.storage->pubsub().publish(kOwner, "capped", item, kCap)));
    }
}
BENCHMARK(BM_PublishAtCap1000)->UseRealTime();

void BM_NewestItemOf1000(benchmark::State& state) {
    auto& f = fixture();
    const std::vector<std::string> none;
    for (auto _ : state) {
        auto items = await(f.io, f.storage->pubsub().items(kOwner, "capped", none, 1));
        if (items.size() != 1) {
            state.SkipWithError("no newest item");
            break;
        }
        benchmark::DoNotOptimize(items);
    }
}
BENCHMARK(BM_NewestItemOf1000)->UseRealTime();

void BM_AllItemsOf1000(benchmark::State& state) {
    auto& f = fixture();
    const std::vector<std::string> none;
    for (auto _ : state) {
        auto items = await(f.io, f.storage->pubsub().items(kOwner, "capped", none, 0));
        benchmark::DoNotOptimize(items);
    }
}
BENCHMARK(BM_AllItemsOf1000)->UseRealTime();

void BM_ItemByIdOf1000(benchmark::State& state) {
    auto& f = fixture();
    for (auto _ : state) {
        const std::vector<std::string> ids{std::to_string(f.next - 10)};
        auto items = await(f.io, f.storage->pubsub().items(kOwner, "capped", ids, 0));
        if (items.size() != 1) {
            state.SkipWithError("item not found");
            break;
        }
        benchmark::DoNotOptimize(items);
    }
}
BENCHMARK(BM_ItemByIdOf1000)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
