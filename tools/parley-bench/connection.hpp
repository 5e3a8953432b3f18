// Connection: one client session of the bench, from TCP connect to the close
// of the stream: TLS (STARTTLS or direct, XEP-0368), SASL (SCRAM-SHA-1/256 or
// PLAIN), resource binding (RFC 6120 §5-§7), then stanzas in both directions.
//
// Built to be small, since a run holds tens of thousands of them: no read
// buffer of its own (it reads into its Worker's, after waiting for the socket
// to be readable), TLS through OpenSSL directly on the non-blocking socket
// with SSL_MODE_RELEASE_BUFFERS (no 34 KB of asio::ssl buffers per
// connection), one output string that is written in one call per wake-up
// (Worker::Batch), and a coroutine only while logging in and while serving.
//
// Lives on one Worker; not thread-safe. Must outlive the Worker's last
// handler (scenarios keep every Connection until the pool has stopped).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "parley-bench/scram_client.hpp"
#include "parley-bench/worker.hpp"
#include "xml/stream_parser.hpp"

typedef struct ssl_st SSL;

namespace parley::bench {

class Connection;

// What a scenario does with the stanzas a session receives.
class StanzaHandler {
public:
    virtual ~StanzaHandler() = default;
    virtual void on_stanza(Connection& c, const xml::Element& stanza) = 0;
};

class Connection {
public:
    // `number` is the account number (--user-pattern); it also picks the
    // source address.
    Connection(Worker& worker, std::size_t number);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Connects and logs in up to a bound resource. False on failure, which is
    // recorded in the ErrorLog (once per connection).
    boost::asio::awaitable<bool> login();
    // After login(): hands every stanza to `handler` (nullptr: ignore them)
    // until the stream ends, then closes the socket.
    boost::asio::awaitable<void> serve(StanzaHandler* handler);

    // Queues bytes; written at once, or at the end of the current Batch.
    void send(std::string_view bytes);
    // Writes what is queued (Worker::Batch calls it).
    void flush();
    // Sends our </stream:stream>; serve() ends when the server answers.
    void close_stream();
    // Records an error (unless one was recorded already) and closes now.
    void abort(ErrorKind kind, std::string_view why);
    // Records a stanza-level problem for this session without closing it.
    void report(ErrorKind kind, std::string_view what);

    Worker& worker() { return worker_; }
    std::size_t number() const { return number_; }
    const std::string& jid() const { return jid_; }    // full JID from binding
    const std::string& bare() const { return bare_; }  // its bare part
    std::string who() const;
    bool logged_in() const { return logged_in_; }
    bool failed() const { return failed_; }
    bool finished() const { return finished_; }  // login failed, or serve() has ended
    std::int64_t login_ns() const { return login_ns_; }
    std::string_view stage() const { return stage_; }

    std::uint32_t slot = 0;  // for the scenario (e.g. which message stream this session receives)

private:
    boost::asio::awaitable<bool> connect();
    boost::asio::awaitable<bool> tls_handshake();
    boost::asio::awaitable<bool> open_stream(xml::ElementPtr& features);
    boost::asio::awaitable<bool> starttls(const xml::Element& features);
    boost::asio::awaitable<bool> authenticate(const xml::Element& features);
    // The server's answers to <auth/> until <success/> (SCRAM: nullptr for PLAIN).
    boost::asio::awaitable<bool> sasl_answers(ScramClient* scram);
    boost::asio::awaitable<bool> bind(const xml::Element& features);
    // Waits until the socket is readable (or writable); false when aborted.
    boost::asio::awaitable<bool> wait(bool writable);
    // Reads what the socket has and feeds the parser; false at the end of the
    // stream or on an error.
    boost::asio::awaitable<bool> read_more();
    boost::asio::awaitable<bool> next_event(xml::ParseEvent& ev);
    // The next top-level element; nullptr (error recorded) on a stream error,
    // close or anything else.
    boost::asio::awaitable<xml::ElementPtr> next_element(std::string_view waiting_for);
    void send_element(const xml::Element& e);
    void fail(ErrorKind kind, std::string_view what);
    void on_stream_error(const xml::Element& error);
    void on_end_of_stream();
    void wait_writable(bool readable);
    void shutdown();

    Worker& worker_;
    std::size_t number_;
    std::string local_;
    std::string jid_, bare_;
    boost::asio::ip::tcp::socket socket_;
    SSL* ssl_ = nullptr;
    xml::StreamParser parser_;
    std::vector<xml::ParseEvent> events_;
    std::size_t pos_ = 0;  // next unconsumed event
    std::string out_;
    std::size_t out_off_ = 0;  // bytes of out_ already written
    std::int64_t login_ns_ = 0;
    std::string_view stage_ = "not started";
    bool write_waiting_ = false;
    bool dirty_ = false;  // queued for the current Batch's flush
    bool closing_ = false;  // we sent </stream:stream>
    bool logged_in_ = false;
    bool failed_ = false;
    bool finished_ = false;
};

}  // namespace parley::bench
