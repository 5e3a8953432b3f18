// XEP-0363 HTTP File Upload v1.1.0: the slots and the files behind them.
//
// Slots are stateless: the PUT URL carries the slot's terms (owner, size,
// content type, expiry) and an HMAC-SHA256 over them and the slot id, so any
// worker can check a PUT without shared state (§4: "unguessable"; the id is
// 16 random bytes). A finished upload is a directory <dir>/<id>/ holding
// `data` and `meta`; it is written under <dir>/.tmp/ and renamed into place
// only when complete. The store keeps each owner's total in memory for the
// quota (built from the meta files at start-up).
//
// Thread safety: every method may be called from any worker; the usage map
// is behind a mutex held only for a look-up or an update.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/result.hpp"

namespace parley::mod::upload {

struct Slot {
    std::string id;        // 22 base64url characters
    std::string filename;  // sanitized
    std::uint64_t size = 0;
    std::string content_type;  // "" when the request named none
    std::string owner;         // bare JID
    std::int64_t expires = 0;  // unix seconds
};

// The file name as stored and served: path separators, control characters
// and a leading dot replaced, at most 200 bytes (cut at a UTF-8 boundary).
std::string sanitize_filename(std::string_view name);
bool valid_slot_id(std::string_view id);
std::string new_slot_id();

// The query string of the PUT URL: the slot's terms and their signature.
std::string sign_query(const Slot& slot, std::string_view key);
// Reads the terms back from a PUT request; nullopt when a term is missing or
// the signature does not match (forged or altered).
std::optional<Slot> verify_query(std::string_view id, std::string_view filename,
                                 std::string_view query, std::string_view key);

struct StoredFile {
    std::string owner;
    std::string content_type;
    std::string filename;
    std::uint64_t size = 0;
    std::int64_t created = 0;
};

struct StoreOptions {
    std::string dir;
    std::uint64_t quota = 0;           // per owner, bytes; 0 = none
    std::int64_t max_age = 0;          // seconds; 0 = keep
    std::uint64_t max_total_size = 0;  // bytes; 0 = no limit
};

class FileStore {
public:
    // Creates the directory and reads what is there.
    static Result<std::unique_ptr<FileStore>> open(StoreOptions options);

    const StoreOptions& options() const { return options_; }
    std::uint64_t usage(const std::string& owner) const;
    std::uint64_t total() const;

    // A new temporary directory for an upload in progress.
    Result<std::string> make_temp(std::string_view id) const;
    // Moves a finished upload (temp dir with `data`, meta written here) into
    // place. Fails when the slot was used already.
    Result<void> commit(const std::string& temp_dir, const Slot& slot, const StoredFile& meta);
    void discard(const std::string& temp_dir) const;

    std::optional<StoredFile> find(std::string_view id) const;
    std::string data_path(std::string_view id) const;

    // Deletes files older than max_age, then the oldest ones while the total
    // passes max_total_size, and stale temporary directories. Returns how many
    // files it removed.
    std::size_t sweep(std::int64_t now);

private:
    explicit FileStore(StoreOptions o) : options_(std::move(o)) {}
    void forget(const StoredFile& f);

    StoreOptions options_;
    mutable std::mutex mu_;
    std::unordered_map<std::string, std::uint64_t> usage_;  // GUARDED_BY(mu_)
    std::uint64_t total_ = 0;                               // GUARDED_BY(mu_)
};

std::string write_meta(const StoredFile& f);
std::optional<StoredFile> parse_meta(std::string_view text);

}  // namespace parley::mod::upload
