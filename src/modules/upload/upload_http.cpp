// XEP-0363 HTTP File Upload v1.1.0 §5 (upload and retrieval), the HTTP side:
// PUT streams the body to a temporary file and moves it into place only when
// it is complete and matches the slot (size, content type); GET and HEAD
// serve it with Range support (RFC 9110 §14), Content-Disposition and
// nosniff against content sniffing (XEP-0363 §12), and CORS headers for web
// clients (§6), OPTIONS answering the preflight. Files are never listed: a
// path names one file by its unguessable slot id.
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/field.hpp>

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <vector>

#include "http/http_server.hpp"
#include "modules/upload/upload_service.hpp"

namespace parley::mod::upload {

namespace bhttp = boost::beast::http;
using bhttp::field;
using bhttp::status;

namespace {

constexpr std::size_t kChunk = 64 * 1024;

class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

bool write_all(int fd, const char* data, std::size_t n) {
    while (n > 0) {
        const ssize_t w = ::write(fd, data, n);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return false;
        }
        data += w;
        n -= static_cast<std::size_t>(w);
    }
    return true;
}

template <class Message>
void add_common_headers(Message& m) {
    m.set(field::server, "Parley");
    m.set(field::access_control_allow_origin, "*");  // §6: web clients upload from other origins
    m.set("X-Content-Type-Options", "nosniff");
}

Awaitable<void> reply(http::Exchange& ex, status st, std::string_view text) {
    auto res = http::text_response(ex.request(), st, text);
    add_common_headers(res);
    co_await ex.respond(res);
}

bool shown_inline(std::string_view type) {
    // Media clients display; anything that could run script (HTML, SVG) is
    // offered as a download instead.
    return (type.starts_with("image/") || type.starts_with("audio/") ||
            type.starts_with("video/")) &&
           type.find("svg") == std::string_view::npos;
}

std::string_view base_type(std::string_view type) {
    auto semi = type.find(';');
    type = type.substr(0, semi);
    while (!type.empty() && type.back() == ' ') {
        type.remove_suffix(1);
    }
    return type;
}

Awaitable<void> put(UploadService& svc, http::Exchange& ex, std::string_view id,
                    const std::string& name) {
    const auto slot = verify_query(id, name, ex.query(), svc.key);
    if (!slot) {
        co_await reply(ex, status::forbidden, "This is not a valid upload URL.\n");
        co_return;
    }
    const std::int64_t now = unix_now();
    if (slot->expires < now) {
        co_await reply(ex, status::forbidden, "The upload slot has expired; request a new one.\n");
        co_return;
    }
    const auto length = ex.content_length();
    if (!length || *length != slot->size) {
        co_await reply(ex, status::bad_request,
                       "Content-Length must be the size given in the slot request.\n");
        co_return;
    }
    const std::string_view type = base_type(ex.request()[field::content_type]);
    if (!slot->content_type.empty() && !boost::beast::iequals(type, slot->content_type)) {
        co_await reply(ex, status::bad_request,
                       "Content-Type must be the one given in the slot request.\n");
        co_return;
    }
    if (svc.store->find(id)) {
        co_await reply(ex, status::conflict, "This slot has been used already.\n");
        co_return;
    }
    const auto quota = svc.store->options().quota;
    if (quota > 0 && svc.store->usage(slot->owner) + slot->size > quota) {
        co_await reply(ex, status::payload_too_large, "Your upload quota is used up.\n");
        co_return;
    }
    auto temp = svc.store->make_temp(id);
    if (!temp) {
        svc.log->error("upload: {}", temp.error().message);
        co_await reply(ex, status::internal_server_error, "Cannot store the file.\n");
        co_return;
    }
    const std::string data_path = *temp + "/data";
    std::uint64_t received = 0;
    bool ok = true;
    {
        Fd fd(::open(data_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640));
        ok = fd.get() >= 0;
        ex.set_body_limit(slot->size);
        std::vector<char> buf(kChunk);
        while (ok) {
            auto got = co_await ex.read_body(std::span<char>(buf));
            if (!got) {
                svc.log->info("upload {}: body not received: {}", id, got.error().message);
                ok = false;
            } else if (*got == 0) {
                break;
            } else {
                ok = write_all(fd.get(), buf.data(), *got);
                received += *got;
            }
        }
    }
    if (!ok || received != slot->size) {
        svc.store->discard(*temp);
        co_await reply(ex, status::bad_request, "The upload was incomplete.\n");
        co_return;
    }
    StoredFile meta;
    meta.owner = slot->owner;
    meta.content_type = !slot->content_type.empty() ? slot->content_type
                        : !type.empty()             ? std::string(type)
                                                    : std::string("application/octet-stream");
    meta.filename = name;
    meta.size = slot->size;
    meta.created = now;
    auto committed = svc.store->commit(*temp, *slot, meta);
    if (!committed) {
        svc.store->discard(*temp);
        co_await reply(ex, status::conflict, "This slot has been used already.\n");
        co_return;
    }
    svc.log->info("upload: {} stored {} ({} bytes, {})", slot->owner, id, slot->size,
                  meta.content_type);
    const auto& o = svc.store->options();
    if (o.max_total_size > 0 && svc.store->total() > o.max_total_size) {
        svc.store->sweep(now);
    }
    co_await reply(ex, status::created, "Created\n");
}

Awaitable<void> get(UploadService& svc, http::Exchange& ex, std::string_view id,
                    const std::string& name) {
    const auto file = svc.store->find(id);
    if (!file || file->filename != name) {
        co_await reply(ex, status::not_found, "Not found\n");
        co_return;
    }
    auto fd = std::make_shared<Fd>(::open(svc.store->data_path(id).c_str(), O_RDONLY | O_CLOEXEC));
    if (fd->get() < 0) {
        co_await reply(ex, status::not_found, "Not found\n");
        co_return;
    }
    const std::uint64_t size = file->size;
    std::uint64_t begin = 0;
    std::uint64_t end = size;
    http::ResponseHead head{status::ok, 11};
    add_common_headers(head);
    const std::string_view range_header = ex.request()[field::range];
    if (!range_header.empty()) {
        const ByteRange r = parse_range(range_header, size);
        if (r.kind == ByteRange::Kind::unsatisfiable) {
            auto res = http::text_response(ex.request(), status::range_not_satisfiable,
                                           "Range not satisfiable\n");
            add_common_headers(res);
            res.set(field::content_range, "bytes */" + std::to_string(size));
            co_await ex.respond(res);
            co_return;
        }
        if (r.kind == ByteRange::Kind::range) {
            begin = r.begin;
            end = r.end;
            head.result(status::partial_content);
            head.set(field::content_range, "bytes " + std::to_string(begin) + "-" +
                                               std::to_string(end - 1) + "/" +
                                               std::to_string(size));
        }
    }
    head.set(field::content_type, file->content_type);
    head.set(field::accept_ranges, "bytes");
    head.set(field::content_disposition,
             std::string(shown_inline(file->content_type) ? "inline" : "attachment") +
                 "; filename*=UTF-8''" + http::percent_encode(file->filename));
    head.set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'; sandbox");
    head.set(field::cache_control, "public, max-age=31536000, immutable");
    std::uint64_t pos = begin;
    const http::BodySource source = [fd, &pos](std::span<char> buf) -> std::size_t {
        const ssize_t n = ::pread(fd->get(), buf.data(), buf.size(), static_cast<off_t>(pos));
        if (n <= 0) {
            return 0;
        }
        pos += static_cast<std::uint64_t>(n);
        return static_cast<std::size_t>(n);
    };
    co_await ex.respond_stream(head, end - begin, source);
}

Awaitable<void> preflight(http::Exchange& ex) {
    auto res = http::text_response(ex.request(), status::no_content, "");
    add_common_headers(res);
    res.erase(field::content_type);
    res.set(field::access_control_allow_methods, "GET, HEAD, PUT, OPTIONS");
    res.set(field::access_control_allow_headers, "Content-Type");
    res.set(field::access_control_max_age, "86400");
    co_await ex.respond(res);
}

}  // namespace

ByteRange parse_range(std::string_view header, std::uint64_t size) {
    ByteRange ignore;
    if (!header.starts_with("bytes=")) {
        return ignore;  // another unit: RFC 9110 §14.2 says ignore the header
    }
    auto spec = header.substr(6);
    if (spec.find(',') != std::string_view::npos) {
        return ignore;  // several ranges: the whole file is a valid answer
    }
    auto dash = spec.find('-');
    if (dash == std::string_view::npos) {
        return ignore;
    }
    auto number = [](std::string_view s) -> std::optional<std::uint64_t> {
        if (s.empty() || s.size() > 19) {
            return std::nullopt;
        }
        std::uint64_t v = 0;
        for (char c : s) {
            if (c < '0' || c > '9') {
                return std::nullopt;
            }
            v = v * 10 + static_cast<std::uint64_t>(c - '0');
        }
        return v;
    };
    const auto first = spec.substr(0, dash);
    const auto last = spec.substr(dash + 1);
    ByteRange r;
    r.kind = ByteRange::Kind::range;
    if (first.empty()) {  // suffix: the last N bytes
        auto n = number(last);
        if (!n) {
            return ignore;
        }
        if (*n == 0 || size == 0) {
            return {ByteRange::Kind::unsatisfiable, 0, 0};
        }
        r.begin = size - std::min(*n, size);
        r.end = size;
        return r;
    }
    auto a = number(first);
    if (!a) {
        return ignore;
    }
    std::uint64_t b = size == 0 ? 0 : size - 1;
    if (!last.empty()) {
        auto parsed = number(last);
        if (!parsed || *parsed < *a) {
            return ignore;
        }
        b = std::min(*parsed, b);
    }
    if (*a >= size) {
        return {ByteRange::Kind::unsatisfiable, 0, 0};
    }
    r.begin = *a;
    r.end = b + 1;
    return r;
}

Awaitable<void> handle_http(UploadService& svc, http::Exchange& ex) {
    const std::string_view rest = ex.path().substr(svc.path_prefix.size());
    const auto slash = rest.find('/');
    const std::string_view id = rest.substr(0, slash);
    const auto name = slash == std::string_view::npos ? std::nullopt
                                                       : http::percent_decode(rest.substr(slash + 1));
    const auto method = ex.request().method();
    if (method == bhttp::verb::options) {
        co_await preflight(ex);
        co_return;
    }
    if (!valid_slot_id(id) || !name || name->empty() || *name != sanitize_filename(*name)) {
        co_await reply(ex, status::not_found, "Not found\n");
        co_return;
    }
    switch (method) {
        case bhttp::verb::put: co_await put(svc, ex, id, *name); break;
        case bhttp::verb::get:
        case bhttp::verb::head: co_await get(svc, ex, id, *name); break;
        default: {
            auto res = http::text_response(ex.request(), status::method_not_allowed,
                                           "Method not allowed\n");
            add_common_headers(res);
            res.set(field::allow, "GET, HEAD, PUT, OPTIONS");
            co_await ex.respond(res);
        }
    }
}

}  // namespace parley::mod::upload
