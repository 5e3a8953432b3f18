// ComponentSession: one external component's stream (XEP-0114 Jabber
// Component Protocol, "accept" method): the component connects to the
// component listener, names its domain in the stream header, proves it knows
// the shared secret with <handshake/>, and is then attached to the router as
// the owner of that domain: stanzas to the domain are written to this stream,
// stanzas from the component are routed like a server's.
//
// Same shape as C2sSession: one coroutine per connection reads, parses and
// handles elements in order; the stream's state is one enum. The session lives
// on the worker that accepted it; deliver() and close() are called there (the
// router posts to executor()).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

#include "core/session.hpp"
#include "stream/stream_util.hpp"
#include "xml/stream_parser.hpp"

namespace parley {

struct Config;
class Router;
class TcpTransport;

// What a component stream needs from the server; owned by the Server.
struct ComponentServices {
    const Config& config;  // Config::components: the domains and their secrets
    Router& router;
    std::atomic<std::uint64_t>& next_id;
};

// Starts a component session on the socket's executor.
void start_component_session(ComponentServices& services, boost::asio::ip::tcp::socket socket);

// The <handshake/> value of XEP-0114 §3: SHA-1 of the stream id followed by
// the shared secret, in lower-case hex (40 characters).
std::string component_handshake_digest(std::string_view stream_id, std::string_view secret);
// True when `received` (surrounding whitespace ignored; upper-case hex
// accepted) is that digest. Compares in constant time.
bool component_handshake_matches(std::string_view received, std::string_view stream_id,
                                 std::string_view secret);

class ComponentSession final : public Session {
public:
    ComponentSession(ComponentServices& services, boost::asio::ip::tcp::socket socket);
    ~ComponentSession() override;

    boost::asio::awaitable<void> run();
    // Ends the session after the stream ended or failed (detaches the domain).
    void on_closed();

    void deliver(const xml::ElementRef& stanza) override;
    void close(xmpp::StreamError err) override;
    bool secure() const override;
    std::string remote_address() const override;

private:
    enum class State {
        wait_header,     // before the component's stream header
        wait_handshake,  // header answered, expecting <handshake/>
        ready,           // authenticated and attached: stanzas flow
        closed,
    };

    boost::asio::awaitable<void> handle_event(xml::ParseEvent& ev);
    void on_stream_open(const xml::StreamOpen& open);
    void on_handshake(const xml::Element& el);
    boost::asio::awaitable<void> on_stanza(const xml::Element& el);
    void send(const xml::Element& e);
    void detach();

    ComponentServices& svc_;
    std::shared_ptr<TcpTransport> transport_;
    xml::StreamParser parser_;
    State state_ = State::wait_header;
    bool header_sent_ = false;
    bool attached_ = false;  // the router routes domain_ to this session
    std::string stream_id_;
    std::string domain_;     // the component's domain, from its stream header
    std::string secret_;
};

}  // namespace parley
