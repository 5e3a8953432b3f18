// The large room: N sessions enter one XEP-0045 room, then one occupant sends
// M groupchat messages, one at a time, and the bench measures how long each
// takes to reach all N occupants (the sender's own echo included, §7.4) and
// the server CPU per delivered stanza.
//
// Set-up, before anything is measured: session 0 creates the room (§10.1.1)
// and configures it (§10.1.3) with maxusers above N and presence broadcast
// for moderators only, so that N joins cost O(N) presence rather than the
// O(N²) of every occupant seeing every other (what is measured is the
// message fan-out, not the join storm); then everyone else enters, asking
// for no history (§7.2.14 maxstanzas='0'). The server's MUC limits must
// allow it: [modules.muc] max_occupants >= N and messages_per_minute = 0 (or
// high enough for M); docs/BENCHMARKS.md has the configuration.
//
// A message counts when an occupant receives it from the sender's occupant
// JID with its sequence number; the time to all is from the send to the
// last occupant's receipt, and every occupant's receipt is a latency sample.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "parley-bench/scenarios.hpp"
#include "parley-bench/sessions.hpp"
#include "xml/serializer.hpp"
#include "xmpp/ns.hpp"

namespace parley::bench {

namespace {

constexpr std::string_view kMucNs = "http://jabber.org/protocol/muc";
constexpr std::string_view kMucUserNs = "http://jabber.org/protocol/muc#user";
constexpr std::string_view kMucOwnerNs = "http://jabber.org/protocol/muc#owner";

class LargeRoom final : public StanzaHandler {
public:
    LargeRoom(Shared& sh, std::size_t workers, std::size_t messages)
        : sh_(sh), lanes_(workers), last_ns_(messages), received_(messages) {
        room_ = fmt::format("{}@{}", sh.opts.room, sh.opts.muc_domain.empty()
                                                     ? "conference." + sh.opts.domain
                                                     : sh.opts.muc_domain);
        for (auto& l : last_ns_) {
            l.store(0);
        }
        for (auto& r : received_) {
            r.store(0);
        }
    }

    const std::string& room() const { return room_; }

    void on_stanza(Connection& c, const xml::Element& st) override {
        Lane& lane = lanes_[c.worker().index()];
        const auto type = st.attr_or("type");
        if (type == "error") {
            c.report(ErrorKind::stanza_error, xml::to_string(st, {ns::client}));
            return;
        }
        if (st.name() == "presence") {
            const auto* x = st.child("x", kMucUserNs);
            if (x == nullptr || type == "unavailable") {
                return;
            }
            for (const auto* s : x->children("status", kMucUserNs)) {
                if (s->attr_or("code") == "110") {
                    joined_.fetch_add(1);  // §7.2.2 self-presence: in the room
                }
            }
            return;
        }
        if (st.name() == "iq") {
            if (st.attr_or("id") == "config" && type == "result") {
                configured_.store(true);
            }
            return;
        }
        if (type != "groupchat") {
            return;
        }
        const auto* body = st.child("body", ns::client);
        if (body == nullptr) {
            return;  // the subject (§7.2.15) and the like
        }
        if (st.attr_or("from") != sender_) {
            c.report(ErrorKind::protocol,
                     fmt::format("a groupchat message from '{}'", st.attr_or("from")));
            return;
        }
        auto fields = decode_body(body->text());
        if (!fields || fields->seq >= received_.size()) {
            c.report(ErrorKind::protocol, "a message whose body is not one the bench sent");
            return;
        }
        const auto now = sh_.now_ns();
        lane.latencies_ns.push_back(now - fields->time_ns);
        lane.delivered.add();
        received_[fields->seq].fetch_add(1);
        auto& last = last_ns_[fields->seq];
        auto seen = last.load();
        while (seen < now && !last.compare_exchange_weak(seen, now)) {
        }
    }

    // Session 0 creates the room and submits its configuration.
    void create(Pool& pool, Sessions& s, std::size_t occupants) {
        sender_ = room_ + "/" + nick(s[0]);
        on_owner(pool, s, [&](Connection& c) {
            c.send(join_presence(c));
        });
        wait_until([&] { return joined_.load() >= 1; }, sh_.opts.timeout);
        auto iq = xml::Element::make("iq", std::string(ns::client));
        iq->set_attr("type", "set");
        iq->set_attr("id", "config");
        iq->set_attr("to", room_);
        auto& x = iq->add("query", std::string(kMucOwnerNs)).add("x", std::string(ns::data_forms));
        x.set_attr("type", "submit");
        auto field = [&](std::string var, std::string value) {
            auto& f = x.add("field", std::string(ns::data_forms));
            f.set_attr("var", std::move(var));
            f.add_text_child("value", std::string(ns::data_forms), std::move(value));
        };
        field("FORM_TYPE", "http://jabber.org/protocol/muc#roomconfig");
        field("muc#roomconfig_maxusers", std::to_string(occupants + 1));
        field("muc#roomconfig_presencebroadcast", "moderator");
        field("muc#maxhistoryfetch", "0");
        const std::string text = xml::to_string(*iq, {ns::client});
        on_owner(pool, s, [&](Connection& c) { c.send(text); });
        wait_until([&] { return configured_.load(); }, sh_.opts.timeout);
    }

    // Everyone else enters.
    void join_all(Pool& pool, Sessions& s) {
        pool.run_on_each([&](Worker& w) {
            Worker::Batch batch(w);
            for (Connection* c : s.on_worker(w.index())) {
                if (c->number() != s[0].number() && c->logged_in() && !c->finished()) {
                    c->send(join_presence(*c));
                }
            }
        });
    }

    // Sends message `seq` from session 0; returns the send time.
    std::int64_t send(Pool& pool, Sessions& s, std::uint64_t seq) {
        std::int64_t t = 0;
        on_owner(pool, s, [&](Connection& c) {
            std::string m = "<message to='";
            xml::escape_attr(room_, m);
            m += "' type='groupchat'><body>";
            t = sh_.now_ns();
            encode_body(m, seq, t, sh_.opts.body_size);
            m += "</body></message>";
            c.send(m);
        });
        return t;
    }

    bool configured() const { return configured_.load(); }
    std::size_t joined() const { return joined_.load(); }
    std::uint64_t received(std::uint64_t seq) const { return received_[seq].load(); }
    std::int64_t last_ns(std::uint64_t seq) const { return last_ns_[seq].load(); }
    std::uint64_t delivered() const {
        std::uint64_t n = 0;
        for (const auto& l : lanes_) {
            n += l.delivered.get();
        }
        return n;
    }
    // After the pool stopped: every receipt's latency.
    std::vector<std::int64_t> latencies() {
        std::vector<std::int64_t> all;
        for (auto& l : lanes_) {
            all.insert(all.end(), l.latencies_ns.begin(), l.latencies_ns.end());
        }
        return all;
    }

private:
    struct Lane {
        Counter delivered;
        std::vector<std::int64_t> latencies_ns;
    };

    static std::string nick(const Connection& c) { return fmt::format("u{}", c.number()); }

    std::string join_presence(const Connection& c) const {
        auto p = xml::Element::make("presence", std::string(ns::client));
        p->set_attr("to", room_ + "/" + nick(c));
        auto& x = p->add("x", std::string(kMucNs));
        x.add("history", std::string(kMucNs)).set_attr("maxstanzas", "0");
        return xml::to_string(*p, {ns::client});
    }

    template <class F>
    void on_owner(Pool& pool, Sessions& s, F f) {
        Connection& owner = s[0];
        pool.run_on_each([&](Worker& w) {
            if (&owner.worker() == &w) {
                Worker::Batch batch(w);
                f(owner);
            }
        });
    }

    Shared& sh_;
    std::vector<Lane> lanes_;
    std::string room_;
    std::string sender_;
    std::atomic<std::size_t> joined_{0};
    std::atomic<bool> configured_{false};
    std::vector<std::atomic<std::int64_t>> last_ns_;
    std::vector<std::atomic<std::uint64_t>> received_;
};

}  // namespace

void run_muc(Shared& sh, Report& r) {
    const Options& o = sh.opts;
    Pool pool(sh, o.threads);
    Sessions sessions(pool, o.first_user, o.users);
    LargeRoom room(sh, pool.size(), o.messages);
    r.set("occupants", o.users);
    r.set("messages", o.messages);
    r.set("body_bytes", o.body_size);
    auto st = sessions.login_all(&room, false, o.concurrency, o.timeout, "muc");
    r.set("sessions", st.ok);
    r.set("room", room.room());
    auto give_up = [&](const std::string& why) {
        sh.errors.record(ErrorKind::timeout, "muc", why);
        sessions.close_all(o.timeout);
        pool.stop();
        r.set("sent", 0);
        r.set("delivered", 0);
        r.set("missing", o.messages * o.users);
    };
    if (st.failed > 0 || !sessions[0].logged_in()) {
        progress(o, fmt::format("muc: {} sessions failed to log in; not sending", st.failed));
        give_up("not every session logged in");
        return;
    }
    const auto j0 = Clock::now();
    room.create(pool, sessions, o.users);
    if (!room.configured()) {
        give_up("the room was not created and configured in time");
        return;
    }
    room.join_all(pool, sessions);
    auto next_report = Clock::now() + std::chrono::seconds(2);
    wait_until(
        [&] {
            if (Clock::now() >= next_report) {
                next_report += std::chrono::seconds(2);
                progress(o, fmt::format("muc: {}/{} in the room", room.joined(), st.ok));
            }
            return room.joined() >= st.ok;
        },
        o.timeout);
    r.set("join_s", std::chrono::duration<double>(Clock::now() - j0).count());
    if (room.joined() < st.ok) {
        give_up(fmt::format("only {} of {} sessions entered the room", room.joined(), st.ok));
        return;
    }
    // Let the join traffic settle before measuring.
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    auto before = read_processes(o);
    std::vector<std::int64_t> to_all_ns;
    std::uint64_t sent = 0;
    for (std::uint64_t k = 0; k < o.messages; ++k) {
        const auto t = room.send(pool, sessions, k);
        ++sent;
        wait_until([&] { return room.received(k) >= st.ok; }, o.drain_timeout);
        if (room.received(k) < st.ok) {
            progress(o, fmt::format("muc: message {} reached {} of {}", k, room.received(k),
                                    st.ok));
            break;
        }
        to_all_ns.push_back(room.last_ns(k) - t);
    }
    auto after = read_processes(o);
    const auto delivered = room.delivered();
    sessions.close_all(o.timeout);
    pool.stop();

    const std::uint64_t expected = sent * st.ok;
    r.set("messages_sent", sent);
    r.set("sent", expected);  // deliveries due: every message to every occupant
    r.set("delivered", delivered);
    r.set("missing", expected - std::min(expected, delivered));
    auto all = summarize(to_all_ns);
    r.set("to_all_p50_ms", all.p50_ms);
    r.set("to_all_max_ms", all.max_ms);
    r.set("to_all_mean_ms", all.mean_ms);
    auto lat = room.latencies();
    auto each = summarize(lat);
    r.set("latency_p50_ms", each.p50_ms);
    r.set("latency_p99_ms", each.p99_ms);
    report_cpu(r, before, after, delivered, "server_cpu_us_per_delivery", 1e6);
}

}  // namespace parley::bench
