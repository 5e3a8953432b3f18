// BoshSession: one XEP-0124 session carrying one XMPP client stream
// (XEP-0206), as a ClientChannel under a C2sSession.
//
// HTTP requests for the session arrive on any worker (the one whose
// connection carried them); the module hops each to the session's executor
// (BoshSession::handle is spawned there) and the session does everything on
// that one thread: the rid window, the held requests, the queue of elements
// the stream wrote, the timers. A request is "held" (§4: the connection
// manager answers it when it has something to send, or after `wait`
// seconds); at most `hold` requests stay held, the oldest is answered when
// a newer one arrives. Answered bodies are kept (RidWindow) so a request the
// client sends again gets the very same response.
//
// Ownership: the SessionTable (sid -> session, shared by the module's
// per-host instances), the C2sSession (as its channel) and each request in
// progress hold shared pointers; timers and the session's link back to the
// table are weak.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "modules/bosh/bosh_body.hpp"
#include "modules/bosh/rid_window.hpp"
#include "stream/client_channel.hpp"

namespace parley::mod::bosh {

class BoshSession;

// Settings ([modules.bosh], docs/CONFIGURATION.md).
struct BoshSettings {
    std::int64_t max_wait = 60;       // §7.1: the longest a request is held (seconds)
    std::int64_t max_hold = 1;        // §7.1: requests held at once
    std::int64_t inactivity = 60;     // §7.2: seconds with no request held before the session ends
    std::int64_t max_pause = 120;     // §10: the longest pause a client may ask for
    std::int64_t polling = 2;         // §7.2/§11: shortest interval between empty polls (hold=0)
    std::size_t max_sessions_per_ip = 10;
    std::string cors_origin = "*";    // Access-Control-Allow-Origin
    std::size_t max_body_size = 256 * 1024;
};

// The sessions of the server: sid -> session, and the number per client
// address. Any worker looks up; a mutex guards the maps (held only for a
// look-up, an insert or a removal).
class SessionTable {
public:
    // Inserts unless `ip` has `max_per_ip` sessions already.
    bool add(const std::string& sid, const std::string& ip, std::shared_ptr<BoshSession> s,
             std::size_t max_per_ip);
    std::shared_ptr<BoshSession> find(const std::string& sid) const;
    void remove(const std::string& sid, const std::string& ip);
    std::size_t size() const;

private:
    mutable std::mutex mutex_;
    std::unordered_map<std::string, std::shared_ptr<BoshSession>> sessions_;  // GUARDED_BY(mutex_)
    std::map<std::string, std::size_t> per_ip_;                               // GUARDED_BY(mutex_)
};

// One HTTP request for a session; lives in the request's coroutine while
// the session handles it.
struct BoshExchange {
    RequestBody req;
    std::string response;  // the <body/> to answer with
};

class BoshSession final : public ClientChannel, public std::enable_shared_from_this<BoshSession> {
public:
    struct Params {
        std::string sid;
        std::uint64_t first_rid = 0;
        std::int64_t wait = 60;
        std::int64_t hold = 1;
        std::int64_t inactivity = 60;
        std::int64_t max_pause = 120;
        std::int64_t polling = 2;
        bool acks = false;        // §9.1: the client asked for acknowledgements
        std::string host;         // the 'to' of the creation request
        bool secure = false;
        std::string remote_address;
    };
    BoshSession(boost::asio::any_io_executor ex, Params p, std::shared_ptr<SessionTable> table);

    // On executor(): the session creation request (§7.1), after
    // start_client_stream; answered with the §7.2 attributes and the stream
    // features once the stream has written them.
    boost::asio::awaitable<void> handle_creation(BoshExchange* x);
    // On executor(): any later request of the session.
    boost::asio::awaitable<void> handle(BoshExchange* x);
    // Ends the session (server shutdown): answers what is held with `condition`.
    void shutdown(std::string_view condition);

    const std::string& sid() const { return p_.sid; }

    // ClientChannel
    boost::asio::any_io_executor executor() const override { return ex_; }
    boost::asio::awaitable<bool> read(std::vector<xml::ParseEvent>& out,
                                      xml::ParseError& error) override;
    void restart() override;
    void write_header(const xml::Element& header) override;
    void write(const xml::Element& e) override;
    void write_prepared(const xml::Element& stanza, const xml::Prepared& bytes,
                        std::string_view to) override;
    void write_close() override;
    std::size_t queued() const override { return out_.size(); }
    boost::asio::awaitable<void> drain() override;
    void close_after_write() override;
    void close() override;
    bool secure() const override { return p_.secure; }
    const std::string& remote_address() const override { return p_.remote_address; }
    std::string_view kind() const override { return "BOSH"; }

private:
    struct Held {
        explicit Held(boost::asio::any_io_executor ex, std::uint64_t r) : rid(r), timer(ex) {}
        std::uint64_t rid;
        boost::asio::steady_timer timer;
        std::optional<std::string> response;
    };
    using HeldPtr = std::shared_ptr<Held>;

    boost::asio::awaitable<void> hold_and_wait(const HeldPtr& h, std::string* response);
    void process(const RequestBody& req);
    void push_stream_open(const RequestBody& req);
    bool too_frequent_poll(const RequestBody& req);
    void answer(const HeldPtr& h);
    void answer_all_terminate(std::string_view condition);
    void trim_held();
    void schedule_flush();
    void flush();
    void fail(BoshExchange* x, std::string_view condition);
    void end();
    void wake_waiters();
    void arm_idle_timer();

    boost::asio::any_io_executor ex_;
    Params p_;
    std::weak_ptr<SessionTable> table_;  // weak: the table holds the session
    RidWindow window_;

    std::deque<HeldPtr> held_;         // by rid, oldest first
    std::vector<std::shared_ptr<boost::asio::steady_timer>> waiters_;  // requests ahead of the window
    std::string out_;                  // serialized elements for the next response
    bool creation_answered_ = false;
    std::string authid_;               // our stream id (XEP-0206 §3)
    bool stream_error_ = false;        // a <stream:error/> was written (XEP-0206 §6)
    bool closing_ = false;             // the stream ended: the next response terminates
    bool ended_ = false;               // out of the table; every request gets item-not-found
    bool flush_scheduled_ = false;
    std::int64_t pause_ = 0;           // §10: the inactivity limit of the current pause
    std::chrono::steady_clock::time_point last_empty_poll_{};

    std::vector<xml::ParseEvent> inbound_;
    bool read_closed_ = false;
    boost::asio::steady_timer read_wake_;
    boost::asio::steady_timer drain_wake_;
    boost::asio::steady_timer idle_timer_;
};

}  // namespace parley::mod::bosh
