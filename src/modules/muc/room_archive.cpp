// XEP-0421 Anonymous unique occupant identifiers v0.1.x: the service's secret.
// XEP-0425 Moderated Message Retraction v0.3.0 §4: the moderator's request,
// the tombstone in the archive (§5) and the announcement (retraction.cpp).
// XEP-0313 Message Archive Management v0.8.0 for rooms: the archive of a room
// is owned by its bare JID. §4 queries sent to the room's bare JID (filters,
// XEP-0059 paging, <fin/>), §4.1.5 the form, §5 metadata; results come from
// the room's bare JID and forward each message as the room sent it (from the
// occupant JID). §6.1.2: the room archives groupchat messages with a body
// (Room::groupchat_message decides, with muc#roomconfig_enablearchiving);
// the archive goes when the room does.
//
// Who may read it (XEP-0313 §8 leaves it to the service; as Prosody's
// mod_muc_mam): whoever may enter the room — not an outcast, a member in a
// members-only room, an occupant of a password-protected room (a query cannot
// carry the password); a locked room (§7.2.10 XEP-0045) does not exist yet
// for anyone but its owner.
#include <spdlog/spdlog.h>

#include <chrono>

#include "auth/base64.hpp"
#include "auth/crypto.hpp"
#include "modules/archive/archiving.hpp"
#include "modules/archive/mam_query.hpp"
#include "modules/muc/muc_service.hpp"
#include "router/router.hpp"
#include "xml/serializer.hpp"
#include "xml/stream_parser.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod::muc {

using xmpp::Condition;
using xmpp::Jid;
using xmpp::StanzaError;

namespace {

std::optional<StanzaError> archive_access(const Room& room, const Jid& from) {
    const Affiliation a = room.affiliation(from);
    if (room.locked() && a != Affiliation::owner) {
        return StanzaError(Condition::item_not_found);
    }
    if (a == Affiliation::outcast) {
        return StanzaError(Condition::forbidden, "You are banned from this room");
    }
    if (room.config().members_only && a == Affiliation::none) {
        return StanzaError(Condition::forbidden, "The archive of a members-only room is for members");
    }
    if (room.config().password_protected && room.occupant_by_jid(from) == nullptr) {
        return StanzaError(Condition::forbidden, "Enter the room to read its archive");
    }
    return std::nullopt;
}

}  // namespace

// XEP-0421 §4 asks that an occupant id stay the same for a user in a room:
// across restarts too, so the secret is kept in the service's key-value
// record (user = the service's domain).
Awaitable<Result<void>> MucService::load_occupant_id_secret() {
    const std::string store = "muc", key = "occupant-id-secret";
    auto stored = co_await keyval_.get(options_.domain, store, key);
    if (!stored) {
        co_return fail("cannot read the occupant-id secret of " + options_.domain + ": " +
                       stored.error().message);
    }
    if (stored->has_value()) {
        occupant_id_secret_ = **stored;
        co_return Result<void>{};
    }
    const std::string secret = auth::base64_encode(auth::crypto::random_bytes(32));
    auto saved = co_await keyval_.set(options_.domain, store, key, secret);
    if (!saved) {
        co_return fail("cannot store the occupant-id secret of " + options_.domain + ": " +
                       saved.error().message);
    }
    occupant_id_secret_ = secret;
    co_return Result<void>{};
}

Awaitable<void> MucService::append_archive(const std::string& room,
                                           const std::vector<Archived>& batch) {
    for (const auto& a : batch) {
        storage::ArchiveEntry e;
        e.id = a.id;
        e.timestamp_us =
            std::chrono::duration_cast<std::chrono::microseconds>(a.stamp.time_since_epoch())
                .count();
        e.with = room;  // the occupant JID, so that 'with' filters by occupant (§4.1.1)
        e.with_resource = a.nick;
        e.stanza = xml::to_string(*a.message);
        // Write-behind, as for user archives (ARCHITECTURE.md "The archive band").
        auto failed = [log = log_, room](const std::string& reason) {
            log->error("muc: archiving a message in {} failed: {}", room, reason);
        };
        if (!archive_.append_soon(room, e, std::move(failed))) {
            auto r = co_await archive_.append(room, e);
            if (!r) {
                log_->error("muc: archiving a message in {} failed: {}", room, r.error().message);
            }
        }
    }
}

Awaitable<void> MucService::archive_iq(StanzaEvent& ev, const SlotPtr& slot,
                                       const xml::Element& payload) {
    const xml::Element& st = *ev.stanza;
    std::optional<StanzaError> refused;
    {
        std::lock_guard lock(slot->mu);
        refused = slot->gone ? StanzaError(Condition::item_not_found)
                             : archive_access(slot->room, ev.from);
    }
    if (refused) {
        reply_error(st, *refused);
        co_return;
    }
    const std::string room = ev.to.bare_str();
    const bool get = ev.type == "get";
    if (get && payload.name() == "query") {
        router_.send(iq_result(st, mam::query_form()));  // §4.1.5
        co_return;
    }
    if (get && payload.name() == "metadata") {  // §5
        auto ends = co_await archive_.ends(room);
        if (!ends) {
            reply_error(st, StanzaError(Condition::internal_server_error));
            co_return;
        }
        router_.send(iq_result(st, mam::metadata(*ends)));
        co_return;
    }
    if (get || payload.name() != "query") {
        reply_error(st, StanzaError(Condition::service_unavailable));
        co_return;
    }
    auto parsed = mam::parse_query(payload, mam::Limits{});
    if (!parsed) {
        reply_error(st, parsed.error());
        co_return;
    }
    const std::string to = ev.from.str();
    std::string problem;
    auto answer = co_await mam::answer(archive_, room, *parsed, to, problem);
    if (!problem.empty()) {
        log_->error("muc: {}", problem);
    }
    if (!answer) {
        reply_error(st, answer.error());
        co_return;
    }
    // One after the other from this task, so they reach the asker in order
    // and before the iq result (§4.3).
    for (auto& result : answer->results) {
        xml::ElementRef r = std::move(result);
        co_await router_.route(std::move(r));
    }
    xml::ElementRef done = iq_result(st, std::move(answer->fin));
    co_await router_.route(std::move(done));
}

Awaitable<void> MucService::moderate_iq(StanzaEvent& ev, const SlotPtr& slot,
                                        const xml::Element& payload) {
    const xml::Element& st = *ev.stanza;
    const std::string id(payload.attr_or("id"));
    if (id.empty()) {
        reply_error(st, StanzaError(Condition::bad_request, "<moderate/> needs the stanza-id"));
        co_return;
    }
    if (payload.child("retract", ns::retract) == nullptr) {
        // §4: retraction is the one moderation action defined.
        reply_error(st, StanzaError(Condition::feature_not_implemented,
                                    "only <retract/> moderation is supported"));
        co_return;
    }
    const std::string reason = payload.child_text("reason", ns::moderate).value_or("");
    std::optional<Moderator> by;
    std::optional<StanzaError> refused;
    {
        std::lock_guard lock(slot->mu);
        if (slot->gone) {
            refused = StanzaError(Condition::item_not_found);
        } else if (auto m = slot->room.moderator(ev.from)) {
            by = std::move(*m);
        } else {
            refused = m.error();
        }
    }
    if (refused) {
        reply_error(st, *refused);
        co_return;
    }
    const std::string room = ev.to.bare_str();
    storage::ArchiveQuery q;
    q.ids = {id};
    q.max = 1;
    auto page = co_await archive_.query(room, q);
    if (!page) {
        log_->error("muc: looking up {} in the archive of {} failed: {}", id, room,
                    page.error().message);
        reply_error(st, StanzaError(Condition::internal_server_error));
        co_return;
    }
    if (!page->has_value() || (*page)->items.empty()) {
        reply_error(st, StanzaError(Condition::item_not_found, "no such message in this room"));
        co_return;
    }
    auto stored = xml::parse_element((*page)->items.front().stanza);
    if (!stored) {
        log_->error("muc: archived message {} of {} cannot be parsed", id, room);
        reply_error(st, StanzaError(Condition::internal_server_error));
        co_return;
    }
    // §5: the archive keeps a tombstone in the message's place.
    const std::string text = xml::to_string(*tombstone(*stored, *by, reason, Clock::now()));
    auto replaced = co_await archive_.replace_stanza(room, id, text);
    if (!replaced) {
        log_->error("muc: retracting {} in the archive of {} failed: {}", id, room,
                    replaced.error().message);
        reply_error(st, StanzaError(Condition::internal_server_error));
        co_return;
    }
    const std::string archive_id = mam::new_archive_id();
    bool must_drain = false;
    {
        std::lock_guard lock(slot->mu);
        if (slot->gone) {
            reply_error(st, StanzaError(Condition::item_not_found));
        } else {
            // §4: the announcement to everyone, then the result.
            auto o = slot->room.announce_retraction(*by, id, reason, Clock::now(), archive_id);
            o.out.push_back({ev.from, iq_result(st, nullptr)});
            must_drain = commit(*slot, std::move(o), st, false);
        }
    }
    if (must_drain) {
        co_await drain(slot);
    }
}

Awaitable<void> MucService::author_retraction(const std::string& room, const std::string& id,
                                              const Moderator& by) {
    if (id.empty()) {
        co_return;
    }
    storage::ArchiveQuery q;
    q.ids = {id};
    q.max = 1;
    auto page = co_await archive_.query(room, q);
    if (!page || !page->has_value() || (*page)->items.empty()) {
        co_return;  // not archived here (or the store failed: the retraction went out anyway)
    }
    auto stored = xml::parse_element((*page)->items.front().stanza);
    if (!stored || stored->child("retracted", ns::retract) != nullptr) {
        co_return;
    }
    // Only the author's own message: the same occupant id where the room
    // hands them out, else the same occupant JID.
    const auto* sender_id = stored->child("occupant-id", ns::occupant_id);
    const bool theirs = !by.occupant_id.empty()
                            ? sender_id != nullptr && sender_id->attr_or("id") == by.occupant_id
                            : stored->attr_or("from") == by.occupant_jid.str();
    if (!theirs) {
        co_return;
    }
    const std::string text = xml::to_string(*tombstone(*stored, Moderator{}, "", Clock::now()));
    auto replaced = co_await archive_.replace_stanza(room, id, text);
    if (!replaced) {
        log_->error("muc: retracting {} in the archive of {} failed: {}", id, room,
                    replaced.error().message);
    }
}

}  // namespace parley::mod::muc
