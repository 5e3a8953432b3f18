// Server: owns every long-lived piece of parleyd and starts and stops them in
// order: logging, storage, TLS, router and modules per virtual host, worker
// threads, listeners. main() builds one from the config and runs it.
#pragma once

#include <atomic>
#include <memory>
#include <vector>

#include "core/config.hpp"
#include "core/result.hpp"

namespace parley {

class Server {
public:
    explicit Server(Config config);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Opens storage, loads modules, binds the listeners and starts the
    // workers; prints what it does. An error says what to fix.
    Result<void> start();
    // Blocks until SIGINT/SIGTERM or stop(), then shuts down in order.
    void wait();
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Sets up the default spdlog logger from the config (level, file or stderr).
Result<void> setup_logging(const Config& config);

}  // namespace parley
