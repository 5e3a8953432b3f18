// parley-bench: a load generator that speaks real XMPP to a server (parleyd
// or any other), for the scenarios of docs/BENCHMARKS.md. Parses the options,
// sets up TLS and the address list, runs one scenario, prints a table and
// appends a JSON line. The exit status is 0 only when nothing went wrong:
// no error of any kind and no missing message.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <openssl/ssl.h>
#include <sys/resource.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <map>

#include "parley-bench/addresses.hpp"
#include "parley-bench/scenarios.hpp"
#include "xml/serializer.hpp"
#include "xmpp/ns.hpp"

namespace {

using namespace parley::bench;
namespace asio = boost::asio;

constexpr int kExitUsage = 2;
constexpr std::size_t kSpareDescriptors = 64;  // files, the JSON output, the resolver...

[[noreturn]] void die(const std::string& msg) {
    fmt::print(stderr, "parley-bench: {}\n", msg);
    std::exit(kExitUsage);
}

std::string utc_now() {
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

// Raises the soft limit of open files to the hard one and checks that the
// scenario's sessions fit.
void check_descriptors(std::size_t sessions) {
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
        return;
    }
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur != RLIM_INFINITY && sessions + kSpareDescriptors > rl.rlim_cur) {
        die(fmt::format("{} sessions need {} open files, but this process may open {} (ulimit "
                        "-n); the server needs as many: lower --users/--pairs or raise the limit",
                        sessions, sessions + kSpareDescriptors, rl.rlim_cur));
    }
}

SSL_CTX* make_tls_context() {
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == nullptr) {
        die("cannot create a TLS context");
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    // A benchmark against a self-signed certificate: no verification.
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
                              SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    // parleyd ends TLS connections without close_notify after </stream:stream>.
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
    return ctx;
}

asio::ip::tcp::endpoint resolve(const Options& o) {
    boost::system::error_code ec;
    auto addr = asio::ip::make_address(o.host == "localhost" ? "127.0.0.1" : o.host, ec);
    if (ec) {
        die(fmt::format("--host '{}' is not an IP address (give the server's address; the XMPP "
                        "domain is --domain)",
                        o.host));
    }
    return {addr, o.port};
}

std::size_t sessions_needed(const Options& o) {
    switch (o.scenario) {
        case Scenario::login:
            return std::min(o.users, o.concurrency * 2);
        case Scenario::throughput:
        case Scenario::latency:
            return o.pairs * 2;
        default:
            return o.users;
    }
}

}  // namespace

int main(int argc, char** argv) {
    // A server that closes while we write fails that write (and is reported)
    // instead of killing the bench: OpenSSL writes with plain write().
    std::signal(SIGPIPE, SIG_IGN);
    Options o;
    CLI::App app{"parley-bench: XMPP load generator (scenarios: login, idle, throughput, "
                 "latency, presence, muc; see docs/BENCHMARKS.md)"};
    std::map<std::string, Scenario> scenarios{{"login", Scenario::login},
                                              {"idle", Scenario::idle},
                                              {"throughput", Scenario::throughput},
                                              {"latency", Scenario::latency},
                                              {"presence", Scenario::presence},
                                              {"muc", Scenario::muc}};
    std::map<std::string, TlsMode> tls_modes{
        {"none", TlsMode::none}, {"starttls", TlsMode::starttls}, {"direct", TlsMode::direct}};
    std::string scenario_name, tls_name = "none";
    app.add_option("scenario", scenario_name, "login | idle | throughput | latency | presence | muc")
        ->required()
        ->check(CLI::IsMember(scenarios));
    app.add_option("--host", o.host, "the server's IP address")->capture_default_str();
    auto* port = app.add_option("--port", o.port, "the server's c2s port (default 5222, or 5223 "
                                                  "with --tls direct)");
    app.add_option("--domain", o.domain, "the XMPP domain of the accounts")->capture_default_str();
    app.add_option("--tls", tls_name, "none | starttls | direct (XEP-0368)")
        ->check(CLI::IsMember(tls_modes))
        ->capture_default_str();
    app.add_option("--mech", o.mech, "SASL mechanism")
        ->check(CLI::IsMember({"SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"}))
        ->capture_default_str();
    app.add_option("--users", o.users, "accounts to use (login, idle, presence, muc: the occupants)")
        ->capture_default_str();
    app.add_option("--user-pattern", o.user_pattern,
                   "local part of the accounts, %d is the number")
        ->capture_default_str();
    app.add_option("--first-user", o.first_user, "number of the first account")
        ->capture_default_str();
    app.add_option("--password", o.password, "every account's password")->capture_default_str();
    app.add_option("--concurrency", o.concurrency, "logins in flight")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    app.add_option("--pairs", o.pairs, "pairs of sessions (throughput, latency)")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    app.add_option("--window", o.window, "throughput: messages in flight per direction")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    app.add_option("--rate", o.rate, "latency: messages per second over all pairs")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    app.add_option("--duration", o.duration,
                   "seconds of sending (throughput, latency) or holding (idle)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app.add_option("--roster", o.roster,
                   "presence: contacts every roster must have (0: do not check)")
        ->capture_default_str();
    app.add_option("--server-pid", o.server_pid,
                   "the server's process id, for CPU and RSS from /proc (0: not measured)");
    app.add_option("--source-addresses", o.source_addresses,
                   "local addresses to connect from, round-robin: 127.0.0.1-127.0.0.20 or a "
                   "comma list (more than ~28k connections need several)");
    app.add_option("--json", o.json, "append the result as one JSON line to this file");
    app.add_option("--threads", o.threads, "worker threads, one event loop each")
        ->check(CLI::Range(1u, 256u))
        ->capture_default_str();
    app.add_option("--timeout", o.timeout, "seconds allowed for logging in, the storm and closing")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    app.add_option("--drain-timeout", o.drain_timeout,
                   "seconds to wait for messages still in flight at the end")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app.add_option("--body-size", o.body_size, "bytes of each message body")
        ->check(CLI::Range(40, 100000))
        ->capture_default_str();
    app.add_flag("--quiet", o.quiet, "no progress lines");
    app.add_option("--room", o.room, "muc: the room's name (local part)")->capture_default_str();
    app.add_option("--muc-domain", o.muc_domain,
                   "muc: the MUC service (default conference.<domain>)");
    app.add_option("--messages", o.messages, "muc: groupchat messages, sent one at a time")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    CLI11_PARSE(app, argc, argv);
    o.scenario = scenarios.at(scenario_name);
    o.tls = tls_modes.at(tls_name);

    if (port->count() == 0 && o.tls == TlsMode::direct) {
        o.port = 5223;
    }
    if (o.user_pattern.find("%d") == std::string::npos) {
        die("--user-pattern needs a %d where the account number goes, e.g. 'bench%d'");
    }
    if (o.users == 0 && o.scenario != Scenario::throughput && o.scenario != Scenario::latency) {
        die("--users must be at least 1");
    }
    check_descriptors(sessions_needed(o));

    Shared sh(o);
    sh.server = resolve(o);
    std::string error;
    sh.sources = parse_source_addresses(o.source_addresses, &error);
    if (!error.empty()) {
        die("--source-addresses: " + error);
    }
    if (!sh.sources.empty() && !sh.server.address().is_v4()) {
        die("--source-addresses are IPv4; give an IPv4 --host");
    }
    if (o.tls != TlsMode::none) {
        sh.tls = make_tls_context();
    }
    sh.plain = o.mech == "PLAIN";
    sh.hash = o.mech == "SCRAM-SHA-1" ? parley::auth::Hash::sha1 : parley::auth::Hash::sha256;
    {
        auto header = parley::xml::Element::make("stream", std::string(parley::ns::streams));
        header->set_attr("to", o.domain);
        header->set_attr("version", "1.0");
        header->set_attr("xml:lang", "en");
        sh.stream_header = parley::xml::stream_header(*header, parley::ns::client);
    }

    Report r;
    r.set("scenario", to_string(o.scenario));
    r.set("time", utc_now());
    r.set("server", fmt::format("{}:{}", o.host, o.port));
    r.set("domain", o.domain);
    r.set("tls", to_string(o.tls));
    r.set("mech", o.mech);
    r.set("threads", o.threads);
    if (o.server_pid > 0) {
        r.set("server_pid", o.server_pid);
    }
    const auto t0 = std::chrono::steady_clock::now();
    switch (o.scenario) {
        case Scenario::login:
            run_login(sh, r);
            break;
        case Scenario::idle:
            run_idle(sh, r);
            break;
        case Scenario::throughput:
            run_throughput(sh, r);
            break;
        case Scenario::latency:
            run_latency(sh, r);
            break;
        case Scenario::presence:
            run_presence(sh, r);
            break;
        case Scenario::muc:
            run_muc(sh, r);
            break;
    }
    const auto errors = sh.errors.total();
    r.set("errors", errors);
    const auto kinds = sh.errors.by_kind();
    for (std::size_t k = 0; k < kErrorKinds; ++k) {
        if (kinds[k] > 0) {
            r.set(fmt::format("errors_{}", to_string(static_cast<ErrorKind>(k))), kinds[k]);
        }
    }
    const auto missing = r.get_int("missing");
    const bool ok = errors == 0 && missing == 0;
    r.set("ok", ok);
    r.set("wall_s", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());

    fmt::print("{}", r.table(fmt::format("parley-bench {} ({})", to_string(o.scenario),
                                         ok ? "ok" : "FAILED")));
    std::fflush(stdout);
    if (!o.json.empty()) {
        std::ofstream out(o.json, std::ios::app);
        out << r.json() << '\n';
        if (!out) {
            fmt::print(stderr, "parley-bench: cannot append to {}\n", o.json);
            return 1;
        }
    }
    if (!ok) {
        fmt::print(stderr, "parley-bench: FAILED: {} error{}, {} missing\n", errors,
                   errors == 1 ? "" : "s", missing);
        return 1;
    }
    return 0;
}
