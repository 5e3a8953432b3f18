// ClientChannel: the wire under one client stream (C2sSession). The session
// speaks in stream events (xml::ParseEvent) and top-level elements; the
// channel frames them for its transport:
// - TcpChannel (stream/tcp_channel.hpp): RFC 6120 over TCP, one XML stream
//   parsed incrementally, STARTTLS (§5) or direct TLS (XEP-0368);
// - WebSocket (RFC 7395): one element per message, <open/> and <close/> in
//   place of the stream header and end;
// - BOSH (XEP-0124/0206): elements wrapped in the <body/> of HTTP requests.
// So every transport gets the same negotiation, SASL, binding, stream
// management and limits (STYLE.md b.2: one stream machine).
//
// A channel lives on one worker thread (its executor), the session's; not
// thread-safe.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "xml/element.hpp"
#include "xml/prepared.hpp"
#include "xml/stream_parser.hpp"

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

namespace parley {

class ClientChannel {
public:
    virtual ~ClientChannel() = default;

    virtual boost::asio::any_io_executor executor() const = 0;

    // Called once before the first read: e.g. the TLS handshake of a direct
    // TLS connection. False when the connection cannot be used.
    virtual boost::asio::awaitable<bool> open() { co_return true; }

    // Waits for what the client sends next and appends its events to `out`
    // (at least one, unless the connection ended or the input was bad).
    // The stream header arrives as xml::StreamOpen with a header named
    // <stream> in the streams namespace and content namespace jabber:client
    // when the client framed it correctly for this transport; its end as
    // xml::StreamClose. Returns false when the connection ended; sets
    // `error` when the input was malformed (the events completed before the
    // error are still appended, and the channel stays failed).
    virtual boost::asio::awaitable<bool> read(std::vector<xml::ParseEvent>& out,
                                              xml::ParseError& error) = 0;
    // A stream restart (RFC 6120 §4.3.3, after STARTTLS and SASL): input
    // that followed the element ending the old stream is discarded; the
    // next read expects a new header.
    virtual void restart() = 0;

    // Our stream header; `header` carries its attributes (from, id,
    // version, xml:lang), no children.
    virtual void write_header(const xml::Element& header) = 0;
    // One top-level element of the stream (stanza, nonza, stream error), in
    // jabber:client content.
    virtual void write(const xml::Element& e) = 0;
    // A stanza serialized once for many (xml::Prepared), addressed to `to`;
    // a channel that cannot use the bytes writes `stanza` with 'to' set.
    virtual void write_prepared(const xml::Element& stanza, const xml::Prepared& bytes,
                                std::string_view to) = 0;
    // The end of our stream (</stream:stream>, <close/>, a terminating body).
    virtual void write_close() = 0;
    // Bytes written and not yet taken by the client (its backlog).
    virtual std::size_t queued() const = 0;
    // Waits until everything written so far is sent (or the connection failed).
    virtual boost::asio::awaitable<void> drain() = 0;
    // Sends what is queued, then closes.
    virtual void close_after_write() = 0;
    // Closes now; a pending read() returns false.
    virtual void close() = 0;

    // Encrypted between the client and this server (TLS on TCP or on the
    // HTTP listener).
    virtual bool secure() const = 0;
    // The TLS connection, for SASL channel bindings (RFC 9266, RFC 5929);
    // null when there is none or the channel cannot offer bindings.
    virtual SSL* ssl() const { return nullptr; }
    // STARTTLS (RFC 6120 §5) is offered only where it can happen.
    virtual bool can_starttls() const { return false; }
    // Sends what is queued, then the TLS handshake as the server. False
    // when it failed (the channel is then closed).
    virtual boost::asio::awaitable<bool> starttls(SSL_CTX* ctx) {
        (void)ctx;
        co_return false;
    }
    // The client's address (for logs and per-address limits).
    virtual const std::string& remote_address() const = 0;
    // A short name for logs: "TCP", "direct TLS", "WebSocket", "BOSH".
    virtual std::string_view kind() const = 0;

    // Frees buffers an idle connection does not need (IdleSweep).
    virtual void release_idle_memory() {}
};

}  // namespace parley
