// Server-to-server streams (RFC 6120, issue 4): what the incoming and the
// outgoing stream share. S2sStream owns the connection (TcpTransport), the
// parser and the stream's life: it hands out parse events one at a time
// (next_event), writes the jabber:server header with the dialback prefix,
// stanzas and stream errors, runs STARTTLS/direct TLS with the s2s TLS
// settings, checks the peer's certificate (s2s/cert_verify) and closes
// streams that stay idle.
//
// Content namespace: stanzas on these streams are in jabber:server; inside
// the server they are jabber:client (what modules match on), so incoming
// stanzas are renamed at the edge (rename_namespace) and outgoing ones are
// written with jabber:server as the stream default (the serializer omits the
// stanza's own xmlns: RFC 6120 §4.8.3).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "core/session.hpp"
#include "s2s/cert_verify.hpp"
#include "s2s/dialback.hpp"
#include "s2s/resolver.hpp"
#include "transport/tcp_transport.hpp"
#include "xml/stream_parser.hpp"

namespace parley {

struct Config;
class Router;
class TlsContexts;
class Federation;

// What the s2s streams need from the server; owned by the Server.
struct S2sServices {
    const Config& config;
    Router& router;
    TlsContexts& tls;
    s2s::TrustStore trust;
    s2s::DialbackSecret dialback;
    std::shared_ptr<const s2s::StaticRoutes> routes;
    std::atomic<std::uint64_t>& next_id;
    Federation* federation = nullptr;
};

class S2sStream : public Session {
public:
    ~S2sStream() override;

    // Sends the stream error (after our header, if none was sent) and closes.
    void close(xmpp::StreamError err) override;
    bool secure() const override;
    std::string remote_address() const override;
    bool closed() const { return closed_; }

protected:
    S2sStream(std::string id, S2sServices& services, boost::asio::any_io_executor ex);

    // The next event of the stream, in order; nullopt when the stream ended
    // (closed by either side, or a parse error, which is answered with its
    // stream error here).
    boost::asio::awaitable<std::optional<xml::ParseEvent>> next_event();
    // Forgets what was parsed: the next event is a new stream header (RFC
    // 6120 §5.4.3.3, §6.4.6).
    void restart();

    // Our stream header: jabber:server, the db: prefix (XEP-0220 §2.1),
    // version 1.0. Empty values are left out.
    void send_header(std::string_view from, std::string_view to, std::string_view id);
    void send(const xml::Element& e);
    // Ends the stream politely (RFC 6120 §4.4).
    void end_stream();
    boost::asio::awaitable<bool> start_tls(SSL_CTX* ctx, TcpTransport::Handshake how);
    // The peer's certificate checked for `domain` (RFC 6125): the match, or
    // why it is not good enough.
    Result<s2s::IdentityMatch, s2s::CertError> check_certificate(std::string_view domain) const;

    // The idle timer (s2s.idle_timeout): started once the stream carries
    // stanzas, pushed back by touch(); when it expires the stream ends.
    void start_idle_timer();
    void touch() { last_activity_ = std::chrono::steady_clock::now(); }

    S2sServices& svc_;
    std::shared_ptr<TcpTransport> transport_;  // null until connected (outgoing)
    xml::StreamParser parser_;
    bool closed_ = false;
    bool header_sent_ = false;

private:
    void arm_idle_timer(std::chrono::steady_clock::duration after);

    std::deque<xml::ParseEvent> pending_;
    std::vector<xml::ParseEvent> scratch_;
    xml::ParseError parse_error_ = xml::ParseError::none;
    boost::asio::steady_timer idle_timer_;
    std::chrono::steady_clock::time_point last_activity_;
};

// The checks every stanza arriving on an s2s stream passes (RFC 6120 §4.9.3,
// §8.1.1.2, §8.1.2.1): a stanza in jabber:server, 'from' and 'to' present,
// 'from' in a domain the stream has authenticated, 'to' in a domain this
// server serves. The stanza in jabber:client, or the stream error to close with.
Result<xml::ElementPtr, xmpp::StreamError> accept_s2s_stanza(
    const xml::Element& el, const std::set<std::string, std::less<>>& authenticated,
    const Router& router);

}  // namespace parley
