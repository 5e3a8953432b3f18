// XEP-0045 Multi-User Chat v1.35.5: the MUC service of one domain
// (conference.<host> by default): the directory of its rooms, who may create
// one (§10.1.1), the service limits, the routing of every stanza addressed to
// the service, a room or an occupant (§7-§10, §17), service and room disco
// (§6), XEP-0410 self-ping, and the persistence of persistent rooms.
//
//   dispatch by address, rooms, limits, persistence   muc_service.cpp
//   iqs: disco (§6), admin/owner, occupant iqs        muc_iq.cpp
//   the room archive (XEP-0313), occupant-id secret   room_archive.cpp
//
// Threads: handle() runs on whichever worker routes the stanza. The directory
// has a mutex held only for a look-up, an insert or a removal; each room has
// its own mutex, held while the Room (which is pure) computes what to send.
// What it decided is queued on the room and sent after unlocking, in order,
// by one task at a time per room (the "drainer"), so occupants see a room's
// stanzas in the order the room produced them and no lock is held across an
// await. Lock order: a room's mutex, then the directory's.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>

#include "core/module.hpp"
#include "modules/muc/room.hpp"
#include "storage/stores.hpp"

namespace spdlog {
class logger;
}

namespace parley::mod::muc {

// Who may create a room (§10.1.1: "the service MUST return <not-allowed/>"
// to anyone else).
enum class Creation { anyone, local, admins };

struct ServiceOptions {
    std::string domain;  // the service's JID
    std::string name;    // disco identity name (§6.1)
    Creation creation = Creation::local;
    std::set<std::string> admins;          // bare JIDs that may always create rooms
    std::size_t max_rooms_per_user = 100;  // rooms a user created that exist at once; 0 = no limit
    std::size_t messages_per_minute =
        120;              // per occupant session, groupchat and private; 0 = no limit
    // Serialize a fan-out's stanza once and write the same bytes to every
    // local occupant (false: serialize per recipient, for comparison).
    bool shared_fanout = true;
    RoomConfig defaults;  // a new room's configuration
    bool occupant_id = true;  // XEP-0421 occupant ids in every room
    ConfigLimits limits;
};

class MucService {
public:
    MucService(ServiceOptions options, Router& router, storage::Storage& storage,
               std::shared_ptr<spdlog::logger> log);

    // Loads the stored persistent rooms (at start-up, before any stanza).
    Awaitable<Result<void>> load();
    // Every stanza addressed to the service's domain (ModuleContext::serve_domain).
    Awaitable<void> handle(StanzaEvent& ev);

    const ServiceOptions& options() const { return options_; }

private:
    struct Bucket {
        double tokens = 0;
        std::chrono::steady_clock::time_point last;
    };
    struct Slot {
        explicit Slot(Room r) : room(std::move(r)) {}
        std::mutex mu;
        Room room;              // GUARDED_BY(mu)
        bool gone = false;      // GUARDED_BY(mu): removed from the directory
        bool dirty = false;     // GUARDED_BY(mu): stored state changed, not yet saved
        bool stored = false;    // GUARDED_BY(mu): the store has a record of it
        bool draining = false;  // GUARDED_BY(mu): a task is sending `pending`
        bool archive_removed = false;  // GUARDED_BY(mu): the archive of an ended room is gone
        Outbox pending;         // GUARDED_BY(mu)
        std::vector<Archived> to_archive;  // GUARDED_BY(mu): appended before `pending` is sent
        std::unordered_map<xmpp::Jid, Bucket> buckets;  // GUARDED_BY(mu): message rate
        std::string creator;  // bare JID counted in created_by_, "" for loaded rooms
    };
    using SlotPtr = std::shared_ptr<Slot>;

    // muc_service.cpp
    SlotPtr find(std::string_view room) const;
    Awaitable<void> presence(StanzaEvent& ev);
    Awaitable<void> message(StanzaEvent& ev);
    // A new locked room for `creator`'s first presence (§10.1.1), or the
    // error that refuses it (creation policy, rooms per user).
    Result<SlotPtr, xmpp::StanzaError> create(const xmpp::Jid& room, const xmpp::Jid& creator);
    // Under slot.mu: queues `o` (or the error reply to `request`), marks the
    // stored state dirty when `changed`, and takes a room that ended out of
    // the directory. True when the caller must run drain() after unlocking.
    bool commit(Slot& slot, Outcome o, const xml::Element& request, bool changed);
    // Sends the queued stanzas and saves or removes the stored room, until
    // nothing is left. Runs in one task per room at a time.
    Awaitable<void> drain(SlotPtr slot);
    // Routes a batch in order; the stanzas of one fan-out share one
    // serialization (ServiceOptions::shared_fanout).
    Awaitable<void> send_batch(Outbox& batch);
    // Under slot.mu: false when `from` sent more than messages_per_minute.
    bool within_rate(Slot& slot, const xmpp::Jid& from);
    void reply_error(const xml::Element& request, const xmpp::StanzaError& error);

    // muc_iq.cpp
    Awaitable<void> iq(StanzaEvent& ev);
    void service_iq(StanzaEvent& ev, const xml::Element& payload);
    void room_iq(StanzaEvent& ev, const SlotPtr& slot, const xml::Element& payload, bool& drain);
    void occupant_iq(StanzaEvent& ev, Slot& slot, bool& drain);
    xml::ElementPtr service_items() const;
    xml::ElementPtr room_info(const Room& room) const;

    // room_archive.cpp: the service's XEP-0421 secret, made once and stored.
    Awaitable<Result<void>> load_occupant_id_secret();
    // room_archive.cpp: XEP-0313 queries on a room's archive (to its bare JID).
    Awaitable<void> archive_iq(StanzaEvent& ev, const SlotPtr& slot, const xml::Element& payload);
    // XEP-0425: a moderator retracts a message of the room's archive.
    Awaitable<void> moderate_iq(StanzaEvent& ev, const SlotPtr& slot, const xml::Element& payload);
    // XEP-0424: the author `by` (occupant_jid and occupant_id) retracted their
    // message `id`: its archived copy becomes a tombstone, if it is theirs.
    Awaitable<void> author_retraction(const std::string& room, const std::string& id,
                                      const Moderator& by);
    // Appends what a drain took from `to_archive`; logs failures.
    Awaitable<void> append_archive(const std::string& room, const std::vector<Archived>& batch);

    ServiceOptions options_;
    xmpp::Jid jid_;
    Router& router_;
    storage::MucStore& store_;
    storage::ArchiveStore& archive_;
    std::shared_ptr<spdlog::logger> log_;
    storage::KeyValStore& keyval_;
    std::string occupant_id_secret_;  // set by load(), then read-only; "" = no occupant ids
    mutable std::mutex dir_mu_;
    std::unordered_map<std::string, SlotPtr> rooms_;           // GUARDED_BY(dir_mu_), by bare JID
    std::unordered_map<std::string, std::size_t> created_by_;  // GUARDED_BY(dir_mu_)
};

}  // namespace parley::mod::muc
