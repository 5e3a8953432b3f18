// C2sSession: one client-to-server stream (RFC 6120), from the first byte to
// the close: stream negotiation (STARTTLS §5, SASL §6, resource binding §7,
// the legacy session iq of RFC 3921 §3), then stanzas from the client to the
// router and from the router to the client.
//
// One coroutine per connection reads, parses and handles stanzas in order;
// the stream's state is one enum (STYLE.md b.9). The session lives on the
// worker that accepted it; deliver() is called there by the router. What is
// under the stream (TCP, a WebSocket, BOSH requests) is a ClientChannel
// (stream/client_channel.hpp); the session never sees bytes or framing.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "auth/sasl.hpp"
#include "core/idle_sweep.hpp"
#include "core/session.hpp"
#include "stream/stream_management.hpp"
#include "xml/stream_parser.hpp"

namespace parley {

struct Config;
class Router;
class ClientChannel;
class TlsContexts;
class Throttle;
class HookTable;
namespace storage {
class Storage;
}

class C2sSession;

// The sessions a client may resume (XEP-0198 §5), by stream-management id,
// with the bare JID that owns each (only that account may resume it).
class ResumableSessions {
public:
    void add(const std::string& id, std::string bare, std::weak_ptr<C2sSession> s);
    // The session, if `bare` owns it and it still exists.
    std::shared_ptr<C2sSession> find(const std::string& id, std::string_view bare) const;
    // Forgets `id` if it still names `s`.
    void remove(const std::string& id, const C2sSession* s);

private:
    struct Entry {
        std::string bare;
        std::weak_ptr<C2sSession> session;
    };
    mutable std::mutex mu_;
    std::unordered_map<std::string, Entry> by_id_;  // GUARDED_BY(mu_)
};

// What a client stream needs from the server; owned by the Server.
struct C2sServices {
    const Config& config;
    Router& router;
    storage::Storage& storage;
    TlsContexts& tls;
    Throttle& auth_failures;  // keyed by "ip:ADDR" and "user:JID"
    Throttle& stream_opens;   // keyed by IP
    std::atomic<std::uint64_t>& next_id;
    ResumableSessions& resumable;
};

class C2sSession final : public Session, private IdleSweep::Member {
public:
    // Starts a session on the socket's executor; `direct_tls` handshakes first (XEP-0368).
    static void start(C2sServices& services, boost::asio::ip::tcp::socket socket, bool direct_tls);
    // Starts a session over any channel, on the channel's executor.
    static void start(C2sServices& services, std::shared_ptr<ClientChannel> channel);

    C2sSession(C2sServices& services, std::shared_ptr<ClientChannel> channel);
    ~C2sSession() override;

    void deliver(const xml::ElementRef& stanza) override;
    void deliver_unfiltered(const xml::ElementRef& stanza) override;
    void deliver_prepared(const xml::ElementRef& stanza, const xml::Prepared& bytes) override;
    void close(xmpp::StreamError err) override;
    bool secure() const override;
    std::string remote_address() const override;

private:
    enum class State {
        wait_header,     // before the client's stream header
        negotiating,     // features sent, expecting starttls/auth/iq
        authenticating,  // SASL exchange in progress
        authenticated,   // after <success/>, waiting for the restart
        resuming,        // taking over a dropped session (XEP-0198 §5)
        bound,           // resource bound: stanzas flow (RFC 6120 §7)
        hibernating,     // the connection dropped; waiting to be resumed (XEP-0198 §5)
        closed,
    };

    boost::asio::awaitable<void> run();
    void release_idle_memory() override;
    boost::asio::awaitable<bool> handle_event(xml::ParseEvent& ev);
    bool on_stream_open(const xml::StreamOpen& open);
    void send_features();
    boost::asio::awaitable<void> on_element(xml::ElementPtr el);
    boost::asio::awaitable<void> on_starttls();
    boost::asio::awaitable<void> on_auth(const xml::Element& el);
    boost::asio::awaitable<void> on_sasl_response(const xml::Element& el);
    boost::asio::awaitable<void> sasl_continue(auth::SaslStep step);
    void sasl_fail(auth::SaslFailure f, const std::string& why);
    boost::asio::awaitable<void> on_pre_bind_iq(const xml::Element& iq);
    boost::asio::awaitable<void> on_bind(const xml::Element& iq);
    boost::asio::awaitable<void> on_stanza(xml::ElementPtr stanza);
    boost::asio::awaitable<void> on_closed();
    void send(const xml::Element& e);
    // SASL channel bindings of the channel's TLS connection (none without one).
    auth::ChannelBindings channel_bindings() const;
    // A stanza to the client: written, and counted by stream management.
    void send_stanza(const xml::ElementRef& stanza);
    // Stream management's count of a stanza written (by send_stanza or as prepared bytes).
    void sent_stanza(const xml::ElementRef& stanza);
    // The client reads what it is sent (else the stream is closed).
    bool may_write();

    // XEP-0198 stream management (stream/stream_management.hpp holds the counts).
    void on_sm_element(const xml::Element& el);
    void on_enable(const xml::Element& el);
    boost::asio::awaitable<void> on_resume(const xml::Element& el);
    void request_ack();
    boost::asio::awaitable<void> hibernate();
    // On the thread of a session being resumed elsewhere: ends it here and
    // gives away what the new stream continues with; nullopt when it ended.
    struct Handover {
        xmpp::Jid jid;
        std::unique_ptr<StreamManagement> sm;
        ExtSlots ext;
        std::shared_ptr<DeliveryFilter> filter;
    };
    std::optional<Handover> hand_over(const std::shared_ptr<C2sSession>& successor);
    // Unacknowledged stanzas of an ended session: delivered elsewhere (§5).
    boost::asio::awaitable<void> settle_unacked();
    void send_iq_error(const xml::Element& iq, xmpp::StanzaError err);

    C2sServices& svc_;
    std::shared_ptr<ClientChannel> channel_;
    std::vector<xml::ParseEvent> events_;  // of the read being handled
    State state_ = State::wait_header;
    bool header_sent_ = false;
    bool restart_ = false;  // a stream restart was asked for: parse afresh
    std::string host_;      // the virtual host this stream is for
    const HookTable* table_ = nullptr;
    std::string stream_id_;
    std::string lang_;
    std::unique_ptr<auth::Mechanism> sasl_;
    std::string sasl_user_;  // the normalized localpart being authenticated
    std::string user_;       // localpart after authentication
    int sasl_failures_ = 0;
    bool unbound_ = false;
    bool first_header_seen_ = false;   // removed from the registry and 'closed' hooks run
    std::unique_ptr<StreamManagement> sm_;  // after <enable/>
    bool handed_over_ = false;              // resumed on another connection: nothing to end
    std::weak_ptr<C2sSession> successor_;   // that connection's session
    std::vector<xml::ElementRef> resume_backlog_;  // routed here while resuming
    std::optional<boost::asio::steady_timer> hibernation_;
};

}  // namespace parley
