// parleyctl: administration of a Parley server's accounts and config. It works
// on the configured storage directly (SQLite allows it while parleyd runs).
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/detached.hpp>

#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <optional>

#include "auth/credentials.hpp"
#include "core/config.hpp"
#include "parleyctl/import.hpp"
#include "storage/stores.hpp"
#include "xmpp/jid.hpp"

namespace {

using parley::Config;
namespace asio = boost::asio;

[[noreturn]] void die(const std::string& msg, int code = 1) {
    fmt::print(stderr, "parleyctl: {}\n", msg);
    std::exit(code);
}

template <class T>
T run(asio::awaitable<T> task) {
    asio::io_context io;
    std::optional<T> result;
    asio::co_spawn(
        io, [&]() -> asio::awaitable<void> { result.emplace(co_await std::move(task)); },
        asio::detached);
    io.run();
    return std::move(*result);
}

// Reads a password from stdin; with a terminal, asks twice without echo.
std::string read_password() {
    bool tty = isatty(STDIN_FILENO);
    termios old{};
    if (tty) {
        tcgetattr(STDIN_FILENO, &old);
        termios noecho = old;
        noecho.c_lflag &= ~ECHO;
        tcsetattr(STDIN_FILENO, TCSANOW, &noecho);
        fmt::print(stderr, "Password: ");
    }
    std::string pw, again;
    std::getline(std::cin, pw);
    if (tty) {
        fmt::print(stderr, "\nAgain: ");
        std::getline(std::cin, again);
        tcsetattr(STDIN_FILENO, TCSANOW, &old);
        fmt::print(stderr, "\n");
        if (pw != again) {
            die("the passwords differ");
        }
    }
    if (!pw.empty() && pw.back() == '\r') {
        pw.pop_back();
    }
    return pw;
}

// Validates "user@host" against the configured hosts; returns the normalized bare JID.
std::string account_jid(const Config& cfg, const std::string& arg) {
    auto j = parley::xmpp::Jid::parse(arg);
    if (!j || j->local().empty() || !j->is_bare()) {
        die(fmt::format("'{}' is not an account address like alice@{}{}", arg, cfg.hosts.front(),
                        j ? "" : " (" + j.error().reason + ")"));
    }
    if (std::find(cfg.hosts.begin(), cfg.hosts.end(), j->domain()) == cfg.hosts.end()) {
        die(fmt::format("'{}' is not a host of this server (hosts: {}); add it to 'hosts' in {}",
                        j->domain(), fmt::join(cfg.hosts, ", "), cfg.source));
    }
    return j->bare_str();
}

parley::auth::Credentials credentials_for(const std::string& password) {
    if (password.empty()) {
        die("the password is empty");
    }
    auto c = parley::auth::derive_credentials(password);
    if (!c) {
        die("the password contains characters that are not allowed (RFC 8265 OpaqueString)");
    }
    return *c;
}

std::unique_ptr<parley::storage::Storage> open(const Config& cfg) {
    if (cfg.storage_backend == "sqlite" && !std::filesystem::exists(cfg.data_dir)) {
        std::filesystem::create_directories(cfg.data_dir);
    }
    parley::storage::StorageOptions so;
    so.backend = cfg.storage_backend;
    so.sqlite_path = cfg.sqlite_file();
    auto st = parley::storage::open_storage(so);
    if (!st) {
        die(st.error().message);
    }
    return std::move(*st);
}

template <class T>
T check(parley::storage::StoreResult<T> r) {
    if (!r) {
        die(r.error().message);
    }
    return std::move(*r);
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"parleyctl: administer a Parley XMPP server"};
    app.require_subcommand(1);
    std::string config_path;
    app.add_option("-c,--config", config_path, "the server's TOML config file (default: built-in defaults)");

    std::string jid, password, domain;
    auto* add = app.add_subcommand("adduser", "create an account (password from the argument or stdin)");
    add->add_option("jid", jid, "the account, e.g. alice@localhost")->required();
    add->add_option("password", password, "the password (else read from stdin)");
    auto* del = app.add_subcommand("deluser", "delete an account and all its data");
    del->add_option("jid", jid)->required();
    auto* pw = app.add_subcommand("passwd", "set an account's password");
    pw->add_option("jid", jid)->required();
    pw->add_option("password", password, "the new password (else read from stdin)");
    auto* list = app.add_subcommand("listusers", "list the accounts of a host (default: every host)");
    list->add_option("host", domain);
    auto* check_cfg = app.add_subcommand("check-config", "read the config file and report problems");
    parley::ctl::ImportOptions import_opts;
    auto* imp = app.add_subcommand(
        "import",
        "create many accounts at once, for tests and benchmarks. The SCRAM keys are derived once "
        "per distinct password, so accounts that share a password also share a salt: use it for "
        "test and benchmark accounts, not for real users (a --csv file with distinct passwords "
        "derives each one). Existing accounts are left as they are.");
    auto* pattern_opt = imp->add_option("--pattern", import_opts.pattern,
                                        "account address with %d for the number, e.g. "
                                        "'bench%d@localhost'");
    imp->add_option("--count", import_opts.count, "how many accounts the pattern makes")
        ->needs(pattern_opt);
    imp->add_option("--start", import_opts.start, "the first number of the pattern")
        ->default_val(1)
        ->needs(pattern_opt);
    imp->add_option("--password", import_opts.password, "the password of every pattern account")
        ->needs(pattern_opt);
    auto* csv_opt = imp->add_option("--csv", import_opts.csv,
                                    "a file of 'jid,password' lines ('#' starts a comment)")
                        ->excludes(pattern_opt);
    imp->add_option("--roster-ring", import_opts.roster_ring,
                    "give each account the R accounts around it (R/2 before, R/2 after, in "
                    "import order, wrapping around) as contacts with subscription 'both'; R even")
        ->default_val(0);
    imp->callback([&] {
        if (import_opts.csv.empty() && import_opts.pattern.empty()) {
            throw CLI::RequiredError("--pattern (with --count and --password) or --csv");
        }
        if (!import_opts.pattern.empty() && import_opts.count == 0) {
            throw CLI::RequiredError("--count");
        }
    });
    (void)csv_opt;
    CLI11_PARSE(app, argc, argv);

    auto loaded = config_path.empty() ? parley::Result<Config>(parley::default_config())
                                      : parley::load_config(config_path);
    if (!loaded) {
        die(loaded.error().message, 2);
    }
    const Config& cfg = *loaded;
    if (*check_cfg) {
        fmt::print("{}: OK (hosts: {}; data in {})\n", cfg.source, fmt::join(cfg.hosts, ", "),
                   cfg.data_dir);
        return 0;
    }
    auto storage = open(cfg);
    if (*imp) {
        parley::ctl::run_import(cfg, *storage, import_opts);
        return 0;
    }
    auto& accounts = storage->accounts();
    if (*add) {
        auto bare = account_jid(cfg, jid);
        if (password.empty()) {
            password = read_password();
        }
        if (!check(run(accounts.create(bare, credentials_for(password))))) {
            die(fmt::format("{} exists already (use 'parleyctl passwd {}' to change its password)",
                            bare, bare));
        }
        fmt::print("created {}\n", bare);
    } else if (*del) {
        auto bare = account_jid(cfg, jid);
        if (!check(run(accounts.remove(bare)))) {
            die(fmt::format("there is no account {}", bare));
        }
        fmt::print("deleted {}\n", bare);
    } else if (*pw) {
        auto bare = account_jid(cfg, jid);
        if (password.empty()) {
            password = read_password();
        }
        if (!check(run(accounts.set_credentials(bare, credentials_for(password))))) {
            die(fmt::format("there is no account {}", bare));
        }
        fmt::print("password changed for {}\n", bare);
    } else if (*list) {
        std::vector<std::string> hosts = domain.empty() ? cfg.hosts : std::vector{domain};
        for (const auto& h : hosts) {
            for (const auto& u : check(run(accounts.list(h)))) {
                fmt::print("{}\n", u);
            }
        }
    }
    return 0;
}
