// The scenarios (docs/BENCHMARKS.md). Each runs against the server described
// by `shared.opts` on its own Pool of worker threads and fills `report` with
// what it measured, always including sent, delivered and missing; the
// errors are in shared.errors. Called from main on the controller thread.
#pragma once

#include "parley-bench/report.hpp"
#include "parley-bench/worker.hpp"

namespace parley::bench {

void run_login(Shared& shared, Report& report);
void run_idle(Shared& shared, Report& report);
void run_throughput(Shared& shared, Report& report);
void run_latency(Shared& shared, Report& report);
void run_presence(Shared& shared, Report& report);
void run_muc(Shared& shared, Report& report);

// CPU seconds and RSS of the server (--server-pid) and of the bench itself.
struct Readings {
    bool server_ok = false;
    double server_cpu_s = 0;
    std::uint64_t server_rss_kb = 0;
    double bench_cpu_s = 0;
    std::uint64_t bench_rss_kb = 0;
};
Readings read_processes(const Options& o);
// Sets server_cpu_s (when both readings have the server) with `key` = its CPU
// seconds per delivery times `scale` (e.g. 1e5: per 100,000), and bench_cpu_s.
void report_cpu(Report& r, const Readings& before, const Readings& after,
                std::uint64_t deliveries, const std::string& key, double scale);

}  // namespace parley::bench
