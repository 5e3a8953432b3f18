// s2s connection planning (RFC 2782, RFC 6120 §3.2, XEP-0368) as pure
// functions, and the c-ares resolver against an in-process DNS server on
// loopback.
#include "s2s/resolver.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace parley::s2s {
namespace {

using namespace std::chrono_literals;
using udp = asio::ip::udp;

SrvRecord rec(std::string target, std::uint16_t port, std::uint16_t priority,
              std::uint16_t weight) {
    return {std::move(target), port, priority, weight};
}

// A RandomUpTo that plays back scripted draws and records the bounds asked.
struct Script {
    std::deque<std::uint32_t> draws;
    std::vector<std::uint32_t> bounds;

    RandomUpTo fn() {
        return [this](std::uint32_t max) {
            bounds.push_back(max);
            if (draws.empty()) {
                return std::uint32_t{0};
            }
            const std::uint32_t d = draws.front();
            draws.pop_front();
            return d;
        };
    }
};

RandomUpTo always(std::uint32_t value) {
    return [value](std::uint32_t) { return value; };
}

RandomUpTo seeded(unsigned seed) {
    auto engine = std::make_shared<std::mt19937>(seed);
    return [engine](std::uint32_t max) {
        return std::uniform_int_distribution<std::uint32_t>(0, max)(*engine);
    };
}

std::vector<std::string> targets_of(const std::vector<SrvRecord>& records) {
    std::vector<std::string> out;
    for (const SrvRecord& r : records) {
        out.push_back(r.target);
    }
    return out;
}

using Strings = std::vector<std::string>;

// --- RFC 2782 ordering ------------------------------------------------------------

TEST(SrvOrder, Rfc2782_LowestPriorityFirst) {
    auto out = order_srv({rec("c", 1, 30, 5), rec("a", 1, 10, 5), rec("b", 1, 20, 5)}, always(0));
    EXPECT_EQ(targets_of(out), (Strings{"a", "b", "c"}));
}

TEST(SrvOrder, Rfc2782_WeightedSelectionByRunningSum) {
    Script s;
    s.draws = {15, 40, 0};
    auto out = order_srv({rec("a", 1, 0, 10), rec("b", 1, 0, 20), rec("c", 1, 0, 30)}, s.fn());
    // Draw 15 of [0,60]: running sums a=10, b=30 -> b. Then 40 of [0,40]:
    // a=10, c=40 -> c. Then a.
    EXPECT_EQ(targets_of(out), (Strings{"b", "c", "a"}));
    EXPECT_EQ(s.bounds, (std::vector<std::uint32_t>{60, 40, 10}));
}

TEST(SrvOrder, Rfc2782_DrawEqualToRunningSumSelectsThatRecord) {
    // "the first in the selected order which is greater than or equal to".
    auto out = order_srv({rec("a", 1, 0, 10), rec("b", 1, 0, 20)}, always(10));
    EXPECT_EQ(targets_of(out), (Strings{"a", "b"}));
}

TEST(SrvOrder, Rfc2782_ZeroWeightRecordsPlacedFirst) {
    // DNS order b, z; z has weight 0 and is put at the beginning of the list,
    // so a draw of 0 selects it...
    auto low = order_srv({rec("b", 1, 0, 5), rec("z", 1, 0, 0)}, always(0));
    EXPECT_EQ(targets_of(low), (Strings{"z", "b"}));
    // ...and any other draw the weighted one.
    auto high = order_srv({rec("b", 1, 0, 5), rec("z", 1, 0, 0)}, always(1));
    EXPECT_EQ(targets_of(high), (Strings{"b", "z"}));
}

TEST(SrvOrder, Rfc2782_AllZeroWeightsKeepDnsOrder) {
    Script s;
    auto out = order_srv({rec("x", 1, 0, 0), rec("y", 1, 0, 0), rec("z", 1, 0, 0)}, s.fn());
    EXPECT_EQ(targets_of(out), (Strings{"x", "y", "z"}));
    EXPECT_EQ(s.bounds, (std::vector<std::uint32_t>{0, 0, 0}));
}

TEST(SrvOrder, Rfc2782_SelectionIsPerPriority) {
    Script s;
    s.draws = {5, 0, 0};
    auto out = order_srv({rec("p2", 1, 2, 10), rec("p1a", 1, 1, 10), rec("p1b", 1, 1, 10)},
                         s.fn());
    EXPECT_EQ(targets_of(out), (Strings{"p1a", "p1b", "p2"}));
    EXPECT_EQ(s.bounds, (std::vector<std::uint32_t>{20, 10, 10}));
}

TEST(SrvOrder, DrawAboveBoundIsClamped) {
    auto out = order_srv({rec("a", 1, 0, 10), rec("b", 1, 0, 20)}, always(1000));
    EXPECT_EQ(targets_of(out), (Strings{"b", "a"}));
}

TEST(SrvOrder, Rfc2782_WeightsGiveProportionalFirstChoices) {
    const RandomUpTo random = seeded(2782);
    int a_first = 0;
    int zero_first = 0;
    constexpr int kTrials = 20000;
    for (int i = 0; i < kTrials; ++i) {
        auto out = order_srv({rec("a", 1, 0, 1), rec("b", 1, 0, 3)}, random);
        a_first += out.front().target == "a" ? 1 : 0;
        auto z = order_srv({rec("w", 1, 0, 99), rec("z", 1, 0, 0)}, random);
        zero_first += z.front().target == "z" ? 1 : 0;
    }
    // The draw is in [0, sum] inclusive, so the first record of the list also
    // wins a draw of 0: (1 + 1) / (4 + 1), not 1/4. That is RFC 2782 to the
    // letter; with real-world weights (tens, hundreds) the extra 1/(sum+1) is
    // negligible, and it is what gives weight-0 records their small chance.
    EXPECT_NEAR(a_first / double(kTrials), 0.4, 0.02);
    // A weight-0 record is picked first only on a draw of 0: 1 in 100 here.
    EXPECT_NEAR(zero_first / double(kTrials), 0.01, 0.005);
}

TEST(SrvOrder, EmptyInputEmptyOutput) {
    EXPECT_TRUE(order_srv({}, always(0)).empty());
    EXPECT_EQ(order_srv({rec("a", 1, 0, 0)}, {}).size(), 1u);  // default randomness
}

TEST(SrvOrder, Rfc6120_3_2_1_SingleRootTargetMeansUnavailable) {
    EXPECT_TRUE(srv_decidedly_unavailable({rec(".", 0, 0, 0)}));
    EXPECT_FALSE(srv_decidedly_unavailable({rec(".", 0, 0, 0), rec("a", 1, 0, 0)}));
    EXPECT_FALSE(srv_decidedly_unavailable({rec("a", 1, 0, 0)}));
    EXPECT_FALSE(srv_decidedly_unavailable({}));
}

// --- plan() ---------------------------------------------------------------------

Target tcp(std::string host, std::uint16_t port) { return {std::move(host), port, false}; }
Target tls(std::string host, std::uint16_t port) { return {std::move(host), port, true}; }

TEST(Plan, Rfc6120_3_2_2_NoSrvRecordsFallsBackToDomainOn5269) {
    const ConnectPlan p = plan("example.com", {}, {}, always(0));
    EXPECT_EQ(p.source, ConnectPlan::Source::fallback);
    EXPECT_EQ(p.targets, (std::vector<Target>{tcp("example.com", 5269)}));
}

TEST(Plan, Rfc6120_3_2_2_FallbackUsesALabels) {
    const ConnectPlan p = plan("Bücher.Example", {}, {}, always(0));
    EXPECT_EQ(p.targets, (std::vector<Target>{tcp("xn--bcher-kva.example", 5269)}));
}

TEST(Plan, Rfc6120_3_2_1_SrvTargetsInsteadOfFallback) {
    SrvResults srv;
    srv.xmpp = {rec("xmpp2.example.com", 5270, 20, 0), rec("xmpp1.example.com", 5269, 10, 0)};
    const ConnectPlan p = plan("example.com", {}, srv, always(0));
    EXPECT_EQ(p.source, ConnectPlan::Source::srv);
    EXPECT_EQ(p.targets, (std::vector<Target>{tcp("xmpp1.example.com", 5269),
                                              tcp("xmpp2.example.com", 5270)}));
}

TEST(Plan, Xep0368_3_BothServicesOrderedTogetherByPriority) {
    SrvResults srv;
    srv.xmpps = {rec("tls.example.com", 443, 5, 0), rec("tls2.example.com", 5223, 30, 0)};
    srv.xmpp = {rec("plain.example.com", 5269, 10, 0), rec("plain2.example.com", 5269, 1, 0)};
    const ConnectPlan p = plan("example.com", {}, srv, always(0));
    EXPECT_EQ(p.targets,
              (std::vector<Target>{tcp("plain2.example.com", 5269), tls("tls.example.com", 443),
                                   tcp("plain.example.com", 5269), tls("tls2.example.com", 5223)}));
}

TEST(Plan, Xep0368_3_WeightsMixAcrossServices) {
    SrvResults srv;
    srv.xmpps = {rec("tls.example.com", 5223, 0, 10)};
    srv.xmpp = {rec("plain.example.com", 5269, 0, 30)};
    Script s;
    s.draws = {25, 0};  // of [0,40]: tls=10, plain=40 -> plain first
    const ConnectPlan p = plan("example.com", {}, srv, s.fn());
    EXPECT_EQ(p.targets, (std::vector<Target>{tcp("plain.example.com", 5269),
                                              tls("tls.example.com", 5223)}));
    EXPECT_EQ(s.bounds.front(), 40u);
}

TEST(Plan, Xep0368_3_DirectTlsPreferredOnTies) {
    SrvResults srv;
    srv.xmpp = {rec("plain.example.com", 5269, 0, 0)};
    srv.xmpps = {rec("tls.example.com", 5223, 0, 0)};
    const ConnectPlan p = plan("example.com", {}, srv, always(0));
    EXPECT_EQ(p.targets, (std::vector<Target>{tls("tls.example.com", 5223),
                                              tcp("plain.example.com", 5269)}));
}

TEST(Plan, Xep0368_5_RootXmppsMeansNoDirectTlsOnly) {
    SrvResults srv;
    srv.xmpps = {rec(".", 0, 0, 0)};
    srv.xmpp = {rec("xmpp.example.com", 5269, 0, 0)};
    const ConnectPlan p = plan("example.com", {}, srv, always(0));
    EXPECT_EQ(p.source, ConnectPlan::Source::srv);
    EXPECT_EQ(p.targets, (std::vector<Target>{tcp("xmpp.example.com", 5269)}));
}

TEST(Plan, Xep0368_5_RootXmppsWithoutXmppRecordsMeansNoFallback) {
    SrvResults srv;
    srv.xmpps = {rec(".", 0, 0, 0)};
    const ConnectPlan p = plan("example.com", {}, srv, always(0));
    EXPECT_EQ(p.source, ConnectPlan::Source::unavailable);
    EXPECT_TRUE(p.targets.empty());
}

TEST(Plan, Rfc6120_3_2_1_RootXmppServerMeansUnavailable) {
    SrvResults srv;
    srv.xmpp = {rec(".", 0, 0, 0)};
    const ConnectPlan p = plan("example.com", {}, srv, always(0));
    EXPECT_EQ(p.source, ConnectPlan::Source::unavailable);
    EXPECT_TRUE(p.targets.empty());
}

TEST(Plan, Rfc6120_3_2_1_RootXmppServerButDirectTlsOffered) {
    SrvResults srv;
    srv.xmpp = {rec(".", 0, 0, 0)};
    srv.xmpps = {rec("tls.example.com", 5223, 0, 0)};
    const ConnectPlan p = plan("example.com", {}, srv, always(0));
    EXPECT_EQ(p.targets, (std::vector<Target>{tls("tls.example.com", 5223)}));
}

TEST(Plan, Rfc2782_RootTargetAmongOthersIsSkipped) {
    SrvResults srv;
    srv.xmpp = {rec(".", 0, 0, 0), rec("xmpp.example.com", 5269, 1, 0)};
    const ConnectPlan p = plan("example.com", {}, srv, always(0));
    EXPECT_EQ(p.targets, (std::vector<Target>{tcp("xmpp.example.com", 5269)}));
}

TEST(Plan, SrvTargetsLowerCased) {
    SrvResults srv;
    srv.xmpp = {rec("XMPP.Example.COM", 5269, 0, 0)};
    EXPECT_EQ(plan("example.com", {}, srv, always(0)).targets.front().host, "xmpp.example.com");
}

TEST(Plan, StaticRouteTakesPrecedenceOverDns) {
    StaticRoutes routes{{"example.com", tls("127.0.0.1", 15270)}};
    SrvResults srv;
    srv.xmpp = {rec("xmpp.example.com", 5269, 0, 0)};
    const ConnectPlan p = plan("example.com", routes, srv, always(0));
    EXPECT_EQ(p.source, ConnectPlan::Source::static_route);
    EXPECT_EQ(p.targets, (std::vector<Target>{tls("127.0.0.1", 15270)}));
    // Even over a "." answer.
    SrvResults none;
    none.xmpp = {rec(".", 0, 0, 0)};
    EXPECT_EQ(plan("example.com", routes, none, always(0)).source,
              ConnectPlan::Source::static_route);
}

TEST(Plan, StaticRouteLookedUpCaseInsensitivelyAndAsALabels) {
    StaticRoutes routes{{"example.com", tcp("10.0.0.1", 5269)},
                        {"xn--bcher-kva.example", tcp("10.0.0.2", 5269)}};
    EXPECT_EQ(plan("EXAMPLE.com", routes, {}, always(0)).source,
              ConnectPlan::Source::static_route);
    EXPECT_EQ(plan("bücher.example", routes, {}, always(0)).targets.front().host, "10.0.0.2");
    EXPECT_EQ(plan("other.example", routes, {}, always(0)).source, ConnectPlan::Source::fallback);
    EXPECT_EQ(find_static_route(routes, "example.com."), &routes.at("example.com"));
    EXPECT_EQ(find_static_route(routes, "a.example.com"), nullptr);
}

TEST(Plan, UnusableDomainIsUnavailable) {
    EXPECT_EQ(plan("", {}, {}, always(0)).source, ConnectPlan::Source::unavailable);
    EXPECT_EQ(plan("a..b", {}, {}, always(0)).source, ConnectPlan::Source::unavailable);
}

TEST(Plan, SourceNames) {
    EXPECT_EQ(plan_source_name(ConnectPlan::Source::srv), "SRV");
    EXPECT_EQ(plan_source_name(ConnectPlan::Source::fallback), "fallback");
}

// --- DnsResolver ----------------------------------------------------------------

// A minimal authoritative DNS server on 127.0.0.1 (RFC 1035 §4.1): answers
// SRV, A and AAAA questions from a table; unknown names get NXDOMAIN, known
// names without records of the asked type an empty NOERROR (NODATA).
class FakeDns {
public:
    explicit FakeDns(asio::io_context& ioc)
        : socket_(ioc, udp::endpoint(asio::ip::address_v4::loopback(), 0)) {
        receive();
    }

    std::string server() const { return "127.0.0.1:" + std::to_string(port()); }
    std::uint16_t port() const { return socket_.local_endpoint().port(); }
    void close() {
        boost::system::error_code ec;
        socket_.close(ec);
    }

    void add_srv(const std::string& name, const SrvRecord& r) {
        std::vector<std::uint8_t> d;
        put16(d, r.priority);
        put16(d, r.weight);
        put16(d, r.port);
        put_name(d, r.target);
        records_[name][kSrv].push_back(d);
    }
    void add_a(const std::string& name, std::array<std::uint8_t, 4> a) {
        records_[name][kA].emplace_back(a.begin(), a.end());
    }
    void add_aaaa(const std::string& name, const asio::ip::address_v6& a) {
        const auto b = a.to_bytes();
        records_[name][kAaaa].emplace_back(b.begin(), b.end());
    }
    int queries_for(const std::string& name) const {
        const auto it = queries_.find(name);
        return it == queries_.end() ? 0 : it->second;
    }

private:
    static constexpr std::uint16_t kA = 1, kAaaa = 28, kSrv = 33;

    static void put16(std::vector<std::uint8_t>& d, std::uint16_t v) {
        d.push_back(static_cast<std::uint8_t>(v >> 8));
        d.push_back(static_cast<std::uint8_t>(v & 0xff));
    }
    static void put_name(std::vector<std::uint8_t>& d, const std::string& name) {
        std::size_t start = 0;
        while (name != "." && start < name.size()) {
            const auto dot = name.find('.', start);
            const auto end = dot == std::string::npos ? name.size() : dot;
            d.push_back(static_cast<std::uint8_t>(end - start));
            d.insert(d.end(), name.begin() + start, name.begin() + end);
            start = end + 1;
        }
        d.push_back(0);
    }

    void receive() {
        socket_.async_receive_from(asio::buffer(in_), from_,
                                   [this](boost::system::error_code ec, std::size_t n) {
                                       if (ec) {
                                           return;
                                       }
                                       answer(n);
                                       receive();
                                   });
    }

    void answer(std::size_t n) {
        if (n < 12) {
            return;
        }
        // Question: labels, then QTYPE and QCLASS.
        std::size_t pos = 12;
        std::string qname;
        while (pos < n && in_[pos] != 0) {
            const std::size_t len = in_[pos];
            if (!qname.empty()) {
                qname += '.';
            }
            for (std::size_t i = 1; i <= len && pos + i < n; ++i) {
                qname += static_cast<char>(std::tolower(in_[pos + i]));
            }
            pos += len + 1;
        }
        pos += 1;
        if (pos + 4 > n) {
            return;
        }
        const std::uint16_t qtype = static_cast<std::uint16_t>(in_[pos] << 8 | in_[pos + 1]);
        const std::size_t question_end = pos + 4;
        ++queries_[qname];

        const auto name_it = records_.find(qname);
        std::vector<std::vector<std::uint8_t>> answers;
        if (name_it != records_.end()) {
            const auto type_it = name_it->second.find(qtype);
            if (type_it != name_it->second.end()) {
                answers = type_it->second;
            }
        }
        std::vector<std::uint8_t> out(in_.begin(), in_.begin() + 2);  // ID
        const std::uint8_t rd = in_[2] & 0x01;
        out.push_back(static_cast<std::uint8_t>(0x80 | rd));             // QR, RD
        out.push_back(name_it == records_.end() ? 0x83 : 0x80);          // RA, RCODE
        put16(out, 1);
        put16(out, static_cast<std::uint16_t>(answers.size()));
        put16(out, 0);
        put16(out, 0);
        out.insert(out.end(), in_.begin() + 12, in_.begin() + question_end);
        for (const auto& rdata : answers) {
            out.push_back(0xc0);  // pointer to the question's name
            out.push_back(0x0c);
            put16(out, qtype);
            put16(out, 1);  // IN
            put16(out, 0);
            put16(out, 60);  // TTL
            put16(out, static_cast<std::uint16_t>(rdata.size()));
            out.insert(out.end(), rdata.begin(), rdata.end());
        }
        boost::system::error_code ec;
        socket_.send_to(asio::buffer(out), from_, 0, ec);
    }

    udp::socket socket_;
    udp::endpoint from_;
    std::array<std::uint8_t, 1500> in_{};
    std::map<std::string, std::map<std::uint16_t, std::vector<std::vector<std::uint8_t>>>> records_;
    std::map<std::string, int> queries_;
};

// Runs `task` on `ioc` until it finishes (other work on the io_context, like
// the fake server, is left pending) or `limit` passes.
template <class T>
std::optional<T> run(asio::io_context& ioc, asio::awaitable<T> task,
                     std::chrono::milliseconds limit = 20s) {
    std::optional<T> result;
    std::exception_ptr error;
    asio::co_spawn(
        ioc, [&]() -> asio::awaitable<void> { result.emplace(co_await std::move(task)); },
        [&](std::exception_ptr e) {
            error = e;
            ioc.stop();
        });
    ioc.restart();
    ioc.run_for(limit);
    if (error) {
        std::rethrow_exception(error);
    }
    return result;
}

class Resolver : public ::testing::Test {
protected:
    std::unique_ptr<DnsResolver> resolver(std::string servers,
                                          std::chrono::milliseconds timeout = 2000ms) {
        DnsResolver::Options o;
        o.servers = std::move(servers);
        o.query_timeout = timeout;
        auto r = DnsResolver::create(ioc_, o);
        EXPECT_TRUE(r) << r.error().message;
        return r ? std::move(*r) : nullptr;
    }

    asio::io_context ioc_;
    FakeDns dns_{ioc_};
};

TEST_F(Resolver, LocalhostFromTheHostsFile) {
    auto dns = resolver(dns_.server());
    auto r = run(ioc_, dns->lookup_addresses("localhost"));
    ASSERT_TRUE(r.has_value());
    ASSERT_TRUE(*r) << r->error().message;
    const auto& addrs = r->value();
    EXPECT_NE(std::find(addrs.begin(), addrs.end(), asio::ip::make_address("127.0.0.1")),
              addrs.end());
}

TEST_F(Resolver, IpLiteralsResolveToThemselves) {
    auto dns = resolver(dns_.server());
    auto v4 = run(ioc_, dns->lookup_addresses("192.0.2.7"));
    ASSERT_TRUE(v4 && *v4) << (v4 ? v4->error().message : "no result");
    EXPECT_EQ(v4->value(), (std::vector<asio::ip::address>{asio::ip::make_address("192.0.2.7")}));
    auto v6 = run(ioc_, dns->lookup_addresses("::1"));
    ASSERT_TRUE(v6 && *v6) << (v6 ? v6->error().message : "no result");
    EXPECT_EQ(v6->value(), (std::vector<asio::ip::address>{asio::ip::make_address("::1")}));
}

TEST_F(Resolver, Rfc6120_3_2_1_AAndAaaaFromDns) {
    dns_.add_a("xmpp.example.test", {192, 0, 2, 10});
    dns_.add_aaaa("xmpp.example.test", asio::ip::make_address_v6("2001:db8::10"));
    auto dns = resolver(dns_.server());
    auto r = run(ioc_, dns->lookup_addresses("xmpp.example.test"));
    ASSERT_TRUE(r && *r) << (r ? r->error().message : "no result");
    const auto& addrs = r->value();
    EXPECT_EQ(addrs.size(), 2u);
    EXPECT_NE(std::find(addrs.begin(), addrs.end(), asio::ip::make_address("192.0.2.10")),
              addrs.end());
    EXPECT_NE(std::find(addrs.begin(), addrs.end(), asio::ip::make_address("2001:db8::10")),
              addrs.end());
}

TEST_F(Resolver, UnknownHostIsAnError) {
    auto dns = resolver(dns_.server());
    auto r = run(ioc_, dns->lookup_addresses("nothing.example.test"));
    ASSERT_TRUE(r.has_value());
    ASSERT_FALSE(*r);
    EXPECT_NE(r->error().message.find("nothing.example.test"), std::string::npos);
}

TEST_F(Resolver, Rfc2782_SrvRecordsFromDns) {
    dns_.add_srv("_xmpp-server._tcp.example.test", rec("xmpp1.example.test", 5269, 10, 60));
    dns_.add_srv("_xmpp-server._tcp.example.test", rec("xmpp2.example.test", 5270, 20, 0));
    auto dns = resolver(dns_.server());
    auto r = run(ioc_, dns->lookup_srv("_xmpp-server._tcp.example.test"));
    ASSERT_TRUE(r && *r) << (r ? r->error().message : "no result");
    EXPECT_EQ(r->value(), (std::vector<SrvRecord>{rec("xmpp1.example.test", 5269, 10, 60),
                                                  rec("xmpp2.example.test", 5270, 20, 0)}));
}

TEST_F(Resolver, Rfc2782_RootTargetReportedAsDot) {
    dns_.add_srv("_xmpps-server._tcp.example.test", rec(".", 0, 0, 0));
    auto dns = resolver(dns_.server());
    auto r = run(ioc_, dns->lookup_srv("_xmpps-server._tcp.example.test"));
    ASSERT_TRUE(r && *r) << (r ? r->error().message : "no result");
    EXPECT_TRUE(srv_decidedly_unavailable(r->value()));
}

TEST_F(Resolver, NxdomainAndNodataAreErrors) {
    dns_.add_a("example.test", {192, 0, 2, 1});
    auto dns = resolver(dns_.server());
    auto nx = run(ioc_, dns->lookup_srv("_xmpp-server._tcp.missing.test"));
    ASSERT_TRUE(nx.has_value());
    ASSERT_FALSE(*nx);
    EXPECT_NE(nx->error().message.find("_xmpp-server._tcp.missing.test"), std::string::npos);
    dns_.add_a("_xmpp-server._tcp.example.test", {192, 0, 2, 1});  // the name exists, no SRV
    auto nodata = run(ioc_, dns->lookup_srv("_xmpp-server._tcp.example.test"));
    ASSERT_TRUE(nodata.has_value());
    EXPECT_FALSE(*nodata);
}

TEST_F(Resolver, UnusableNamesFailWithoutAQuery) {
    auto dns = resolver(dns_.server());
    auto empty = run(ioc_, dns->lookup_srv(""));
    ASSERT_TRUE(empty.has_value());
    EXPECT_FALSE(*empty);
    auto nul = run(ioc_, dns->lookup_addresses(std::string("a\0b", 3)));
    ASSERT_TRUE(nul.has_value());
    EXPECT_FALSE(*nul);
}

TEST_F(Resolver, SilentServerTimesOutAtTheDeadline) {
    udp::socket silent(ioc_, udp::endpoint(asio::ip::address_v4::loopback(), 0));
    auto dns = resolver("127.0.0.1:" + std::to_string(silent.local_endpoint().port()), 300ms);
    const auto start = std::chrono::steady_clock::now();
    auto r = run(ioc_, dns->lookup_srv("_xmpp-server._tcp.example.test"));
    const auto elapsed = std::chrono::steady_clock::now() - start;
    ASSERT_TRUE(r.has_value());
    ASSERT_FALSE(*r);
    EXPECT_GE(elapsed, 250ms);
    EXPECT_LT(elapsed, 2s);
}

TEST_F(Resolver, UnreachableServerFailsQuickly) {
    std::uint16_t port = 0;
    {
        udp::socket probe(ioc_, udp::endpoint(asio::ip::address_v4::loopback(), 0));
        port = probe.local_endpoint().port();
    }  // closed again: nothing listens on `port`
    auto dns = resolver("127.0.0.1:" + std::to_string(port), 1000ms);
    const auto start = std::chrono::steady_clock::now();
    auto r = run(ioc_, dns->lookup_srv("_xmpp-server._tcp.example.test"));
    ASSERT_TRUE(r.has_value());
    EXPECT_FALSE(*r);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST_F(Resolver, InvalidTldWithTheSystemResolverFailsWithinTheBound) {
    // RFC 6761 §6.4: ".invalid" never resolves. Uses /etc/resolv.conf, so it
    // may go to the network; either way it must end by the deadline.
    auto dns = resolver("", 2000ms);
    const auto start = std::chrono::steady_clock::now();
    auto r = run(ioc_, dns->lookup_srv("_xmpp-server._tcp.parley-unit-test.invalid"));
    ASSERT_TRUE(r.has_value());
    EXPECT_FALSE(*r);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST_F(Resolver, DestroyingTheResolverEndsPendingLookups) {
    udp::socket silent(ioc_, udp::endpoint(asio::ip::address_v4::loopback(), 0));
    auto dns = resolver("127.0.0.1:" + std::to_string(silent.local_endpoint().port()), 10s);
    asio::steady_timer kill(ioc_, 50ms);
    kill.async_wait([&](boost::system::error_code) { dns.reset(); });
    const auto start = std::chrono::steady_clock::now();
    auto r = run(ioc_, dns->lookup_srv("_xmpp-server._tcp.example.test"));
    ASSERT_TRUE(r.has_value());
    EXPECT_FALSE(*r);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST_F(Resolver, LookupAfterTheResolverIsGoneFails) {
    auto dns = resolver(dns_.server());
    auto pending = dns->lookup_srv("_xmpp-server._tcp.example.test");  // not started yet
    dns.reset();
    auto r = run(ioc_, std::move(pending));
    ASSERT_TRUE(r.has_value());
    EXPECT_FALSE(*r);
}

TEST_F(Resolver, IdleResolverDoesNotKeepTheIoContextRunning) {
    dns_.add_a("xmpp.example.test", {192, 0, 2, 10});
    auto dns = resolver(dns_.server());
    auto r = run(ioc_, dns->lookup_addresses("xmpp.example.test"));
    ASSERT_TRUE(r && *r);
    dns_.close();
    ioc_.restart();
    const auto start = std::chrono::steady_clock::now();
    ioc_.run_for(2s);  // returns at once when nothing is pending
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
}

TEST_F(Resolver, BadServerListIsAnError) {
    DnsResolver::Options o;
    o.servers = "not an address";
    auto r = DnsResolver::create(ioc_, o);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("not an address"), std::string::npos);
}

TEST_F(Resolver, Xep0368_PlanFromBothSrvNames) {
    dns_.add_srv("_xmpps-server._tcp.example.test", rec(".", 0, 0, 0));
    dns_.add_srv("_xmpp-server._tcp.example.test", rec("xmpp.example.test", 5269, 0, 0));
    auto dns = resolver(dns_.server());
    auto p = run(ioc_, dns->plan_s2s("Example.Test", nullptr));
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->source, ConnectPlan::Source::srv);
    EXPECT_EQ(p->targets, (std::vector<Target>{tcp("xmpp.example.test", 5269)}));
    EXPECT_EQ(dns_.queries_for("_xmpps-server._tcp.example.test"), 1);
}

TEST_F(Resolver, Rfc6120_3_2_2_PlanFallsBackWithoutRecords) {
    auto dns = resolver(dns_.server());
    auto p = run(ioc_, dns->plan_s2s("norecords.test", nullptr));
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->source, ConnectPlan::Source::fallback);
    EXPECT_EQ(p->targets, (std::vector<Target>{tcp("norecords.test", 5269)}));
}

TEST_F(Resolver, Rfc6120_3_2_2_PlanFallsBackWhenDnsFails) {
    udp::socket silent(ioc_, udp::endpoint(asio::ip::address_v4::loopback(), 0));
    auto dns = resolver("127.0.0.1:" + std::to_string(silent.local_endpoint().port()), 200ms);
    auto p = run(ioc_, dns->plan_s2s("example.test", nullptr));
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->source, ConnectPlan::Source::fallback);
}

TEST_F(Resolver, StaticRoutePlanSkipsDns) {
    auto routes = std::make_shared<const StaticRoutes>(
        StaticRoutes{{"example.test", tls("127.0.0.1", 15269)}});
    auto dns = resolver(dns_.server());
    auto p = run(ioc_, dns->plan_s2s("example.test", routes));
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->source, ConnectPlan::Source::static_route);
    EXPECT_EQ(p->targets, (std::vector<Target>{tls("127.0.0.1", 15269)}));
    EXPECT_EQ(dns_.queries_for("_xmpp-server._tcp.example.test"), 0);
    EXPECT_EQ(dns_.queries_for("_xmpps-server._tcp.example.test"), 0);
}

}  // namespace
}  // namespace parley::s2s
