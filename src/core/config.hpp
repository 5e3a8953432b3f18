// Config: every setting of parleyd, read from one TOML file (docs/CONFIGURATION.md
// lists them with their defaults). With no file, the defaults of DESIGN.md:
// the virtual host "localhost", c2s on 5222 (STARTTLS required) and 5223
// (direct TLS), an SQLite file under ./data. Read once at start-up; immutable
// afterwards.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/module.hpp"
#include "core/result.hpp"

namespace parley {

struct ListenerConfig {
    std::string bind = "::";  // "::" listens on IPv6 and IPv4
    std::uint16_t port = 0;   // 0 = disabled
};

// How a remote domain's server must prove who it is (issue 4; DESIGN.md
// "Security defaults"): a certificate valid for the domain (RFC 6125, SASL
// EXTERNAL), or Server Dialback (XEP-0220) when the certificate is not
// trusted, or anything at all over a stream without TLS (test set-ups only).
enum class S2sAuth { certificate, dialback, insecure };
std::string_view s2s_auth_name(S2sAuth a);

struct S2sRoute {
    std::string host;
    std::uint16_t port = 5269;
    bool direct_tls = false;  // XEP-0368: TLS from the first byte
};

struct S2sConfig {
    ListenerConfig listener{"::", 5269};
    ListenerConfig direct_tls{"::", 0};  // XEP-0368 incoming direct TLS; 0 = off
    S2sAuth default_auth = S2sAuth::certificate;
    std::map<std::string, S2sAuth, std::less<>> domain_auth;  // per remote domain
    std::map<std::string, S2sRoute, std::less<>> routes;      // remote domain -> host:port
    std::string ca_file;           // empty: the system trust store
    std::string dialback_secret;   // empty: random at start-up
    std::string dns_servers;       // "ip[:port],..." instead of /etc/resolv.conf
    std::size_t connect_timeout = 15;  // seconds to reach a ready stream, all targets together
    std::size_t idle_timeout = 600;    // seconds without a stanza before a stream is closed
    std::size_t max_queue = 1000;      // stanzas waiting per remote domain while connecting

    S2sAuth auth_for(std::string_view domain) const {
        auto it = domain_auth.find(domain);
        return it == domain_auth.end() ? default_auth : it->second;
    }
};

// The HTTP server (src/http): HTTPS with the hosts' certificates, and plain
// HTTP for a reverse proxy in front (off by default). Listeners open only when
// a module registered a route.
struct HttpConfig {
    ListenerConfig https{"::", 5281};
    ListenerConfig http{"127.0.0.1", 0};  // 0 = off
    std::string external_url;  // public base URL; empty: https://<first host>:<https port>
    std::size_t max_header_size = 8 * 1024;
    std::size_t header_timeout = 30;      // seconds to receive a request's header
    std::size_t body_timeout = 60;        // seconds without a byte of a body, either direction
    std::size_t keep_alive_timeout = 60;  // seconds an idle keep-alive connection is kept
    std::size_t max_requests_per_connection = 1000;

    std::string base_url(const std::string& first_host) const;
};

struct ComponentConfig {
    std::string domain;
    std::string secret;
};

struct Config {
    std::vector<std::string> hosts{"localhost"};
    std::string data_dir = "./data";
    std::size_t workers = 0;  // 0 = one per core
    std::string log_level = "info";
    std::string log_file;     // empty = standard error

    // c2s (RFC 6120)
    ListenerConfig c2s{"::", 5222};
    ListenerConfig c2s_direct_tls{"::", 5223};  // XEP-0368
    bool require_encryption = true;
    std::string resource_conflict = "replace";  // "replace" | "refuse"
    std::size_t max_stanza_size = 256 * 1024;
    std::size_t max_depth = 32;
    std::size_t max_attributes = 64;
    std::size_t auth_failures_per_minute = 10;  // per IP and per account
    std::size_t stream_opens_per_minute = 120;  // per IP, first headers only (not restarts)
    // XEP-0198: how long a dropped session waits to be resumed (0 = no
    // resumption), and how many unacknowledged stanzas it may hold.
    std::size_t sm_resume_timeout = 300;
    std::size_t sm_max_unacked = 1000;
    // XEP-0484 FAST: seconds a token is valid (0 = FAST not offered). A
    // token used in the second half of its life is replaced by a new one.
    std::size_t fast_token_lifetime = 14 * 24 * 3600;

    // TLS: a PEM certificate chain and key used for every host; when empty,
    // a self-signed certificate per host is generated under data_dir/certs.
    std::string tls_certificate;
    std::string tls_key;
    std::string tls_ciphers =
        "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
        "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

    // Storage
    std::string storage_backend = "sqlite";
    std::string sqlite_path;  // empty = data_dir/parley.sqlite

    // External components (XEP-0114)
    ListenerConfig component{"127.0.0.1", 5347};
    std::vector<ComponentConfig> components;

    // Federation (RFC 6120 server-to-server); s2s.listener.port 0 = no federation.
    S2sConfig s2s;

    HttpConfig http;

    // Modules: names of the modules to load (default: every built-in module
    // marked default_enabled) and each module's own section.
    std::optional<std::vector<std::string>> modules_enabled;
    std::vector<std::string> modules_disabled;
    std::map<std::string, ModuleConfig::Values> module_settings;

    std::string source;  // the file it was read from, or "(defaults)"

    std::string sqlite_file() const;
    std::vector<std::string> enabled_modules() const;
};

// Reads a config file. Errors name the file, the line and what to do:
//   "parley.toml:12: unknown setting 'c2s.prot' (see docs/CONFIGURATION.md)"
Result<Config> load_config(const std::string& path);
// The defaults, validated (so that `parleyd` alone behaves like a file with nothing in it).
Config default_config();

}  // namespace parley
