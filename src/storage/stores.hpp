// The storage interfaces every module uses (DESIGN.md, STYLE.md b.5). Modules
// see only these; the backend (SQLite now, PostgreSQL later) is chosen by
// config and hidden behind open_storage().
//
// Every method is awaitable: implementations run the driver on a
// BlockingPool and resume the caller on its own executor, so no network thread
// ever blocks on storage. Users are identified by their bare JID string
// ("alice@example.org"), already normalized. Methods return StoreResult: a
// value, or an Error whose message says what failed.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <memory>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "auth/credentials.hpp"
#include "auth/fast.hpp"
#include "core/result.hpp"

namespace parley::storage {

template <class T>
using StoreResult = Result<T, Error>;
template <class T>
using Task = boost::asio::awaitable<StoreResult<T>>;
struct Unit {};  // "nothing", for methods that only succeed or fail

// --- accounts ------------------------------------------------------------
class AccountStore {
public:
    virtual ~AccountStore() = default;
    // false when the account exists already.
    virtual Task<bool> create(const std::string& user, const auth::Credentials& creds) = 0;
    // Bulk creation (parleyctl import): creates every account of the list that
    // does not exist yet, all in one transaction, and returns how many were
    // created. Existing accounts keep their credentials; a name listed twice
    // is created once (with its first credentials).
    virtual Task<std::size_t> create_many(
        const std::vector<std::pair<std::string, auth::Credentials>>& accounts) = 0;
    virtual Task<std::optional<auth::Credentials>> credentials(const std::string& user) = 0;
    // false when there is no such account.
    virtual Task<bool> set_credentials(const std::string& user, const auth::Credentials& creds) = 0;
    // Removes the account and every piece of data stored for it, in every
    // store (one transaction). false when there was no such account.
    virtual Task<bool> remove(const std::string& user) = 0;
    virtual Task<bool> exists(const std::string& user) = 0;
    // Bare JIDs of the accounts on `domain`, sorted.
    virtual Task<std::vector<std::string>> list(const std::string& domain) = 0;
};

// --- roster (RFC 6121 §2, subscription state of Appendix A) ---------------
enum class Subscription : std::uint8_t { none, to, from, both };

struct RosterItem {
    std::string jid;                  // the contact's bare JID
    std::string name;                 // handle, may be empty
    Subscription subscription = Subscription::none;
    bool ask = false;                 // "Pending Out": we sent subscribe, no answer yet
    bool pending_in = false;          // "Pending In": contact asked, user has not answered
    bool approved = false;            // pre-approved (RFC 6121 §3.4)
    std::vector<std::string> groups;
    std::string pending_in_stanza;    // the stored subscribe request (re-sent at login), may be empty
};

struct Roster {
    std::uint64_t version = 0;        // increases on every change (RFC 6121 §2.6)
    std::vector<RosterItem> items;
};

class RosterStore {
public:
    virtual ~RosterStore() = default;
    virtual Task<Roster> get(const std::string& user) = 0;
    virtual Task<std::optional<RosterItem>> item(const std::string& user, const std::string& contact) = 0;
    // Inserts or replaces the item; returns the roster's new version.
    virtual Task<std::uint64_t> put(const std::string& user, const RosterItem& item) = 0;
    // Bulk put (parleyctl import --roster-ring): inserts or replaces every
    // (user, item) of the list in one transaction, as put() would one by one;
    // each user's version increases once for the whole batch. Returns the
    // number of items written.
    virtual Task<std::size_t> put_many(
        const std::vector<std::pair<std::string, RosterItem>>& items) = 0;
    // Removes the item; returns the new version, or nullopt when there was no item.
    virtual Task<std::optional<std::uint64_t>> remove(const std::string& user, const std::string& contact) = 0;
};

// --- offline messages (XEP-0160) -----------------------------------------
class OfflineStore {
public:
    virtual ~OfflineStore() = default;
    // Stores a serialized stanza unless the user has `limit` stored already;
    // returns false when the limit was reached (nothing stored).
    virtual Task<bool> push(const std::string& user, const std::string& stanza_xml, std::size_t limit) = 0;
    // Returns and deletes every stored stanza, oldest first.
    virtual Task<std::vector<std::string>> pop_all(const std::string& user) = 0;
    virtual Task<std::size_t> count(const std::string& user) = 0;
};

// --- small per-user documents ---------------------------------------------
// Prosody's keyval/map shape: (user, store, key) -> value. Covers private XML
// (XEP-0049, key = namespace), vCards (XEP-0054), block lists (XEP-0191,
// key = JID), last activity (XEP-0012) and other small data, so that a small
// module never needs a backend class of its own.
class KeyValStore {
public:
    virtual ~KeyValStore() = default;
    virtual Task<std::optional<std::string>> get(const std::string& user, const std::string& store,
                                                 const std::string& key) = 0;
    virtual Task<Unit> set(const std::string& user, const std::string& store, const std::string& key,
                           const std::string& value) = 0;
    // true when a value was removed.
    virtual Task<bool> remove(const std::string& user, const std::string& store, const std::string& key) = 0;
    // Every (key, value) of the store, sorted by key.
    virtual Task<std::vector<std::pair<std::string, std::string>>> list(const std::string& user,
                                                                        const std::string& store) = 0;
    // Removes every key of the store; returns how many were removed.
    virtual Task<std::size_t> clear(const std::string& user, const std::string& store) = 0;
};

// --- multi-user chat rooms (XEP-0045 §10.1.3 muc#roomconfig_persistentroom) ---
// The persistent rooms of a MUC service with their configuration and
// affiliations; occupants and history are not stored (they do not survive a
// restart). Rooms are named by their bare JID ("room@conference.example.org").
struct MucAffiliation {
    std::string jid;          // a bare JID, or a domain (a ban of a whole server, §9.2)
    std::string affiliation;  // "owner", "admin", "member", "outcast", or "none" with a nick
    std::string nick;         // reserved nickname (§9.5), may be empty
    std::string reason;       // reason of a ban, may be empty
};

struct MucRoom {
    std::string jid;
    std::string config;  // the room configuration as the MUC module serialises it (opaque here)
    std::string subject;
    std::vector<MucAffiliation> affiliations;
};

class MucStore {
public:
    virtual ~MucStore() = default;
    // Every stored room of the service `domain` (the part after '@'), sorted
    // by JID, each with its affiliations sorted by JID.
    virtual Task<std::vector<MucRoom>> rooms(const std::string& domain) = 0;
    // Inserts or replaces the room and its whole affiliation list (one transaction).
    virtual Task<Unit> put(const MucRoom& room) = 0;
    // Removes the room and its affiliations; false when there was no such room.
    virtual Task<bool> remove(const std::string& room) = 0;
};

// --- message archives (XEP-0313) --------------------------------------------
// One archive per owner, a bare JID: a user's archive (both directions of
// their conversations) or, later, a MUC room's (what the room sent). Entries
// keep the order in which they were appended (XEP-0313 §3.1 "order within the
// archive MUST be preserved"; timestamps alone may tie), which is the order of
// every query result. Timestamps never go backwards within an archive: an
// entry appended with an earlier timestamp than the newest one (a clock
// stepped back) is stored with the newest one's, so a time bound is a position
// in the archive and time-window queries cost no more than paging.
struct ArchiveEntry {
    std::string id;               // the archive UID (XEP-0313 §3, XEP-0359): unpredictable, unique
    std::int64_t timestamp_us = 0;  // when the server received it, microseconds since the epoch
    std::string with;             // bare JID of the other party (user) or of the sender (room)
    std::string with_resource;    // that JID's resource (room: the occupant nick), may be ""
    bool outgoing = false;        // sent by the owner (user archive), or incoming
    std::string stanza;           // the serialized message
};

// What to return (XEP-0313 §4.1 filters, XEP-0059 paging). Every bound is
// optional; ids named by after_id, before_id, rsm_after, rsm_before or ids
// must exist in the archive.
struct ArchiveQuery {
    std::optional<std::string> with;           // bare JID: any resource of it (§4.1.1)
    std::optional<std::string> with_resource;  // with `with`: only this resource
    std::optional<std::int64_t> start_us;      // inclusive (§4.1.2)
    std::optional<std::int64_t> end_us;        // inclusive
    std::optional<std::string> after_id;       // exclusive (§4.1.3, #extended)
    std::optional<std::string> before_id;      // exclusive
    std::vector<std::string> ids;              // when not empty: only these (§4.1.3)
    std::optional<std::string> rsm_after;      // XEP-0059 §2.2: the page after this item
    // XEP-0059 §2.5: page backwards, ending before this item; "" = the last page.
    std::optional<std::string> rsm_before;
    std::size_t max = 50;                      // page size
};

struct ArchivePage {
    std::vector<ArchiveEntry> items;  // in archive order, whichever way the page was taken
    // XEP-0313 §4.3: the page holds the end of the matching set in the paging
    // direction (the newest item forwards, the oldest when paging backwards).
    bool complete = false;
};

class ArchiveStore {
public:
    virtual ~ArchiveStore() = default;
    // Appends an entry to `owner`'s archive (entry.id chosen by the caller).
    virtual Task<Unit> append(const std::string& owner, const ArchiveEntry& entry) = 0;
    // Write-behind append: queues the entry and returns at once. It is
    // written (in the next group commit) before any query, ends, removal or
    // purge of this store that is called later runs, so a reader never misses
    // it. `failed` is called with the reason if the write fails, on the
    // storage thread. Returns false, queuing nothing, when the queue is full:
    // the caller then awaits append(), which slows it to the storage's pace.
    using AppendFailed = std::function<void(const std::string& reason)>;
    virtual bool append_soon(const std::string& owner, const ArchiveEntry& entry,
                             AppendFailed failed) = 0;
    // One page of the query; nullopt when an id the query names is not in
    // this archive (XEP-0313 §4.1.3, §4.3.2: item-not-found).
    virtual Task<std::optional<ArchivePage>> query(const std::string& owner,
                                                   const ArchiveQuery& q) = 0;
    // The oldest and newest entries (XEP-0313 §5 metadata), stanza left empty;
    // nullopt for an empty archive.
    virtual Task<std::optional<std::pair<ArchiveEntry, ArchiveEntry>>> ends(
        const std::string& owner) = 0;
    // Deletes the whole archive (account removal); returns how many entries.
    virtual Task<std::size_t> remove_all(const std::string& owner) = 0;
    // Replaces the stored stanza of entry `id` (a XEP-0424/0425 tombstone),
    // keeping its place, id, time and parties; false when there is no such
    // entry in `owner`'s archive.
    virtual Task<bool> replace_stanza(const std::string& owner, const std::string& id,
                                      const std::string& stanza) = 0;
    // Retention (XEP-0313 §3.2): deletes, in every archive, the entries older
    // than `cutoff_us` and every entry before them, so no archive is left with
    // a hole. Returns how many entries were deleted.
    virtual Task<std::size_t> purge_before(std::int64_t cutoff_us) = 0;
};

// --- publish-subscribe nodes (XEP-0060 as used by PEP, XEP-0163) ---------------
// Nodes belong to an owner (a user's bare JID for PEP); each keeps its
// configuration (serialised by the module, opaque here) and its items in
// publish order. Publishing an item id that exists replaces it and makes it
// the newest (XEP-0060 §7.1.2); a node holds at most `max_items` items, the
// oldest dropped first.
struct PubSubNode {
    std::string node;
    std::string config;
};

struct PubSubItem {
    std::string id;
    std::string publisher;  // the publisher's JID, may be ""
    std::string payload;    // the serialized payload element, may be "" (no payload)
};

class PubSubStore {
public:
    virtual ~PubSubStore() = default;
    // The node's configuration; nullopt when there is no such node.
    virtual Task<std::optional<std::string>> node(const std::string& owner,
                                                  const std::string& node) = 0;
    // Every node of the owner, sorted by name.
    virtual Task<std::vector<PubSubNode>> nodes(const std::string& owner) = 0;
    // false when the node exists already (nothing changed).
    virtual Task<bool> create(const std::string& owner, const PubSubNode& node) = 0;
    // Replaces the configuration and drops items beyond `max_items`; false when no such node.
    virtual Task<bool> configure(const std::string& owner, const PubSubNode& node,
                                 std::size_t max_items) = 0;
    // Removes the node and its items; false when there was no such node.
    virtual Task<bool> remove(const std::string& owner, const std::string& node) = 0;
    // Appends (or replaces) an item, then drops the oldest beyond `max_items`.
    // false when there is no such node.
    virtual Task<bool> publish(const std::string& owner, const std::string& node,
                               const PubSubItem& item, std::size_t max_items) = 0;
    // With `ids`: those items that exist, in publish order. Otherwise the
    // newest `max` items (0: all), in publish order (oldest first).
    virtual Task<std::vector<PubSubItem>> items(const std::string& owner, const std::string& node,
                                                const std::vector<std::string>& ids,
                                                std::size_t max) = 0;
    // true when the item existed and was removed.
    virtual Task<bool> retract(const std::string& owner, const std::string& node,
                               const std::string& id) = 0;
    // Removes every item of the node; returns how many.
    virtual Task<std::size_t> purge(const std::string& owner, const std::string& node) = 0;
};

// --- XEP-0484 FAST tokens ------------------------------------------------
// Per account and client (the XEP-0388 <user-agent id/>): the two token
// slots of XEP-0484 §6.1 (auth/fast.hpp). Tokens are kept as issued: the
// HT mechanisms use the token itself as the HMAC key.
class FastTokenStore {
public:
    virtual ~FastTokenStore() = default;
    // Empty slots when the client has no token.
    virtual Task<auth::fast::TokenSlots> get(const std::string& user, const std::string& client) = 0;
    // Replaces both slots; empty slots remove the client's tokens.
    virtual Task<Unit> put(const std::string& user, const std::string& client,
                           const auth::fast::TokenSlots& slots) = 0;
};

// All stores of one backend, opened together.
class Storage {
public:
    virtual ~Storage() = default;
    virtual AccountStore& accounts() = 0;
    virtual RosterStore& roster() = 0;
    virtual OfflineStore& offline() = 0;
    virtual KeyValStore& keyval() = 0;
    virtual MucStore& muc() = 0;
    virtual ArchiveStore& archive() = 0;
    virtual PubSubStore& pubsub() = 0;
    virtual FastTokenStore& fast_tokens() = 0;
};

struct StorageOptions {
    std::string backend = "sqlite";
    std::string sqlite_path;  // the database file; its directory must exist
    // How long a write waits for another process's lock (e.g. parleyctl
    // adding a user while parleyd runs) before failing with "locked".
    int sqlite_busy_timeout_ms = 5000;
};

// Opens (creating and migrating as needed) the configured backend. Fails with
// a message that says what to do: e.g. the file is locked by another process,
// the directory is not writable, the schema is newer than this binary.
Result<std::unique_ptr<Storage>> open_storage(const StorageOptions& opts);

}  // namespace parley::storage
