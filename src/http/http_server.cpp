// The HTTP/1.1 server: one coroutine per connection (Beast's
// server-flex-awaitable shape), keep-alive, header and body limits, timeouts
// on every read and write via beast::tcp_stream's expiry.
#include "http/http_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>
#include <optional>

namespace parley::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kChunk = 64 * 1024;           // response body chunk (one buffer per download)
constexpr std::size_t kMaxDrain = 4 * 1024 * 1024;  // unread request body discarded before closing
constexpr std::chrono::seconds kCloseTimeout{2};

template <class Stream>
class Connection final : public Exchange {
public:
    static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

    Connection(Stream stream, const Routes& routes, const Limits& limits)
        : stream_(std::move(stream)), routes_(routes), limits_(limits) {
        boost::system::error_code ec;
        auto ep = lowest().socket().remote_endpoint(ec);
        if (!ec) {
            auto addr = ep.address();
            if (addr.is_v6() && addr.to_v6().is_v4_mapped()) {
                addr = asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6());
            }
            remote_ = addr.to_string();
        }
    }

    asio::awaitable<void> run();

    const RequestHead& request() const override { return parser_->get().base(); }
    std::string_view path() const override { return path_; }
    std::string_view query() const override { return query_; }
    std::optional<std::uint64_t> content_length() const override {
        auto len = parser_->content_length();
        return len ? std::optional<std::uint64_t>(*len) : std::nullopt;
    }
    void set_body_limit(std::uint64_t bytes) override { body_limit_ = bytes; }
    bool body_done() const override { return parser_->is_done(); }
    bool responded() const override { return responded_; }
    void close_without_response() override {
        responded_ = true;
        failed_ = true;  // no keep-alive: run() closes the connection
    }
    const std::string& remote_address() const override { return remote_; }
    bool secure() const override { return kTls; }

    std::optional<TakenConnection> take_connection() override;

    asio::awaitable<Result<std::size_t>> read_body(std::span<char> buf) override;
    asio::awaitable<bool> respond(Response& res) override;
    asio::awaitable<bool> respond_stream(ResponseHead& head, std::uint64_t length,
                                         const BodySource& source) override;

private:
    beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }
    bool keep_alive() const {
        return !failed_ && parser_->get().keep_alive() && parser_->is_done();
    }
    asio::awaitable<void> answer_error(bhttp::status status, std::string_view text);
    asio::awaitable<void> close();

    Stream stream_;
    const Routes& routes_;
    const Limits& limits_;
    beast::flat_buffer buffer_;
    std::optional<bhttp::request_parser<bhttp::buffer_body>> parser_;
    std::string_view path_;
    std::string_view query_;
    std::uint64_t body_limit_ = 0;
    std::uint64_t body_read_ = 0;
    bool responded_ = false;
    bool continue_sent_ = false;
    bool failed_ = false;
    bool taken_ = false;  // take_connection() moved the stream out
    std::string remote_;
};

template <class Stream>
std::optional<TakenConnection> Connection<Stream>::take_connection() {
    if (taken_ || responded_ || failed_ || body_read_ > 0 || continue_sent_) {
        return std::nullopt;
    }
    taken_ = true;
    lowest().expires_never();
    TakenConnection t{std::move(stream_), bhttp::request<bhttp::empty_body>(parser_->get().base()),
                      std::move(buffer_)};
    return t;
}

template <class Stream>
asio::awaitable<void> Connection<Stream>::run() {
    if constexpr (kTls) {
        lowest().expires_after(limits_.header_timeout);
        auto [ec] = co_await stream_.async_handshake(asio::ssl::stream_base::server, kTuple);
        if (ec) {
            spdlog::debug("http: TLS handshake failed: {}", ec.message());
            co_return;
        }
    }
    for (std::size_t n = 0; n < limits_.max_requests_per_connection; ++n) {
        parser_.emplace();
        parser_->header_limit(static_cast<std::uint32_t>(limits_.max_header_bytes));
        // Beast would refuse a Content-Length over its limit while reading the
        // header, before any handler could raise it: the limit is ours instead.
        parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
        body_limit_ = limits_.default_body_limit;
        body_read_ = 0;
        responded_ = continue_sent_ = false;
        // The first request gets header_timeout from the accept; later ones
        // the keep-alive idle time plus header_timeout.
        lowest().expires_after(n == 0 ? limits_.header_timeout
                                      : limits_.keep_alive_timeout + limits_.header_timeout);
        auto [ec, bytes] = co_await bhttp::async_read_header(stream_, buffer_, *parser_, kTuple);
        if (ec == bhttp::error::header_limit) {
            co_await answer_error(bhttp::status::request_header_fields_too_large,
                                  "Request header too large\n");
            break;
        }
        if (ec && ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
            ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
            co_await answer_error(bhttp::status::bad_request, "Bad request\n");
            break;
        }
        if (ec) {
            break;  // closed, timed out or reset: nothing to answer
        }
        std::string_view target = parser_->get().target();
        auto q = target.find('?');
        path_ = target.substr(0, q);
        query_ = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);

        const Handler* handler = routes_.find(path_);
        if (!handler) {
            co_await answer_error(bhttp::status::not_found, "Not found\n");
        } else {
            auto task = (*handler)(*this);
            co_await std::move(task);
            if (taken_) {
                co_return;  // the stream belongs to the handler now
            }
            if (!responded_ && !failed_) {
                co_await answer_error(bhttp::status::internal_server_error, "Internal error\n");
            }
        }
        if (!keep_alive()) {
            break;
        }
    }
    co_await close();
}

template <class Stream>
asio::awaitable<void> Connection<Stream>::answer_error(bhttp::status status, std::string_view text) {
    auto res = text_response(parser_->get().base(), status, text);
    co_await respond(res);
}

// Ends the connection: when the peer may still be sending a body we did not
// read, stop writing and discard what arrives for a while first, so that the
// kernel does not answer with a reset that destroys our response unread.
template <class Stream>
asio::awaitable<void> Connection<Stream>::close() {
    boost::system::error_code ec;
    if (!failed_ && parser_ && !parser_->is_done()) {
        lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
        lowest().expires_after(kCloseTimeout);
        char sink[4096];
        std::size_t drained = 0;
        while (drained < kMaxDrain) {
            auto [rec, n] = co_await lowest().async_read_some(asio::buffer(sink), kTuple);
            if (rec) {
                break;
            }
            drained += n;
        }
    } else if constexpr (kTls) {
        lowest().expires_after(kCloseTimeout);
        auto [sec] = co_await stream_.async_shutdown(kTuple);
        (void)sec;
    }
    lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    lowest().close();
}

template <class Stream>
asio::awaitable<Result<std::size_t>> Connection<Stream>::read_body(std::span<char> buf) {
    if (parser_->is_done()) {
        co_return std::size_t{0};
    }
    if (auto len = parser_->content_length(); len && *len > body_limit_) {
        co_return fail(std::string("the body is larger than this resource accepts"));
    }
    if (!continue_sent_) {
        continue_sent_ = true;
        // RFC 9110 §10.1.1: a client that asked waits for 100 before the body.
        if (beast::iequals(parser_->get()[bhttp::field::expect], "100-continue")) {
            bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, 11};
            lowest().expires_after(limits_.body_timeout);
            auto [ec, n] = co_await bhttp::async_write(stream_, cont, kTuple);
            if (ec) {
                failed_ = true;
                co_return fail(ec.message());
            }
        }
    }
    for (;;) {
        auto& body = parser_->get().body();
        body.data = buf.data();
        body.size = buf.size();
        lowest().expires_after(limits_.body_timeout);
        auto [ec, n] = co_await bhttp::async_read(stream_, buffer_, *parser_, kTuple);
        const std::size_t got = buf.size() - parser_->get().body().size;
        if (ec == bhttp::error::need_buffer) {
            ec = {};
        }
        if (ec) {
            failed_ = true;
            co_return fail(ec.message());
        }
        body_read_ += got;
        if (body_read_ > body_limit_) {
            failed_ = true;
            co_return fail(std::string("the body is larger than this resource accepts"));
        }
        if (got > 0 || parser_->is_done()) {
            co_return got;
        }
    }
}

template <class Stream>
asio::awaitable<bool> Connection<Stream>::respond(Response& res) {
    responded_ = true;
    res.version(11);
    res.keep_alive(keep_alive());
    if (parser_->get().method() == bhttp::verb::head) {
        res.content_length(res.body().size());
        bhttp::response<bhttp::empty_body> head{std::move(res.base())};
        lowest().expires_after(limits_.body_timeout);
        auto [ec, n] = co_await bhttp::async_write(stream_, head, kTuple);
        failed_ = failed_ || ec;
        co_return !ec;
    }
    res.prepare_payload();
    lowest().expires_after(limits_.body_timeout);
    auto [ec, n] = co_await bhttp::async_write(stream_, res, kTuple);
    failed_ = failed_ || ec;
    co_return !ec;
}

template <class Stream>
asio::awaitable<bool> Connection<Stream>::respond_stream(ResponseHead& head, std::uint64_t length,
                                                         const BodySource& source) {
    responded_ = true;
    head.version(11);
    head.keep_alive(keep_alive());
    head.content_length(length);
    if (parser_->get().method() == bhttp::verb::head || length == 0) {
        lowest().expires_after(limits_.body_timeout);
        auto [ec, n] = co_await bhttp::async_write(stream_, head, kTuple);
        failed_ = failed_ || ec;
        co_return !ec;
    }
    bhttp::response<bhttp::buffer_body> res{std::move(head.base())};
    res.body().data = nullptr;
    res.body().more = true;
    bhttp::response_serializer<bhttp::buffer_body> sr{res};
    lowest().expires_after(limits_.body_timeout);
    {
        auto [ec, n] = co_await bhttp::async_write_header(stream_, sr, kTuple);
        if (ec) {
            failed_ = true;
            co_return false;
        }
    }
    std::vector<char> chunk(static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, length)));
    std::uint64_t left = length;
    while (left > 0) {
        const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), left));
        const std::size_t got = source(std::span<char>(chunk.data(), want));
        if (got == 0) {
            failed_ = true;  // the peer was promised `length` bytes: only closing can tell it
            co_return false;
        }
        left -= got;
        res.body().data = chunk.data();
        res.body().size = got;
        res.body().more = left > 0;
        lowest().expires_after(limits_.body_timeout);
        auto [ec, n] = co_await bhttp::async_write(stream_, sr, kTuple);
        if (ec == bhttp::error::need_buffer) {
            ec = {};
        }
        if (ec) {
            failed_ = true;
            co_return false;
        }
    }
    co_return true;
}

}  // namespace

bool Routes::add(std::string prefix, Handler h) {
    if (prefix.empty() || prefix.front() != '/') {
        return false;
    }
    for (const auto& r : routes_) {
        if (r.first == prefix) {
            return false;
        }
    }
    routes_.emplace_back(std::move(prefix), std::move(h));
    std::stable_sort(routes_.begin(), routes_.end(),
                     [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
    return true;
}

const Handler* Routes::find(std::string_view path) const {
    for (const auto& [prefix, h] : routes_) {
        if (path.starts_with(prefix)) {
            return &h;
        }
    }
    return nullptr;
}

Response text_response(const RequestHead& req, bhttp::status status, std::string_view text) {
    Response res{status, 11};
    res.set(bhttp::field::server, "Parley");
    res.set(bhttp::field::content_type, "text/plain; charset=utf-8");
    res.set("X-Content-Type-Options", "nosniff");
    res.body() = std::string(text);
    return res;
}

void serve(tcp::socket socket, const Routes& routes, const Limits& limits, asio::ssl::context* tls) {
    auto exec = socket.get_executor();
    auto done = [](std::exception_ptr e) {
        if (e) {
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                spdlog::error("http: connection ended by an exception: {}", ex.what());
            }
        }
    };
    if (tls) {
        using S = beast::ssl_stream<beast::tcp_stream>;
        // The completion handler owns the connection: it is freed when the
        // coroutine ends or, at shutdown, when the io_context drops it.
        auto conn = std::make_shared<Connection<S>>(S(beast::tcp_stream(std::move(socket)), *tls),
                                                    routes, limits);
        asio::co_spawn(exec, conn->run(), [conn, done](std::exception_ptr e) { done(e); });
    } else {
        using S = beast::tcp_stream;
        auto conn = std::make_shared<Connection<S>>(S(std::move(socket)), routes, limits);
        asio::co_spawn(exec, conn->run(), [conn, done](std::exception_ptr e) { done(e); });
    }
}

std::optional<std::string> percent_decode(std::string_view s) {
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    };
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out.push_back(s[i]);
            continue;
        }
        if (i + 2 >= s.size()) {
            return std::nullopt;
        }
        const int hi = hex(s[i + 1]);
        const int lo = hex(s[i + 2]);
        if (hi < 0 || lo < 0) {
            return std::nullopt;
        }
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
    }
    return out;
}

std::string percent_encode(std::string_view s) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 15]);
        }
    }
    return out;
}

std::optional<std::string> query_param(std::string_view query, std::string_view name) {
    while (!query.empty()) {
        auto amp = query.find('&');
        auto pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        auto eq = pair.find('=');
        if (pair.substr(0, eq) == name) {
            return percent_decode(eq == std::string_view::npos ? std::string_view()
                                                               : pair.substr(eq + 1));
        }
    }
    return std::nullopt;
}

}  // namespace parley::http
