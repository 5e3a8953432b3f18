// Where to connect for a remote XMPP domain (RFC 6120 §3.2, RFC 2782,
// XEP-0368 v1.1 §3), and the asynchronous DNS that answers it.
//
// Two layers:
//  - Pure functions (any thread): order_srv() orders SRV records as RFC 2782
//    prescribes, plan() turns a domain, the static routes and the SRV answers
//    into the ordered targets to try. The randomness of RFC 2782's weighted
//    selection is injected, so tests are deterministic.
//  - DnsResolver: c-ares (one channel) driven by one io_context. SRV, A and
//    AAAA lookups are awaitable and bounded by a per-lookup deadline.
//
// What the caller does with a plan (the s2s stream code, still to come): try
// the targets in order, resolving each host with lookup_addresses() and trying
// each address; a target with direct_tls starts TLS at once (XEP-0368 §3 rule
// 2), the others use STARTTLS. Whatever the target, TLS SNI and the
// certificate check use the *domain*, not the target host (RFC 6120
// §13.7.2.1, XEP-0368 §3 rule 6). When every target fails the domain is
// unreachable: no A/AAAA fallback after SRV records were found (RFC 6120
// §3.2.1: "SHOULD NOT attempt the fallback process").
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace parley::s2s {

namespace asio = boost::asio;

// RFC 6120 §3.2.2 / §14.7: the IANA port for XMPP server-to-server.
inline constexpr std::uint16_t kXmppServerPort = 5269;

// One SRV resource record (RFC 2782). `target` has no trailing dot; the root
// domain is ".".
struct SrvRecord {
    std::string target;
    std::uint16_t port = 0;
    std::uint16_t priority = 0;
    std::uint16_t weight = 0;

    friend bool operator==(const SrvRecord&, const SrvRecord&) = default;
};

// A uniformly distributed number in [0, max], both ends included (RFC 2782
// draws "between 0 and the sum computed (inclusive)").
using RandomUpTo = std::function<std::uint32_t(std::uint32_t max)>;

// A RandomUpTo over its own engine, seeded from std::random_device. The
// function object is not thread-safe; make one per thread.
RandomUpTo default_random();

// RFC 2782 "Usage rules" + the "Weight" field: lowest priority first; within a
// priority, repeated weighted random selection, with the weight-0 records put
// first in the list so they are chosen only when the draw is 0 (rarely, when
// heavier records exist; in DNS order, when all weights are 0).
std::vector<SrvRecord> order_srv(std::vector<SrvRecord> records, const RandomUpTo& random);

// RFC 2782 / RFC 6120 §3.2.1 step 3: a single record whose target is "." means
// the service is "decidedly not available" at this domain.
bool srv_decidedly_unavailable(const std::vector<SrvRecord>& records);

// One place to connect to.
struct Target {
    std::string host;  // a DNS name (A-label form) or an IP literal
    std::uint16_t port = kXmppServerPort;
    bool direct_tls = false;  // XEP-0368: TLS from the first byte, no STARTTLS

    friend bool operator==(const Target&, const Target&) = default;
};

// A configured route that replaces DNS for one domain (tests, private
// networks; like Prosody's s2s routes). Keyed by the domain in
// to_ascii_domain() form (lower-case A-labels); looked up the same way.
using StaticRoutes = std::map<std::string, Target, std::less<>>;

// The static route for a domain, or null.
const Target* find_static_route(const StaticRoutes& routes, std::string_view domain);

// The records found for the two SRV names of a domain. An empty vector means
// "no records": NXDOMAIN, NODATA, or a lookup that failed or timed out (RFC
// 6120 §3.2.1: without a response, fall back as without records).
struct SrvResults {
    std::vector<SrvRecord> xmpps;  // _xmpps-server._tcp.<domain> (XEP-0368, direct TLS)
    std::vector<SrvRecord> xmpp;   // _xmpp-server._tcp.<domain> (RFC 6120, STARTTLS)
};

struct ConnectPlan {
    enum class Source {
        static_route,  // from StaticRoutes; DNS was not needed
        srv,           // from SRV records, ordered
        fallback,      // no SRV records at all: the domain itself on 5269 (RFC 6120 §3.2.2)
        unavailable,   // SRV says the service is decidedly not available: do not connect
    };
    Source source = Source::unavailable;
    std::vector<Target> targets;  // in the order to try; empty when unavailable
};

std::string_view plan_source_name(ConnectPlan::Source s);

// The connection plan for `domain` (U-label or A-label form):
//  1. a static route wins over DNS;
//  2. otherwise the _xmpps-server and _xmpp-server records are ordered
//     together, as one RRset (XEP-0368 §3 rule 1), direct TLS first among
//     records of equal priority and weight-0 status; records whose target is
//     "." are dropped (a lone "." for _xmpps-server only means "no direct
//     TLS", XEP-0368 §5);
//  3. if that leaves nothing but there were records (a "." answer), the
//     service is unavailable: no A/AAAA fallback (RFC 6120 §3.2.1 step 3,
//     XEP-0368 §5);
//  4. with no SRV records at all, the fallback is the domain on port 5269
//     with STARTTLS (RFC 6120 §3.2.2).
// An empty `random` uses default_random().
ConnectPlan plan(std::string_view domain, const StaticRoutes& static_routes,
                 const SrvResults& srv_results, const RandomUpTo& random = {});

// An asynchronous DNS resolver: one c-ares channel driven by one io_context.
//
// Integration: c-ares tells us through ARES_OPT_SOCK_STATE_CB which of its
// sockets it wants to read or write; each such socket is watched with an
// asio::posix::stream_descriptor (async_wait, never owning the fd: c-ares
// opens and closes it), and a steady_timer follows ares_timeout() for
// retransmissions. On readiness or timeout we call ares_process_fd(). No
// polling, no extra thread.
//
// Each lookup also has its own deadline (Options::query_timeout): when it
// passes, the awaiting coroutine resumes with a timeout error even if c-ares
// is still retrying, so a lookup never waits longer than that.
//
// Thread safety: create, use and destroy a DnsResolver on its io_context's
// thread only (one resolver per worker). Destroy it before the io_context:
// lookups still pending then complete with an error.
class DnsResolver {
public:
    struct Options {
        // Upper bound for one lookup (SRV, or A+AAAA together).
        std::chrono::milliseconds query_timeout{5000};
        // c-ares attempts per name server. The first attempt waits
        // query_timeout / (2^tries - 1) and c-ares doubles that each round, so
        // with one name server its own retries end by the deadline.
        int tries = 2;
        // "ip[:port],..." to use instead of /etc/resolv.conf's servers
        // (tests, split-horizon set-ups). Empty: the system configuration.
        std::string servers;
    };

    static Result<std::unique_ptr<DnsResolver>> create(asio::io_context& ioc, Options options);
    static Result<std::unique_ptr<DnsResolver>> create(asio::io_context& ioc) {
        return create(ioc, Options{});
    }
    ~DnsResolver();

    DnsResolver(const DnsResolver&) = delete;
    DnsResolver& operator=(const DnsResolver&) = delete;

    // SRV records of `name` (e.g. "_xmpp-server._tcp.example.com"), in DNS
    // order (order them with order_srv or plan). NXDOMAIN and "no SRV records"
    // are errors too, with the reason in the message. `name` is copied at once.
    asio::awaitable<Result<std::vector<SrvRecord>>> lookup_srv(std::string_view name);

    // The IPv4 and IPv6 addresses of `host` (the hosts file first, then A and
    // AAAA queries), in RFC 6724 preference order, without duplicates. An IP
    // literal resolves to itself. `host` is copied at once.
    asio::awaitable<Result<std::vector<asio::ip::address>>> lookup_addresses(std::string_view host);

    // Both SRV lookups for `domain` then plan(). A static route answers
    // without DNS. A failed SRV lookup counts as "no records".
    asio::awaitable<ConnectPlan> plan_s2s(std::string domain,
                                          std::shared_ptr<const StaticRoutes> routes);

private:
    struct Impl;
    explicit DnsResolver(std::shared_ptr<Impl> impl);

    // Shared with the pending operations, so that a lookup outliving the
    // resolver finds a closed channel instead of a dangling pointer.
    std::shared_ptr<Impl> impl_;
};

}  // namespace parley::s2s
