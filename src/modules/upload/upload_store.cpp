// XEP-0363 v1.1.0 slots (§4) and the files behind them; see upload_store.hpp.
#include "modules/upload/upload_store.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "auth/base64.hpp"
#include "auth/crypto.hpp"
#include "http/http_server.hpp"
#include "stream/stream_util.hpp"

namespace parley::mod::upload {

namespace fs = std::filesystem;
namespace crypto = auth::crypto;

namespace {

constexpr std::size_t kMaxName = 200;
constexpr std::int64_t kStaleTemp = 24 * 3600;  // an upload idle this long is abandoned

std::string base64url(std::string_view bytes) {
    std::string s = auth::base64_encode(bytes);
    std::erase(s, '=');
    std::replace(s.begin(), s.end(), '+', '-');
    std::replace(s.begin(), s.end(), '/', '_');
    return s;
}

std::string hex(std::string_view bytes) {
    return to_hex(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

template <class T>
std::optional<T> to_number(std::string_view s) {
    T v{};
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || s.empty()) {
        return std::nullopt;
    }
    return v;
}

std::string signature(const Slot& s, std::string_view key) {
    const std::string text = fmt::format("v1\n{}\n{}\n{}\n{}\n{}\n{}", s.id, s.filename, s.size,
                                         s.content_type, s.owner, s.expires);
    return hex(crypto::hmac(auth::Hash::sha256, key, text));
}

}  // namespace

std::string sanitize_filename(std::string_view name) {
    std::string out;
    for (unsigned char c : name) {
        out.push_back(c < 0x20 || c == 0x7f || c == '/' || c == '\\' ? '_' : static_cast<char>(c));
    }
    if (!out.empty() && out.front() == '.') {
        out.front() = '_';
    }
    if (out.size() > kMaxName) {
        std::size_t cut = kMaxName;
        while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) {
            --cut;  // not inside a UTF-8 sequence
        }
        out.resize(cut);
    }
    return out;
}

bool valid_slot_id(std::string_view id) {
    return id.size() == 22 && std::all_of(id.begin(), id.end(), [](char c) {
               return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_';
           });
}

std::string new_slot_id() { return base64url(crypto::random_bytes(16)); }

std::string sign_query(const Slot& s, std::string_view key) {
    return fmt::format("o={}&l={}&t={}&e={}&h={}", http::percent_encode(s.owner), s.size,
                       http::percent_encode(s.content_type), s.expires, signature(s, key));
}

std::optional<Slot> verify_query(std::string_view id, std::string_view filename,
                                 std::string_view query, std::string_view key) {
    auto owner = http::query_param(query, "o");
    auto size = http::query_param(query, "l");
    auto type = http::query_param(query, "t");
    auto expires = http::query_param(query, "e");
    auto mac = http::query_param(query, "h");
    if (!owner || !size || !type || !expires || !mac) {
        return std::nullopt;
    }
    Slot s;
    s.id = std::string(id);
    s.filename = std::string(filename);
    s.owner = *owner;
    s.content_type = *type;
    auto n = to_number<std::uint64_t>(*size);
    auto e = to_number<std::int64_t>(*expires);
    if (!n || !e) {
        return std::nullopt;
    }
    s.size = *n;
    s.expires = *e;
    if (!crypto::equal_ct(signature(s, key), *mac)) {
        return std::nullopt;
    }
    return s;
}

std::string write_meta(const StoredFile& f) {
    return fmt::format("parley-upload 1\n{}\n{}\n{}\n{}\n{}\n", f.owner, f.size, f.created,
                       f.content_type, f.filename);
}

std::optional<StoredFile> parse_meta(std::string_view text) {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        auto nl = text.find('\n');
        lines.push_back(text.substr(0, nl));
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    }
    if (lines.size() != 6 || lines[0] != "parley-upload 1") {
        return std::nullopt;
    }
    StoredFile f;
    f.owner = std::string(lines[1]);
    auto size = to_number<std::uint64_t>(lines[2]);
    auto created = to_number<std::int64_t>(lines[3]);
    if (!size || !created) {
        return std::nullopt;
    }
    f.size = *size;
    f.created = *created;
    f.content_type = std::string(lines[4]);
    f.filename = std::string(lines[5]);
    return f;
}

// --- FileStore -----------------------------------------------------------------

Result<std::unique_ptr<FileStore>> FileStore::open(StoreOptions options) {
    std::error_code ec;
    fs::create_directories(fs::path(options.dir) / ".tmp", ec);
    if (ec) {
        return fail(fmt::format("cannot create the upload directory {}: {}", options.dir,
                                ec.message()));
    }
    std::unique_ptr<FileStore> store(new FileStore(std::move(options)));
    for (const auto& entry : fs::directory_iterator(store->options_.dir, ec)) {
        const auto name = entry.path().filename().string();
        if (!valid_slot_id(name)) {
            continue;
        }
        if (auto f = store->find(name)) {
            store->usage_[f->owner] += f->size;
            store->total_ += f->size;
        }
    }
    return store;
}

std::uint64_t FileStore::usage(const std::string& owner) const {
    std::lock_guard lock(mu_);
    auto it = usage_.find(owner);
    return it == usage_.end() ? 0 : it->second;
}

std::uint64_t FileStore::total() const {
    std::lock_guard lock(mu_);
    return total_;
}

Result<std::string> FileStore::make_temp(std::string_view id) const {
    const auto dir = fs::path(options_.dir) / ".tmp" /
                     fmt::format("{}-{}", id, hex(crypto::random_bytes(6)));
    std::error_code ec;
    if (!fs::create_directory(dir, ec)) {
        return fail(fmt::format("cannot create {}: {}", dir.string(), ec.message()));
    }
    return dir.string();
}

Result<void> FileStore::commit(const std::string& temp_dir, const Slot& slot,
                               const StoredFile& meta) {
    {
        std::ofstream out(fs::path(temp_dir) / "meta", std::ios::binary | std::ios::trunc);
        out << write_meta(meta);
        if (!out.flush()) {
            return fail(std::string("cannot write the upload's meta file"));
        }
    }
    std::error_code ec;
    // rename(2) of a directory onto an existing non-empty one fails: a slot
    // is used once.
    fs::rename(temp_dir, fs::path(options_.dir) / slot.id, ec);
    if (ec) {
        return fail(fmt::format("slot {} is used already", slot.id));
    }
    std::lock_guard lock(mu_);
    usage_[meta.owner] += meta.size;
    total_ += meta.size;
    return {};
}

void FileStore::discard(const std::string& temp_dir) const {
    std::error_code ec;
    fs::remove_all(temp_dir, ec);
}

std::optional<StoredFile> FileStore::find(std::string_view id) const {
    if (!valid_slot_id(id)) {
        return std::nullopt;
    }
    std::ifstream in(fs::path(options_.dir) / std::string(id) / "meta", std::ios::binary);
    if (!in) {
        return std::nullopt;
    }
    std::stringstream text;
    text << in.rdbuf();
    return parse_meta(text.str());
}

std::string FileStore::data_path(std::string_view id) const {
    return (fs::path(options_.dir) / std::string(id) / "data").string();
}

void FileStore::forget(const StoredFile& f) {
    std::lock_guard lock(mu_);
    auto& used = usage_[f.owner];
    used -= std::min(used, f.size);
    total_ -= std::min(total_, f.size);
}

std::size_t FileStore::sweep(std::int64_t now) {
    struct Entry {
        std::string id;
        StoredFile file;
    };
    std::vector<Entry> files;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(options_.dir, ec)) {
        const auto name = entry.path().filename().string();
        if (auto f = find(name)) {
            files.push_back({name, std::move(*f)});
        }
    }
    std::sort(files.begin(), files.end(),
              [](const Entry& a, const Entry& b) { return a.file.created < b.file.created; });
    std::uint64_t total = 0;
    for (const auto& e : files) {
        total += e.file.size;
    }
    std::size_t removed = 0;
    for (const auto& e : files) {
        const bool too_old = options_.max_age > 0 && now - e.file.created > options_.max_age;
        const bool too_much = options_.max_total_size > 0 && total > options_.max_total_size;
        if (!too_old && !too_much) {
            continue;
        }
        fs::remove_all(fs::path(options_.dir) / e.id, ec);
        if (!ec) {
            forget(e.file);
            total -= e.file.size;
            ++removed;
        }
    }
    for (const auto& entry : fs::directory_iterator(fs::path(options_.dir) / ".tmp", ec)) {
        auto mtime = fs::last_write_time(entry.path(), ec);
        if (!ec && fs::file_time_type::clock::now() - mtime > std::chrono::seconds(kStaleTemp)) {
            fs::remove_all(entry.path(), ec);
        }
    }
    return removed;
}

}  // namespace parley::mod::upload
