// XEP-0363 HTTP File Upload v1.1.0: the state one virtual host's upload
// service shares between its XMPP side (upload_module.cpp: disco, slot
// requests) and its HTTP side (upload_http.cpp: PUT, GET, HEAD, OPTIONS).
// Built at start-up; afterwards only the FileStore (locked) and last_sweep
// (atomic) change, so any worker may use it.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <set>
#include <string>

#include "core/module.hpp"
#include "modules/upload/upload_store.hpp"

namespace spdlog {
class logger;
}

namespace parley::mod::upload {

struct UploadService {
    std::string host;
    std::string domain;  // upload.<host>
    std::string name;
    std::uint64_t max_file_size = 0;
    std::int64_t slot_lifetime = 300;
    std::int64_t sweep_interval = 3600;
    std::set<std::string, std::less<>> allowed_domains;  // whose users get slots
    std::string key;          // HMAC key for slot URLs
    std::string path_prefix;  // "/upload/<host>/"
    std::string base_url;     // public URL of path_prefix
    std::unique_ptr<FileStore> store;
    std::atomic<std::int64_t> last_sweep{0};
    std::shared_ptr<spdlog::logger> log;

    // Runs FileStore::sweep when sweep_interval passed since the last one.
    void maybe_sweep(std::int64_t now);
};

std::int64_t unix_now();

// A Range header (RFC 9110 §14.1.2) for a file of `size` bytes: one byte
// range [begin, end), or unsatisfiable (416), or none (serve the whole file:
// no header, another unit, several ranges, or a malformed one).
struct ByteRange {
    enum class Kind { none, range, unsatisfiable };
    Kind kind = Kind::none;
    std::uint64_t begin = 0;
    std::uint64_t end = 0;
};
ByteRange parse_range(std::string_view header, std::uint64_t size);

// The HTTP side: PUT of a slot's file, GET/HEAD of a stored file (Range),
// OPTIONS (CORS preflight).
Awaitable<void> handle_http(UploadService& svc, http::Exchange& ex);

}  // namespace parley::mod::upload
