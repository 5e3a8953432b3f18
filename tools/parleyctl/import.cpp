// parleyctl import (see import.hpp). Fast because it derives the SCRAM keys
// once per distinct password (PBKDF2 is the expensive part: three key sets of
// 4096 iterations each) and writes in large transactions through the bulk
// store methods (AccountStore::create_many, RosterStore::put_many).
#include "parleyctl/import.hpp"

#include <fmt/format.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <thread>

#include "auth/credentials.hpp"
#include "xmpp/jid.hpp"

namespace parley::ctl {

namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

// Accounts per roster transaction: large enough to amortize the commit,
// small enough to keep memory flat and not to hold SQLite's write lock for
// long while parleyd runs.
constexpr std::size_t kRosterUsersPerBatch = 500;

[[noreturn]] void die(const std::string& msg) {
    fmt::print(stderr, "parleyctl import: {}\n", msg);
    std::exit(1);
}

template <class T>
T run_task(asio::awaitable<storage::StoreResult<T>> task) {
    asio::io_context io;
    std::optional<storage::StoreResult<T>> result;
    asio::co_spawn(
        io, [&]() -> asio::awaitable<void> { result.emplace(co_await std::move(task)); },
        asio::detached);
    io.run();
    if (!*result) {
        die(result->error().message);
    }
    return std::move(result->value());
}

double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Normalizes and checks one account address; "" and a reason when it is not
// an account of this server.
std::pair<std::string, std::string> normalize_account(const Config& cfg, const std::string& arg) {
    auto j = xmpp::Jid::parse(arg);
    if (!j) {
        return {"", j.error().reason};
    }
    if (j->local().empty() || !j->is_bare()) {
        return {"", "not an account address like alice@" + cfg.hosts.front()};
    }
    if (std::find(cfg.hosts.begin(), cfg.hosts.end(), j->domain()) == cfg.hosts.end()) {
        return {"", fmt::format("'{}' is not a host of this server (hosts: {})", j->domain(),
                                fmt::join(cfg.hosts, ", "))};
    }
    return {j->bare_str(), ""};
}

std::vector<ImportAccount> read_csv(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        die(fmt::format("cannot read {}", path));
    }
    std::vector<ImportAccount> out;
    std::string line;
    std::size_t lineno = 0;
    while (std::getline(in, line)) {
        ++lineno;
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        if (line.empty() || line.front() == '#') {
            continue;
        }
        // The JID cannot contain a comma here; the password may (split at the first).
        auto comma = line.find(',');
        if (comma == std::string::npos || comma == 0 || comma + 1 == line.size()) {
            die(fmt::format("{}:{}: expected 'jid,password'", path, lineno));
        }
        out.push_back({line.substr(0, comma), line.substr(comma + 1)});
    }
    return out;
}

// Derives credentials for each distinct password, on every core.
std::map<std::string, auth::Credentials> derive_all(const std::vector<ImportAccount>& accounts) {
    std::map<std::string, auth::Credentials> creds;
    for (const auto& a : accounts) {
        creds.emplace(a.password, auth::Credentials{});
    }
    std::vector<std::pair<const std::string, auth::Credentials>*> todo;
    for (auto& entry : creds) {
        todo.push_back(&entry);
    }
    std::atomic<std::size_t> next{0};
    std::atomic<bool> bad{false};
    auto work = [&] {
        for (std::size_t i = next++; i < todo.size(); i = next++) {
            auto c = auth::derive_credentials(todo[i]->first);
            if (!c) {
                bad = true;
                continue;
            }
            todo[i]->second = std::move(*c);
        }
    };
    std::size_t threads = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1,
                                                  std::max<std::size_t>(todo.size(), 1));
    std::vector<std::thread> pool;
    for (std::size_t t = 1; t < threads; ++t) {
        pool.emplace_back(work);
    }
    work();
    for (auto& t : pool) {
        t.join();
    }
    if (bad) {
        die("a password is empty or contains characters that are not allowed (RFC 8265 "
            "OpaqueString)");
    }
    return creds;
}

}  // namespace

std::pair<std::vector<std::string>, std::string> expand_pattern(const std::string& pattern,
                                                                std::size_t start,
                                                                std::size_t count) {
    auto pos = pattern.find("%d");
    if (pos == std::string::npos) {
        return {{}, "the pattern needs a %d where the number goes, e.g. 'bench%d@localhost'"};
    }
    if (pattern.find('%', pos + 2) != std::string::npos ||
        pattern.substr(0, pos).find('%') != std::string::npos) {
        return {{}, "the pattern may contain '%' only once, as %d"};
    }
    std::vector<std::string> out;
    out.reserve(count);
    std::string head = pattern.substr(0, pos), tail = pattern.substr(pos + 2);
    for (std::size_t i = 0; i < count; ++i) {
        out.push_back(head + std::to_string(start + i) + tail);
    }
    return {std::move(out), ""};
}

std::vector<std::size_t> ring_contacts(std::size_t i, std::size_t n, std::size_t ring) {
    std::vector<std::size_t> out;
    if (n < 2) {
        return out;
    }
    std::size_t half = std::min(ring / 2, n / 2);  // beyond n/2 the ring wraps onto itself
    for (std::size_t k = 1; k <= half; ++k) {
        for (std::size_t c : {(i + k) % n, (i + n - k % n) % n}) {
            if (c != i && std::find(out.begin(), out.end(), c) == out.end()) {
                out.push_back(c);
            }
        }
    }
    return out;
}

void run_import(const Config& cfg, storage::Storage& storage, const ImportOptions& opts) {
    auto t0 = Clock::now();
    std::vector<ImportAccount> accounts;
    if (!opts.csv.empty()) {
        accounts = read_csv(opts.csv);
    } else {
        if (opts.password.empty()) {
            die("--password is required with --pattern");
        }
        auto [names, err] = expand_pattern(opts.pattern, opts.start, opts.count);
        if (!err.empty()) {
            die(err);
        }
        for (auto& n : names) {
            accounts.push_back({std::move(n), opts.password});
        }
    }
    if (accounts.empty()) {
        die("nothing to import");
    }
    if (opts.roster_ring % 2 != 0) {
        die(fmt::format("--roster-ring {} must be even: each user gets the R/2 accounts before "
                        "and the R/2 after it",
                        opts.roster_ring));
    }
    for (std::size_t i = 0; i < accounts.size(); ++i) {
        auto [bare, why] = normalize_account(cfg, accounts[i].jid);
        if (bare.empty()) {
            die(fmt::format("account {} ('{}'): {}", i + 1, accounts[i].jid, why));
        }
        accounts[i].jid = std::move(bare);
    }

    auto creds = derive_all(accounts);
    double derive_s = seconds_since(t0);
    auto t1 = Clock::now();
    std::size_t created = 0;
    {
        std::vector<std::pair<std::string, auth::Credentials>> list;
        list.reserve(accounts.size());
        for (const auto& a : accounts) {
            list.emplace_back(a.jid, creds.at(a.password));
        }
        created = run_task(storage.accounts().create_many(list));
    }
    fmt::print("created {} accounts ({} existed already) in {:.2f} s ({} distinct password{} "
                "derived in {:.2f} s)\n",
                created, accounts.size() - created, seconds_since(t1) + derive_s, creds.size(),
                creds.size() == 1 ? "" : "s", derive_s);

    if (opts.roster_ring > 0) {
        auto t2 = Clock::now();
        std::size_t items = 0;
        std::vector<std::pair<std::string, storage::RosterItem>> batch;
        for (std::size_t i = 0; i < accounts.size(); ++i) {
            for (std::size_t c : ring_contacts(i, accounts.size(), opts.roster_ring)) {
                storage::RosterItem item;
                item.jid = accounts[c].jid;
                item.subscription = storage::Subscription::both;
                batch.emplace_back(accounts[i].jid, std::move(item));
            }
            if ((i + 1) % kRosterUsersPerBatch == 0 || i + 1 == accounts.size()) {
                items += run_task(storage.roster().put_many(batch));
                batch.clear();
            }
        }
        fmt::print("roster ring {}: {} items with subscription both in {:.2f} s\n",
                   opts.roster_ring, items, seconds_since(t2));
    }
    fmt::print("import done in {:.2f} s\n", seconds_since(t0));
}

}  // namespace parley::ctl
