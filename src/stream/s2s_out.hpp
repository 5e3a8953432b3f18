// S2sOut: our stream to another server, for one (our domain, remote domain)
// pair (RFC 6120 §4, we are the initiating entity). It finds the peer
// (static route, SRV records, or the domain on 5269: s2s/resolver), connects
// to its addresses happy-eyeballs style (RFC 8305: attempts started 250 ms
// apart, the first to connect wins), runs STARTTLS or direct TLS (XEP-0368),
// checks the peer's certificate (RFC 6125) and authenticates with SASL
// EXTERNAL (XEP-0178) or Server Dialback (XEP-0220), as the per-domain policy
// (s2s.auth, s2s.domains) allows. Stanzas wait in a bounded queue until then;
// if the stream cannot be set up within s2s.connect_timeout they are bounced.
//
// It also carries our <db:verify/> questions to the remote Authoritative
// Server (when we are the Receiving Server of the remote's dialback), and,
// with XEP-0288, stanzas from the remote back to us.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "stream/s2s_stream.hpp"
#include "xmpp/stanza_error.hpp"

namespace parley {

class S2sOut final : public S2sStream {
public:
    using VerifyDone = std::function<void(bool valid, std::string why)>;

    S2sOut(S2sServices& services, std::string local, std::string remote,
           boost::asio::any_io_executor ex);
    ~S2sOut() override;

    // Starts connecting (on the session's executor).
    void start();

    // Any thread: queues a stanza (sent once the stream is ready).
    void enqueue(xml::ElementRef stanza);
    // Any thread: sends <db:verify/> for a key the remote's server sent us.
    void request_verify(std::string stream_id, std::string key, VerifyDone done);

    // On the session's thread: enqueue().
    void deliver(const xml::ElementRef& stanza) override;

    const std::string& local() const { return local_; }
    const std::string& remote() const { return remote_; }

private:
    struct Verify {
        std::string stream_id;
        std::string key;
        VerifyDone done;
    };

    boost::asio::awaitable<void> run();
    // Connects, secures and authenticates; "" on success, else why not.
    boost::asio::awaitable<std::string> establish();
    boost::asio::awaitable<std::string> connect();
    // Reads the peer's header and features; "" on success, else why not.
    boost::asio::awaitable<std::string> open_stream(xml::ElementPtr& features);
    boost::asio::awaitable<std::string> authenticate(const xml::Element& features);
    // The next element; stream errors and the peer's close end in nullptr
    // with `why` set. <db:verify/> answers are handled on the way.
    boost::asio::awaitable<xml::ElementPtr> next_element(std::string& why);
    void on_verify_answer(const xml::Element& el);
    void send_verifies();
    void take(xml::ElementRef stanza);
    void fail_all(xmpp::Condition condition, const std::string& why);

    std::string local_;
    std::string remote_;
    std::string peer_stream_id_;
    std::string auth_method_;
    bool ready_ = false;
    bool can_verify_ = false;  // the stream is open (and secured): db:verify may go
    bool timed_out_ = false;
    std::deque<xml::ElementRef> queue_;
    std::vector<Verify> verifies_;                  // not sent yet
    std::multimap<std::string, VerifyDone> asked_;  // sent, by stream id
    boost::asio::steady_timer deadline_;
    std::function<void()> cancel_connect_;
};

}  // namespace parley
