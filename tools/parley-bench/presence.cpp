// The presence storm: N users whose rosters hold R contacts each (made by
// `parleyctl import --roster-ring R`) all become available at once, as a
// client does after login: roster get (RFC 6121 §2.2), then initial presence
// (§4.2). The server probes each user's contacts and broadcasts the new
// presence to them (§4.2.2, §4.3), so every user must receive the available
// presence of each of its online contacts with subscription 'to' or 'both'
// (once or, when both come online together, twice: probe answer and
// broadcast). A contact never heard from is missing.
#include <fmt/format.h>

#include <algorithm>
#include <thread>
#include <unordered_map>

#include "parley-bench/scenarios.hpp"
#include "parley-bench/sessions.hpp"
#include "xml/serializer.hpp"
#include "xmpp/ns.hpp"

namespace parley::bench {

namespace {

class PresenceStorm final : public StanzaHandler {
public:
    PresenceStorm(Shared& sh, std::size_t users, std::size_t workers)
        : sh_(sh), users_(users), lanes_(workers) {
        auto p = xml::Element::make("presence", std::string(ns::client));
        presence_ = xml::to_string(*p, {ns::client});
    }

    // Before the storm, on the controller: who is online, by bare JID.
    void set_online(Sessions& s) {
        for (std::size_t i = 0; i < s.size(); ++i) {
            if (s[i].logged_in()) {
                online_.emplace(s[i].bare(), static_cast<std::uint32_t>(i));
            }
        }
    }

    void on_stanza(Connection& c, const xml::Element& st) override {
        Lane& lane = lanes_[c.worker().index()];
        const auto type = st.attr_or("type");
        if (st.name() == "iq") {
            if (st.attr_or("id") == "roster" && type == "result") {
                on_roster(c, st, lane);
            } else if (type == "error") {
                c.report(ErrorKind::stanza_error, xml::to_string(st, {ns::client}));
            }
            return;
        }
        if (st.name() != "presence") {
            if (type == "error") {
                c.report(ErrorKind::stanza_error, xml::to_string(st, {ns::client}));
            }
            return;
        }
        if (type == "error") {
            c.report(ErrorKind::stanza_error, xml::to_string(st, {ns::client}));
            return;
        }
        if (!type.empty()) {
            return;  // unavailable (someone closing) and the like
        }
        const auto from = st.attr_or("from");
        const auto bare = from.substr(0, from.find('/'));
        if (bare == c.bare()) {
            lane.self.add();  // §4.2.2: our own presence, echoed to us
            return;
        }
        lane.presences.add();
        User& u = users_[c.slot];
        auto it = online_.find(std::string(bare));
        auto pos = it == online_.end()
                       ? u.expected.end()
                       : std::lower_bound(u.expected.begin(), u.expected.end(), it->second);
        if (pos == u.expected.end() || *pos != it->second) {
            c.report(ErrorKind::protocol,
                     fmt::format("presence from {}, who is not a contact with a subscription "
                                 "(RFC 6121 §4.2.2)",
                                 from));
            return;
        }
        auto& got = u.got[static_cast<std::size_t>(pos - u.expected.begin())];
        if (got) {
            lane.twice.add();
            return;
        }
        got = 1;
        lane.unique.add();
        lane.last_ns = sh_.now_ns();
    }

    void start(Pool& pool, Sessions& s) {
        auto iq = xml::Element::make("iq", std::string(ns::client));
        iq->set_attr("type", "get");
        iq->set_attr("id", "roster");
        iq->add("query", std::string(ns::roster));
        const std::string roster_get = xml::to_string(*iq, {ns::client});
        pool.run_on_each([&](Worker& w) {
            Worker::Batch batch(w);
            for (Connection* c : s.on_worker(w.index())) {
                if (c->logged_in() && !c->finished()) {
                    c->send(roster_get);
                }
            }
        });
    }

    std::uint64_t rosters() const { return sum(&Lane::rosters); }
    std::uint64_t expected() const { return sum(&Lane::expected); }
    std::uint64_t unique() const { return sum(&Lane::unique); }
    std::uint64_t presences() const { return sum(&Lane::presences); }
    std::uint64_t twice() const { return sum(&Lane::twice); }
    std::int64_t last_ns() const {
        std::int64_t t = 0;
        for (const auto& l : lanes_) {
            t = std::max(t, l.last_ns.load());
        }
        return t;
    }

private:
    struct User {
        std::vector<std::uint32_t> expected;  // session indexes, sorted
        std::vector<char> got;                // parallel to expected
    };
    struct Lane {
        Counter rosters, expected, unique, presences, twice, self;
        std::atomic<std::int64_t> last_ns{0};
    };

    void on_roster(Connection& c, const xml::Element& iq, Lane& lane) {
        User& u = users_[c.slot];
        const auto* query = iq.child("query", ns::roster);
        auto items = query ? query->children("item", ns::roster)
                           : std::vector<const xml::Element*>{};
        if (sh_.opts.roster > 0 && items.size() != sh_.opts.roster) {
            c.report(ErrorKind::protocol,
                     fmt::format("the roster has {} items, --roster says {}: create the accounts "
                                 "with parleyctl import --roster-ring {}",
                                 items.size(), sh_.opts.roster, sh_.opts.roster));
        }
        for (const auto* item : items) {
            auto sub = item->attr_or("subscription");
            if (sub != "both" && sub != "to") {
                continue;
            }
            auto it = online_.find(std::string(item->attr_or("jid")));
            if (it != online_.end() && it->second != c.slot) {
                u.expected.push_back(it->second);
            }
        }
        std::sort(u.expected.begin(), u.expected.end());
        u.expected.erase(std::unique(u.expected.begin(), u.expected.end()), u.expected.end());
        u.got.assign(u.expected.size(), 0);
        lane.expected.add(u.expected.size());
        lane.rosters.add();
        c.send(presence_);  // RFC 6121 §4.2.1 initial presence
    }

    std::uint64_t sum(Counter Lane::*c) const {
        std::uint64_t n = 0;
        for (const auto& l : lanes_) {
            n += (l.*c).get();
        }
        return n;
    }

    Shared& sh_;
    std::vector<User> users_;
    std::vector<Lane> lanes_;
    std::unordered_map<std::string, std::uint32_t> online_;
    std::string presence_;
};

}  // namespace

void run_presence(Shared& sh, Report& r) {
    const Options& o = sh.opts;
    Pool pool(sh, o.threads);
    Sessions sessions(pool, o.first_user, o.users);
    PresenceStorm storm(sh, o.users, pool.size());
    r.set("users", o.users);
    r.set("roster", o.roster);
    pool.run_on_each([&](Worker& w) {
        for (Connection* c : sessions.on_worker(w.index())) {
            c->slot = static_cast<std::uint32_t>(c->number() - o.first_user);
        }
    });
    // Log in without presence; the storm is everyone's roster + presence at once.
    auto st = sessions.login_all(&storm, false, o.concurrency, o.timeout, "presence");
    storm.set_online(sessions);
    auto before = read_processes(o);
    const auto t0 = sh.now_ns();
    storm.start(pool, sessions);
    auto complete = [&] { return storm.rosters() >= st.ok && storm.unique() >= storm.expected(); };
    auto next_report = Clock::now() + std::chrono::seconds(2);
    wait_until(
        [&] {
            if (Clock::now() >= next_report) {
                next_report += std::chrono::seconds(2);
                progress(o, fmt::format("presence: {} rosters, {}/{} contact presences", 
                                        storm.rosters(), storm.unique(), storm.expected()));
            }
            return complete();
        },
        o.timeout);
    auto after = read_processes(o);
    const auto t1 = std::max(storm.last_ns(), t0 + 1);
    const auto rosters = storm.rosters();
    const auto expected = storm.expected();
    const auto unique = storm.unique();
    const auto presences = storm.presences();
    if (rosters < st.ok) {
        sh.errors.record(ErrorKind::timeout, "presence",
                         fmt::format("{} of {} roster requests unanswered", st.ok - rosters,
                                     st.ok));
    }
    sessions.close_all(o.timeout);
    pool.stop();

    const double seconds = static_cast<double>(t1 - t0) / 1e9;
    r.set("sessions", st.ok);
    r.set("sent", expected);
    r.set("delivered", unique);
    r.set("missing", expected - std::min(unique, expected));
    r.set("presence_stanzas", presences);
    r.set("presence_twice", storm.twice());
    r.set("storm_s", seconds);
    r.set("presence_per_s", static_cast<double>(presences) / seconds);
    if (before.server_ok && after.server_ok) {
        r.set("server_cpu_s", after.server_cpu_s - before.server_cpu_s);
    }
}

}  // namespace parley::bench
