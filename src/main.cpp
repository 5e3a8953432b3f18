// parleyd: parses the command line, builds the Server, runs it. Nothing else.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <csignal>
#include <cstdio>
#include <filesystem>

#include "core/config.hpp"
#include "core/server.hpp"
#include "core/version.hpp"

int main(int argc, char** argv) {
    // A peer that closes while we write must fail that write, not kill the
    // server: OpenSSL writes to sockets with plain write() (no MSG_NOSIGNAL).
    std::signal(SIGPIPE, SIG_IGN);
    CLI::App app{"parleyd: the Parley XMPP server"};
    std::string config_path;
    bool show_version = false;
    app.add_option("-c,--config", config_path,
                   "TOML config file (default: built-in defaults: host 'localhost', data in ./data)");
    app.add_flag("-v,--version", show_version, "print the version and exit");
    CLI11_PARSE(app, argc, argv);

    if (show_version) {
        fmt::print("parleyd {}\n", parley::version());
        return 0;
    }
    auto config = config_path.empty() ? parley::Result<parley::Config>(parley::default_config())
                                      : parley::load_config(config_path);
    if (!config) {
        fmt::print(stderr, "parleyd: {}\n", config.error().message);
        return 2;
    }
    if (auto r = parley::setup_logging(*config); !r) {
        fmt::print(stderr, "parleyd: {}\n", r.error().message);
        return 2;
    }
    parley::Server server(std::move(*config));
    if (auto r = server.start(); !r) {
        fmt::print(stderr, "parleyd: {}\n", r.error().message);
        return 1;
    }
    server.wait();
    return 0;
}
