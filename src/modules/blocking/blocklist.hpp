// Blocklist: the JIDs one account has blocked (XEP-0191 Blocking Command),
// with the matching rule of XEP-0191 §6; and BlocklistCache, the per-host
// in-memory copy the blocking module checks on every stanza.
//
// A Blocklist is an immutable value once built: the module shares it between
// threads as shared_ptr<const Blocklist>. BlocklistCache is thread-safe (one
// mutex, held only for a hash look-up or an insert), because the check runs on
// every worker thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "xmpp/jid.hpp"

namespace parley::mod::blocking {

// True when the block-list item `item` covers `jid`. XEP-0191 §6 (the order of
// XEP-0016 §2.1; v1.3 no longer matches subdomains):
//   user@domain/resource  only that full JID
//   user@domain           that bare JID and every resource of it
//   domain/resource       that resource at the domain, with or without a
//                         localpart (as ejabberd and MongooseIM read XEP-0016:
//                         "muc.example/nick" covers "room@muc.example/nick")
//   domain                the domain itself and every JID at it
bool item_matches(const xmpp::Jid& item, const xmpp::Jid& jid);

// Transparent string hash, so that look-ups take views (into a Jid) without
// a copy.
struct StringViewHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
        return std::hash<std::string_view>{}(s);
    }
};

class Blocklist {
public:
    Blocklist() = default;
    // `items` are normalized JID strings (xmpp::Jid::str()).
    explicit Blocklist(std::vector<std::string> items);

    // True when some item covers `jid` (item_matches for each item, done with
    // at most four hash look-ups).
    bool blocks(const xmpp::Jid& jid) const;
    bool contains(const std::string& item) const { return items_.count(item) != 0; }
    std::size_t size() const { return items_.size(); }
    bool empty() const { return items_.empty(); }
    // The items, sorted (for <blocklist/> results).
    std::vector<std::string> items() const;

private:
    std::unordered_set<std::string, StringViewHash, std::equal_to<>> items_;
};

using BlocklistRef = std::shared_ptr<const Blocklist>;

// The block lists of recently active users, keyed by bare JID. Loading is the
// caller's job (it is a storage call); the cache only remembers results.
// A load that overlaps a change must not put a stale list back: callers take
// generation() before reading storage and hand it to put(), which ignores the
// list when any invalidate() happened in between.
class BlocklistCache {
public:
    explicit BlocklistCache(std::size_t max_users) : max_users_(max_users) {}

    BlocklistRef find(std::string_view user) const;
    std::uint64_t generation() const;
    // Remembers `list` unless the cache was invalidated since `generation`.
    // When full, an arbitrary entry is dropped first (a miss costs one read).
    void put(const std::string& user, BlocklistRef list, std::uint64_t generation);
    // Forgets the user's list (after a change, or when the user is removed
    // or goes offline).
    void invalidate(const std::string& user);
    std::size_t size() const;

private:
    mutable std::mutex mu_;
    std::unordered_map<std::string, BlocklistRef, StringViewHash, std::equal_to<>>
        lists_;  // GUARDED_BY(mu_)
    std::uint64_t generation_ = 0;                         // GUARDED_BY(mu_)
    std::size_t max_users_;
};

}  // namespace parley::mod::blocking
