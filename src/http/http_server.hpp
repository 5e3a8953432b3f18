// The HTTP/1.1 server (RFC 9112) shared by the web-facing features: XEP-0363
// uploads now, WebSocket (RFC 7395), BOSH, the admin API and metrics later.
// Boost.Beast on the worker threads, the server-flex-awaitable shape: one
// coroutine per connection, errors as values, a header limit, per-request body
// limits and timeouts (header read, body idle, keep-alive idle).
//
// Ownership: Server owns the listeners and the HttpRoutes; modules add routes
// through ModuleContext::http_route while they start (the table is read-only,
// and read without locks, once the listeners open). A connection lives on the
// worker that accepted it; an Exchange is touched only by that worker.
//
// Streaming: a handler reads the request body in chunks into its own buffer
// (Exchange::read_body) and writes a response body in chunks it produces
// (Exchange::respond_stream), so a file never sits in memory whole.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/result.hpp"

namespace parley::http {

namespace bhttp = boost::beast::http;

using Response = bhttp::response<bhttp::string_body>;
using ResponseHead = bhttp::response<bhttp::empty_body>;
using RequestHead = bhttp::request_header<>;

struct Limits {
    std::size_t max_header_bytes = 8 * 1024;
    std::uint64_t default_body_limit = 64 * 1024;  // a handler may raise it per request
    std::chrono::seconds header_timeout{30};       // from connection/request start to full header
    std::chrono::seconds body_timeout{60};         // without a byte of body, either way
    std::chrono::seconds keep_alive_timeout{60};   // idle between requests
    std::size_t max_requests_per_connection = 1000;
};

// The two kinds of connection the server accepts.
using PlainStream = boost::beast::tcp_stream;
using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

// A connection a handler took over after an upgrade request (RFC 9110 §7.8,
// e.g. a WebSocket handshake): the stream (plain or TLS, handshake done),
// the request, and the bytes the server had read past the request's header.
// The server keeps nothing of the connection: its parser and buffer are freed
// when the handler returns, so a long-lived upgraded connection costs only
// what its new owner keeps.
struct TakenConnection {
    std::variant<PlainStream, TlsStream> stream;
    bhttp::request<bhttp::empty_body> request;
    boost::beast::flat_buffer buffered;
};

// Fills `buf` with up to buf.size() bytes of a response body; returns how many
// (0 = the source failed; the connection is then closed).
using BodySource = std::function<std::size_t(std::span<char> buf)>;

// One request and its response. The handler must answer exactly once
// (respond or respond_stream); if it does not, the server answers 500.
class Exchange {
public:
    virtual ~Exchange() = default;

    virtual const RequestHead& request() const = 0;
    std::string_view method() const { return request().method_string(); }
    // The target's path (before '?') and query (after it, "" when none).
    virtual std::string_view path() const = 0;
    virtual std::string_view query() const = 0;
    // The declared Content-Length, if any (chunked bodies have none).
    virtual std::optional<std::uint64_t> content_length() const = 0;

    // Raises (or lowers) the body limit for this request before reading it.
    virtual void set_body_limit(std::uint64_t bytes) = 0;
    // Reads up to buf.size() bytes of the request body; 0 = the body is
    // complete. Answers "Expect: 100-continue" on the first call. An error
    // (timeout, limit, peer gone) means the connection will be closed.
    virtual boost::asio::awaitable<Result<std::size_t>> read_body(std::span<char> buf) = 0;
    virtual bool body_done() const = 0;

    // Sends a complete response (Content-Length computed). `res` must live
    // until the await completes. False when the connection failed.
    virtual boost::asio::awaitable<bool> respond(Response& res) = 0;
    // Sends `head` with Content-Length `length`, then the body pulled from
    // `source` in chunks (nothing for HEAD requests).
    virtual boost::asio::awaitable<bool> respond_stream(ResponseHead& head, std::uint64_t length,
                                                        const BodySource& source) = 0;
    virtual bool responded() const = 0;
    // Answers nothing: the connection is closed once the handler returns
    // (e.g. XEP-0124 §19.1, a request that must not be answered on this
    // connection). Counts as the handler's one answer.
    virtual void close_without_response() = 0;

    // The client's address (without the port), for logs and per-address limits.
    virtual const std::string& remote_address() const = 0;
    // True on the HTTPS listener.
    virtual bool secure() const = 0;
    // Takes the connection over (an upgrade: the handler answers the request
    // itself, on the stream, e.g. with 101 Switching Protocols). Only before
    // any response and before reading a body; nullopt otherwise. The
    // connection's executor is the stream's: the new owner runs there.
    virtual std::optional<TakenConnection> take_connection() = 0;
};

using Handler = std::function<boost::asio::awaitable<void>(Exchange&)>;

// Route table: the longest registered path prefix that starts the request's
// path wins. Built at start-up, read-only afterwards.
class Routes {
public:
    // False when the prefix is taken already or does not start with '/'.
    bool add(std::string prefix, Handler h);
    const Handler* find(std::string_view path) const;
    bool empty() const { return routes_.empty(); }

private:
    std::vector<std::pair<std::string, Handler>> routes_;  // longest first
};

// A response with a plain-text body (and the headers every response carries).
Response text_response(const RequestHead& req, bhttp::status status, std::string_view text);

// Serves one accepted connection until it closes: plain HTTP when `tls` is
// null, else HTTPS with the handshake first. Starts a coroutine on the
// socket's executor and returns at once. routes and limits must outlive it.
void serve(boost::asio::ip::tcp::socket socket, const Routes& routes, const Limits& limits,
           boost::asio::ssl::context* tls);

// Percent-decoding for path segments and query values (RFC 3986 §2.1);
// nullopt for a malformed escape.
std::optional<std::string> percent_decode(std::string_view s);
std::string percent_encode(std::string_view s);  // everything but unreserved characters
// The value of `name` in an application/x-www-form-urlencoded query, decoded.
std::optional<std::string> query_param(std::string_view query, std::string_view name);

}  // namespace parley::http
