// The throughput and latency scenarios: pairs of sessions sending each other
// ~100-byte chat messages (RFC 6121 §5) to the full JID. Every message
// carries a per-direction sequence number and its send time in the body, so
// the receiver counts deliveries exactly (SeqTracker: missing and duplicated
// messages) and measures the end-to-end latency.
//
//  throughput: closed loop, each direction keeps --window messages in flight;
//              a delivery lets the sender send the next one.
//  latency:    open loop at a fixed total --rate; the latency is measured
//              from the time a message was due, so a server that stalls
//              cannot hide its stall by slowing the sender down.
#include <boost/asio/steady_timer.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <thread>

#include "parley-bench/scenarios.hpp"
#include "parley-bench/sessions.hpp"
#include "xml/serializer.hpp"
#include "xmpp/ns.hpp"

namespace parley::bench {

namespace {

namespace asio = boost::asio;

// One direction of a pair: `from` sends to `to`.
struct Direction {
    Connection* from = nullptr;
    Connection* to = nullptr;
    std::string prefix;  // "<message to='...' type='chat'><body>"
    std::uint64_t sent = 0;
    std::uint64_t in_flight = 0;
    SeqTracker tracker;
};

// One worker's directions and results; touched only on that worker, except
// the counters.
struct Lane {
    std::vector<Direction*> dirs;
    Counter sent, delivered, duplicates;
    std::vector<std::int64_t> latencies_ns;
    std::string scratch;
    bool sending = false;
    // latency: the open-loop schedule
    std::unique_ptr<asio::steady_timer> timer;
    double rate = 0;  // messages per second on this lane
    std::int64_t start_ns = 0;
    std::uint64_t due_total = 0;  // messages this lane sends in the whole run
    std::uint64_t scheduled = 0;
    std::size_t next_dir = 0;
    bool done_sending = false;
};

class Messaging final : public StanzaHandler {
public:
    Messaging(Shared& sh, Pool& pool, Sessions& sessions, bool latency)
        : sh_(sh), pool_(pool), sessions_(sessions), latency_(latency), lanes_(pool.size()) {}

    // After every session logged in: the directions, on their workers.
    void setup() {
        const std::size_t pairs = sessions_.size() / 2;
        dirs_.resize(pairs * 2);
        pool_.run_on_each([&](Worker& w) {
            for (std::size_t k = 0; k < pairs; ++k) {
                Connection& a = sessions_[2 * k];
                Connection& b = sessions_[2 * k + 1];
                if (&a.worker() != &w) {
                    continue;
                }
                a.slot = static_cast<std::uint32_t>(2 * k + 1);  // a receives b -> a
                b.slot = static_cast<std::uint32_t>(2 * k);
                init(dirs_[2 * k], a, b);
                init(dirs_[2 * k + 1], b, a);
                lanes_[w.index()].dirs.push_back(&dirs_[2 * k]);
                lanes_[w.index()].dirs.push_back(&dirs_[2 * k + 1]);
            }
        });
    }

    void on_stanza(Connection& c, const xml::Element& st) override {
        Lane& lane = lanes_[c.worker().index()];
        const auto type = st.attr_or("type");
        if (st.name() != "message") {
            if (type == "error") {
                c.report(ErrorKind::stanza_error, xml::to_string(st, {ns::client}));
            }
            return;  // presence from roster contacts and the like: not ours to count
        }
        if (type == "error") {
            c.report(ErrorKind::stanza_error,
                     "a message came back as an error: " + xml::to_string(st, {ns::client}));
            return;
        }
        Direction& d = dirs_[c.slot];
        const auto from = st.attr_or("from");
        if (from != d.from->jid()) {
            c.report(ErrorKind::protocol,
                     fmt::format("a message from '{}'; only {} sends to this session", from,
                                 d.from->jid()));
            return;
        }
        const auto* body = st.child("body", ns::client);
        auto fields = body ? decode_body(body->text()) : std::nullopt;
        if (!fields || fields->seq >= d.sent) {
            c.report(ErrorKind::protocol, "a message whose body is not one the bench sent");
            return;
        }
        if (d.tracker.record(fields->seq) == SeqTracker::Outcome::duplicate) {
            lane.duplicates.add();
            c.report(ErrorKind::duplicate,
                     fmt::format("message {} from {} arrived twice", fields->seq, from));
            return;
        }
        lane.delivered.add();
        if (latency_) {
            lane.latencies_ns.push_back(sh_.now_ns() - fields->time_ns);
        } else {
            --d.in_flight;
            if (lane.sending) {
                send_one(lane, d, sh_.now_ns());
            }
        }
    }

    // throughput: every direction fills its window.
    void start_closed_loop(std::size_t window) {
        pool_.run_on_each([&](Worker& w) {
            Lane& lane = lanes_[w.index()];
            lane.sending = true;
            Worker::Batch batch(w);
            const auto now = sh_.now_ns();
            for (Direction* d : lane.dirs) {
                for (std::size_t i = 0; i < window; ++i) {
                    send_one(lane, *d, now);
                }
            }
        });
    }

    // latency: each lane sends its share of `rate` for `duration` seconds.
    void start_open_loop(double rate, double duration) {
        const double total_dirs = static_cast<double>(dirs_.size());
        pool_.run_on_each([&](Worker& w) {
            Lane& lane = lanes_[w.index()];
            if (lane.dirs.empty()) {
                lane.done_sending = true;
                return;
            }
            lane.rate = rate * static_cast<double>(lane.dirs.size()) / total_dirs;
            lane.due_total = static_cast<std::uint64_t>(std::llround(lane.rate * duration));
            lane.latencies_ns.reserve(lane.due_total + 16);
            lane.start_ns = sh_.now_ns();
            lane.timer = std::make_unique<asio::steady_timer>(w.io());
            lane.sending = true;
            tick(w, lane);
        });
    }

    void stop_sending() {
        pool_.run_on_each([&](Worker& w) { lanes_[w.index()].sending = false; });
    }
    bool open_loop_done() {
        std::vector<char> done(lanes_.size());
        pool_.run_on_each([&](Worker& w) { done[w.index()] = lanes_[w.index()].done_sending; });
        return std::all_of(done.begin(), done.end(), [](char d) { return d != 0; });
    }

    std::uint64_t sent() const { return sum(&Lane::sent); }
    std::uint64_t delivered() const { return sum(&Lane::delivered); }
    std::uint64_t duplicates() const { return sum(&Lane::duplicates); }

    // After the drain: the missing messages (the first few directions with
    // some are named on stderr), and every latency sample.
    std::uint64_t collect(std::vector<std::int64_t>& latencies) {
        struct Part {
            std::uint64_t missing = 0;
            std::vector<std::string> lines;
            std::vector<std::int64_t> latencies;
        };
        std::vector<Part> parts(lanes_.size());
        pool_.run_on_each([&](Worker& w) {
            Lane& lane = lanes_[w.index()];
            Part& part = parts[w.index()];
            if (lane.timer) {
                lane.timer->cancel();
            }
            part.latencies = std::move(lane.latencies_ns);
            lane.latencies_ns.clear();
            for (Direction* d : lane.dirs) {
                auto m = d->tracker.missing(d->sent);
                part.missing += m;
                if (m > 0 && part.lines.size() < 5) {
                    part.lines.push_back(
                        fmt::format("{} of {} messages from {} to {} never arrived (first: {})",
                                    m, d->sent, d->from->jid(), d->to->jid(),
                                    fmt::join(d->tracker.first_missing(d->sent, 5), ", ")));
                }
            }
        });
        std::uint64_t missing = 0;
        for (std::size_t i = 0; i < lanes_.size(); ++i) {
            missing += parts[i].missing;
            for (const auto& line : parts[i].lines) {
                fmt::print(stderr, "parley-bench: missing: {}\n", line);
            }
            latencies.insert(latencies.end(), parts[i].latencies.begin(),
                             parts[i].latencies.end());
        }
        return missing;
    }

private:
    void init(Direction& d, Connection& from, Connection& to) {
        d.from = &from;
        d.to = &to;
        d.prefix = "<message to='";
        xml::escape_attr(to.jid(), d.prefix);
        d.prefix += "' type='chat'><body>";
    }

    void send_one(Lane& lane, Direction& d, std::int64_t time_ns) {
        lane.scratch.assign(d.prefix);
        encode_body(lane.scratch, d.sent, time_ns, sh_.opts.body_size);
        lane.scratch += "</body></message>";
        d.from->send(lane.scratch);
        ++d.sent;
        ++d.in_flight;
        lane.sent.add();
    }

    // Sends every message that is due, then sleeps until the next one is.
    void tick(Worker& w, Lane& lane) {
        if (!lane.sending) {
            lane.done_sending = true;
            return;
        }
        const double ns_per_msg = 1e9 / lane.rate;
        const auto now = sh_.now_ns();
        auto due = static_cast<std::uint64_t>(static_cast<double>(now - lane.start_ns) /
                                              ns_per_msg) + 1;
        due = std::min(due, lane.due_total);
        {
            Worker::Batch batch(w);
            while (lane.scheduled < due) {
                Direction& d = *lane.dirs[lane.next_dir++ % lane.dirs.size()];
                auto when = lane.start_ns +
                            static_cast<std::int64_t>(static_cast<double>(lane.scheduled) *
                                                      ns_per_msg);
                send_one(lane, d, when);
                ++lane.scheduled;
            }
        }
        if (lane.scheduled >= lane.due_total) {
            lane.done_sending = true;
            return;
        }
        auto next = lane.start_ns +
                    static_cast<std::int64_t>(static_cast<double>(lane.scheduled) * ns_per_msg);
        lane.timer->expires_at(sh_.epoch + std::chrono::nanoseconds(next));
        lane.timer->async_wait([this, &w, &lane](boost::system::error_code ec) {
            if (!ec) {
                tick(w, lane);
            } else {
                lane.done_sending = true;
            }
        });
    }

    std::uint64_t sum(Counter Lane::*c) const {
        std::uint64_t n = 0;
        for (const auto& l : lanes_) {
            n += (l.*c).get();
        }
        return n;
    }

    Shared& sh_;
    Pool& pool_;
    Sessions& sessions_;
    bool latency_;
    std::vector<Direction> dirs_;
    std::vector<Lane> lanes_;
};

// Both scenarios: log the pairs in, run, drain, count.
void run_messaging(Shared& sh, Report& r, bool latency) {
    const Options& o = sh.opts;
    const char* name = latency ? "latency" : "throughput";
    Pool pool(sh, o.threads);
    Sessions sessions(pool, o.first_user, o.pairs * 2, 2);
    Messaging m(sh, pool, sessions, latency);
    r.set("pairs", o.pairs);
    if (latency) {
        r.set("rate", o.rate);
    } else {
        r.set("window", o.window);
    }
    r.set("duration_s", o.duration);
    r.set("body_bytes", o.body_size);
    auto st = sessions.login_all(&m, false, o.concurrency, o.timeout, name);
    if (st.failed > 0) {
        progress(o, fmt::format("{}: {} sessions failed to log in; not sending", name, st.failed));
        sessions.close_all(o.timeout);
        pool.stop();
        r.set("sent", 0);
        r.set("delivered", 0);
        r.set("missing", 0);
        return;
    }
    m.setup();

    auto before = read_processes(o);
    const auto d0 = m.delivered();
    const auto t0 = Clock::now();
    if (latency) {
        m.start_open_loop(o.rate, o.duration);
    } else {
        m.start_closed_loop(o.window);
    }
    const auto end = t0 + std::chrono::duration_cast<Clock::duration>(
                              std::chrono::duration<double>(o.duration));
    while (Clock::now() < end) {
        std::this_thread::sleep_for(std::min<Clock::duration>(end - Clock::now(),
                                                              std::chrono::seconds(2)));
        progress(o, fmt::format("{}: {} sent, {} delivered", name, m.sent(), m.delivered()));
    }
    auto after = read_processes(o);
    const auto d1 = m.delivered();
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    if (latency) {
        // The schedule may lag a little behind the wall clock; let it finish.
        wait_until([&] { return m.open_loop_done(); }, o.drain_timeout);
    }
    m.stop_sending();
    wait_until([&] { return m.delivered() >= m.sent(); }, o.drain_timeout);
    std::vector<std::int64_t> latencies;
    const auto missing = m.collect(latencies);
    sessions.close_all(o.timeout);
    pool.stop();

    r.set("sent", m.sent());
    r.set("delivered", m.delivered());
    r.set("missing", missing);
    r.set("duplicates", m.duplicates());
    const auto window_delivered = d1 - d0;
    r.set("messages_per_s", static_cast<double>(window_delivered) / seconds);
    if (latency) {
        r.set("offered_per_s", static_cast<double>(m.sent()) / o.duration);
        auto s = summarize(latencies);
        r.set("latency_p50_ms", s.p50_ms);
        r.set("latency_p99_ms", s.p99_ms);
        r.set("latency_p999_ms", s.p999_ms);
        r.set("latency_max_ms", s.max_ms);
        r.set("latency_mean_ms", s.mean_ms);
    }
    report_cpu(r, before, after, window_delivered, "server_cpu_s_per_100k", 1e5);
}

}  // namespace

void run_throughput(Shared& sh, Report& r) { run_messaging(sh, r, false); }
void run_latency(Shared& sh, Report& r) { run_messaging(sh, r, true); }

}  // namespace parley::bench
