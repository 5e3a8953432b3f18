// Sessions: the connections of one scenario run, spread over the Pool's
// workers, and the phases every scenario shares: log everyone in with C
// logins in flight, and close every stream at the end. Used by the
// controller (main) thread; the connections themselves live on the workers.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "parley-bench/connection.hpp"
#include "parley-bench/stats.hpp"
#include "parley-bench/worker.hpp"

namespace parley::bench {

class Sessions {
public:
    // Sessions for accounts first..first+count-1. Session i lives on worker
    // (i / group) % workers: group 2 keeps both sessions of a pair together.
    Sessions(Pool& pool, std::size_t first, std::size_t count, std::size_t group = 1);
    // Stops the pool first: no handler may run once the connections are gone.
    ~Sessions();
    Sessions(const Sessions&) = delete;
    Sessions& operator=(const Sessions&) = delete;

    std::size_t size() const { return all_.size(); }
    Connection& operator[](std::size_t i) { return *all_[i]; }
    // The sessions of worker w; touch them only on that worker's thread.
    const std::vector<Connection*>& on_worker(std::size_t w) const { return by_worker_[w]; }

    struct LoginStats {
        std::size_t ok = 0;
        std::size_t failed = 0;
        double seconds = 0;  // from the first connect to the last login done
        LatencySummary latency;
    };
    // Logs every session in, `concurrency` logins in flight over all workers.
    // A session that logged in then serves with `handler`, or, with
    // `close_after`, closes its stream at once (the login scenario). Sessions
    // still logging in after `timeout` seconds are aborted (timeout errors).
    LoginStats login_all(StanzaHandler* handler, bool close_after, std::size_t concurrency,
                         double timeout, const char* what);
    // Sends </stream:stream> on every session in service and waits up to
    // `timeout` seconds for the server to close them all (RFC 6120 §4.4).
    void close_all(double timeout);

private:
    Pool& pool_;
    std::vector<std::unique_ptr<Connection>> all_;
    std::vector<std::vector<Connection*>> by_worker_;
};

// Progress lines on stderr for long phases (not with --quiet).
void progress(const Options& o, const std::string& line);

}  // namespace parley::bench
