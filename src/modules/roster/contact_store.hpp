// Loads and stores where a contact stands in a user's roster (subscription.hpp's
// Contact), for the roster and presence modules.
//
// A roster item is kept in the RosterStore. A subscription request from an
// entity that is not in the roster ("None + Pending In" without an item)
// must be remembered and re-delivered at the next login (RFC 6121 §3.1.3) but
// must not show in the roster (ejabberd and Prosody keep such requests out of
// the roster too). RosterItem has no flag for "not in the roster", so these
// requests are kept aside in the KeyValStore (store kPendingStore, key = the
// requester's bare JID, value = the serialized subscribe stanza); when the
// contact becomes an item, the request moves into the item's pending_in.
//
// Coroutines run on the caller's executor; storage failures come back as values.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "modules/roster/subscription.hpp"
#include "storage/stores.hpp"
#include "xml/element.hpp"

namespace parley::mod::roster {

inline constexpr std::string_view kPendingStore = "roster_pending_in";

struct ContactRecord {
    std::string user;          // bare JID of the roster's owner
    bool listed = false;       // an item of the roster
    bool aside = false;        // a pending request is kept in the KeyValStore
    storage::RosterItem item;  // when !listed: jid, pending_in, pending_in_stanza only

    Contact contact() const { return Contact{listed, state_of(item)}; }
};

boost::asio::awaitable<storage::StoreResult<ContactRecord>> load_contact(
    storage::Storage& storage, const std::string& user, const std::string& contact);

// Writes `after` (a loaded record with its state changed). Returns the
// roster's new version when the roster itself was written.
boost::asio::awaitable<storage::StoreResult<std::optional<std::uint64_t>>> save_contact(
    storage::Storage& storage, const ContactRecord& after);

// Every unanswered subscription request to `user`: items with pending_in and
// the requests kept aside (for re-delivery at login, §3.1.3). `roster` is the
// user's roster, already loaded by the caller.
boost::asio::awaitable<storage::StoreResult<std::vector<storage::RosterItem>>> pending_requests(
    storage::Storage& storage, const std::string& user, const storage::Roster& roster);

// The stored subscribe stanza of a pending request, or a rebuilt
// <presence type='subscribe'/> when none was stored or it does not parse.
xml::ElementRef pending_request_stanza(const storage::RosterItem& item, const std::string& user);

}  // namespace parley::mod::roster
