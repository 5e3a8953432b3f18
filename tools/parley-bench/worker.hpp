// The bench's threads (DESIGN.md's model, on the client side): one Worker per
// thread, each with its own io_context, read buffer and SCRAM cache; a
// connection lives on one worker for its life, and so do both sessions of a
// message pair, so scenario state needs no locks. The main thread is the
// controller: it posts work to the workers (Pool::run_on_each), polls their
// counters and reads /proc.
//
// Shared holds what every thread reads (options, TLS context, server address)
// and the ErrorLog, the one object written from several threads (under a
// mutex: errors are rare).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "auth/credentials.hpp"
#include "parley-bench/options.hpp"
#include "parley-bench/scram_client.hpp"
#include "parley-bench/stats.hpp"

typedef struct ssl_ctx_st SSL_CTX;

namespace parley::bench {

enum class ErrorKind {
    connect,       // TCP connect or socket set-up failed
    tls,           // TLS handshake or record layer
    stream_error,  // the server sent <stream:error/>
    sasl,          // SASL <failure/> or a bad server signature
    stanza_error,  // a stanza of type 'error' arrived
    protocol,      // something the server sent that RFC 6120/6121 does not allow here
    duplicate,     // a message arrived twice
    timeout,       // a step did not finish in time
    closed,        // the server closed the connection unasked
};
inline constexpr std::size_t kErrorKinds = 9;
std::string_view to_string(ErrorKind k);

// Counts errors by kind and prints the first few (with who and what) to
// stderr as they happen, so a broken run is loud at once. Thread-safe.
class ErrorLog {
public:
    explicit ErrorLog(std::size_t print_max = 10) : print_max_(print_max) {}
    void record(ErrorKind kind, std::string_view who, std::string_view what);
    std::uint64_t total() const;
    std::array<std::uint64_t, kErrorKinds> by_kind() const;

private:
    mutable std::mutex mu_;
    std::array<std::uint64_t, kErrorKinds> counts_{};
    std::size_t printed_ = 0;
    std::size_t print_max_;
};

using Clock = std::chrono::steady_clock;

struct Shared {
    explicit Shared(const Options& o);
    ~Shared();
    Shared(const Shared&) = delete;
    Shared& operator=(const Shared&) = delete;

    // Nanoseconds since the bench started, on the steady clock (message
    // timestamps and latencies).
    std::int64_t now_ns() const {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - epoch).count();
    }

    const Options& opts;
    ErrorLog errors;
    SSL_CTX* tls = nullptr;  // owned; accepts any certificate (the server's is self-signed)
    boost::asio::ip::tcp::endpoint server;
    std::vector<boost::asio::ip::address_v4> sources;
    std::string stream_header;  // our <stream:stream> opening, serialized once
    bool plain = false;         // PLAIN instead of SCRAM
    auth::Hash hash = auth::Hash::sha256;
    Clock::time_point epoch = Clock::now();
};

class Connection;

class Worker {
public:
    Worker(Shared& shared, unsigned index);
    ~Worker();
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    boost::asio::io_context& io() { return io_; }
    Shared& shared() { return shared_; }
    unsigned index() const { return index_; }
    char* read_buffer() { return read_buf_.data(); }
    std::size_t read_buffer_size() const { return read_buf_.size(); }
    ScramCache& scram() { return scram_; }

    // Write batching: while a Batch lives, Connection::send only queues, and
    // every connection written to is flushed once when the outermost Batch
    // ends (one write per connection per wake-up).
    class Batch {
    public:
        explicit Batch(Worker& w) : w_(w) { ++w_.batch_depth_; }
        ~Batch();
        Batch(const Batch&) = delete;
        Batch& operator=(const Batch&) = delete;

    private:
        Worker& w_;
    };
    bool batching() const { return batch_depth_ > 0; }
    void defer_flush(Connection* c) { dirty_.push_back(c); }

    // Starts a coroutine on this worker; an exception escaping it is an error
    // in the log, not a crash.
    void spawn(boost::asio::awaitable<void> task);

    Counter ended;  // sessions whose serve() has returned

    void start();  // runs the io_context on a new thread
    void stop();   // lets the io_context finish (or stops it after a grace period), joins

private:
    Shared& shared_;
    unsigned index_;
    boost::asio::io_context io_{1};
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guard_;
    std::thread thread_;
    std::vector<char> read_buf_;
    ScramCache scram_;
    std::vector<Connection*> dirty_;
    std::vector<Connection*> flushing_;  // dirty_'s other half, so both keep their capacity
    int batch_depth_ = 0;
};

// The workers, and the controller's way of talking to them.
class Pool {
public:
    Pool(Shared& shared, unsigned threads);
    ~Pool();
    std::size_t size() const { return workers_.size(); }
    Worker& operator[](std::size_t i) { return *workers_[i]; }
    // Runs fn on every worker's thread and returns when every call has returned.
    void run_on_each(const std::function<void(Worker&)>& fn);
    // Stops and joins every worker; idempotent.
    void stop();

private:
    std::vector<std::unique_ptr<Worker>> workers_;
    bool stopped_ = false;
};

// Polls `done` every few milliseconds until it holds or `timeout_s` passes;
// returns done().
bool wait_until(const std::function<bool()>& done, double timeout_s);

}  // namespace parley::bench
