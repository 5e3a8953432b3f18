// parley-bench's settings, filled from the command line by main.cpp
// (docs/BENCHMARKS.md lists them). Read-only once the run starts, shared by
// every worker thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace parley::bench {

enum class Scenario { login, idle, throughput, latency, presence, muc };
enum class TlsMode { none, starttls, direct };

std::string_view to_string(Scenario s);
std::string_view to_string(TlsMode t);

struct Options {
    Scenario scenario = Scenario::login;
    std::string host = "127.0.0.1";
    std::uint16_t port = 5222;
    std::string domain = "localhost";
    TlsMode tls = TlsMode::none;
    std::string mech = "SCRAM-SHA-256";  // SCRAM-SHA-256 | SCRAM-SHA-1 | PLAIN
    std::size_t users = 1000;            // login, idle, presence: how many accounts
    std::string user_pattern = "bench%d";
    std::size_t first_user = 1;          // the number of the first account
    std::string password = "pw";
    std::size_t concurrency = 100;       // logins in flight
    std::size_t pairs = 100;             // throughput, latency
    std::size_t window = 10;             // throughput: messages in flight per direction
    double rate = 1000;                  // latency: messages per second, all pairs together
    double duration = 10;                // seconds of measurement (idle: of holding)
    std::size_t roster = 100;            // presence: contacts each user's roster must have
    int server_pid = 0;                  // for CPU and RSS from /proc; 0 = not measured
    std::string source_addresses;        // "127.0.0.1-127.0.0.20" or a comma list
    std::string json;                    // append one JSON line per run here
    unsigned threads = 1;                // worker threads, one io_context each
    double timeout = 60;                 // seconds for the login phase and for closing
    double drain_timeout = 10;           // seconds to wait for messages still in flight
    std::size_t body_size = 100;         // bytes of each message body
    bool quiet = false;                  // no progress lines on stderr
    std::string room = "bench";          // muc: the room's local part
    std::string muc_domain;              // muc: the MUC service ("" = conference.<domain>)
    std::size_t messages = 20;           // muc: groupchat messages sent, one at a time

    // The local part of account number n (pattern with %d replaced).
    std::string local_part(std::size_t n) const;
};

}  // namespace parley::bench
