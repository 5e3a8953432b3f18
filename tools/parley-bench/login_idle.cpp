// The login and idle scenarios: how fast the server logs clients in, and
// what an authenticated session that does nothing costs it in memory.
#include <fmt/format.h>

#include <thread>

#include "parley-bench/proc_stats.hpp"
#include "parley-bench/scenarios.hpp"
#include "parley-bench/sessions.hpp"
#include "xml/serializer.hpp"
#include "xmpp/ns.hpp"

namespace parley::bench {

namespace {

// Idle sessions expect nothing but the answers to the final XEP-0199 pings.
class PingCounter final : public StanzaHandler {
public:
    explicit PingCounter(std::size_t workers) : pongs_(workers) {}
    void on_stanza(Connection& c, const xml::Element& st) override {
        if (st.name() == "iq" && st.attr_or("id") == "ping" && st.attr_or("type") == "result") {
            pongs_[c.worker().index()].add();
        } else if (st.attr_or("type") == "error") {
            c.report(ErrorKind::stanza_error, fmt::format("<{} type='error'/>: {}", st.name(),
                                                          xml::to_string(st, {ns::client})));
        }  // anything else an idle session may get (none expected) is ignored
    }
    std::uint64_t pongs() const {
        std::uint64_t n = 0;
        for (const auto& p : pongs_) {
            n += p.get();
        }
        return n;
    }

private:
    std::vector<Counter> pongs_;
};

void set_login_stats(Report& r, const Sessions::LoginStats& st) {
    r.set("logins_per_s", st.seconds > 0 ? static_cast<double>(st.ok) / st.seconds : 0.0);
    r.set("login_p50_ms", st.latency.p50_ms);
    r.set("login_p99_ms", st.latency.p99_ms);
    r.set("login_max_ms", st.latency.max_ms);
}

}  // namespace

Readings read_processes(const Options& o) {
    Readings r;
    if (o.server_pid > 0) {
        if (auto s = sample_process(o.server_pid)) {
            r.server_ok = true;
            r.server_cpu_s = s->cpu_seconds;
            r.server_rss_kb = s->rss_kb;
        }
    }
    if (auto s = sample_process(0)) {
        r.bench_cpu_s = s->cpu_seconds;
        r.bench_rss_kb = s->rss_kb;
    }
    return r;
}

void report_cpu(Report& r, const Readings& before, const Readings& after,
                std::uint64_t deliveries, const std::string& key, double scale) {
    if (before.server_ok && after.server_ok) {
        const double cpu = after.server_cpu_s - before.server_cpu_s;
        r.set("server_cpu_s", cpu);
        r.set(key, deliveries > 0 ? cpu * scale / static_cast<double>(deliveries) : 0.0);
    }
    r.set("bench_cpu_s", after.bench_cpu_s - before.bench_cpu_s);
}

void run_login(Shared& sh, Report& r) {
    const Options& o = sh.opts;
    Pool pool(sh, o.threads);
    Sessions sessions(pool, o.first_user, o.users);
    r.set("users", o.users);
    r.set("concurrency", o.concurrency);
    auto before = read_processes(o);
    auto st = sessions.login_all(nullptr, true, o.concurrency, o.timeout, "login");
    auto after = read_processes(o);
    sessions.close_all(o.timeout);
    pool.stop();
    r.set("sent", o.users);
    r.set("delivered", st.ok);
    r.set("missing", o.users - st.ok);
    r.set("seconds", st.seconds);
    set_login_stats(r, st);
    if (before.server_ok && after.server_ok) {
        double cpu = after.server_cpu_s - before.server_cpu_s;
        r.set("server_cpu_s", cpu);
        r.set("server_cpu_ms_per_login", st.ok > 0 ? cpu * 1e3 / static_cast<double>(st.ok) : 0.0);
    }
    r.set("bench_cpu_s", after.bench_cpu_s - before.bench_cpu_s);
}

void run_idle(Shared& sh, Report& r) {
    const Options& o = sh.opts;
    Pool pool(sh, o.threads);
    Sessions sessions(pool, o.first_user, o.users);
    PingCounter pings(pool.size());
    r.set("users", o.users);
    auto before = read_processes(o);
    auto st = sessions.login_all(&pings, false, o.concurrency, o.timeout, "idle");
    set_login_stats(r, st);
    progress(o, fmt::format("idle: holding {} sessions for {} s", st.ok, o.duration));
    std::this_thread::sleep_for(std::chrono::duration<double>(o.duration));
    auto after = read_processes(o);

    // XEP-0199: every session pings the server; an answer proves it is alive.
    auto ping = xml::Element::make("iq", std::string(ns::client));
    ping->set_attr("type", "get");
    ping->set_attr("id", "ping");
    ping->set_attr("to", o.domain);
    ping->add("ping", std::string(ns::ping));
    const std::string ping_bytes = xml::to_string(*ping, {ns::client});
    std::vector<std::size_t> sent(pool.size());
    pool.run_on_each([&](Worker& w) {
        Worker::Batch batch(w);
        for (Connection* c : sessions.on_worker(w.index())) {
            if (c->logged_in() && !c->finished()) {
                c->send(ping_bytes);
                ++sent[w.index()];
            }
        }
    });
    std::uint64_t pinged = 0;
    for (auto n : sent) {
        pinged += n;
    }
    wait_until([&] { return pings.pongs() >= pinged; }, o.drain_timeout);
    const std::uint64_t alive = pings.pongs();
    sessions.close_all(o.timeout);
    pool.stop();

    r.set("sessions", st.ok);
    r.set("sent", o.users);
    r.set("delivered", alive);
    r.set("missing", o.users - std::min<std::uint64_t>(alive, o.users));
    r.set("hold_s", o.duration);
    if (before.server_ok && after.server_ok) {
        r.set("server_rss_before_kb", before.server_rss_kb);
        r.set("server_rss_after_kb", after.server_rss_kb);
        r.set("server_rss_per_session_kb",
              st.ok > 0 ? (static_cast<double>(after.server_rss_kb) -
                           static_cast<double>(before.server_rss_kb)) /
                              static_cast<double>(st.ok)
                        : 0.0);
    }
    r.set("bench_rss_per_session_kb",
          st.ok > 0 ? (static_cast<double>(after.bench_rss_kb) -
                       static_cast<double>(before.bench_rss_kb)) /
                          static_cast<double>(st.ok)
                    : 0.0);
}

}  // namespace parley::bench
