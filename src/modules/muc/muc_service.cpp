// XEP-0045 Multi-User Chat v1.35.5: the service's dispatch by address (§17.1
// room and occupant JIDs), room creation (§10.1.1), presence (§7.2, §7.6,
// §7.7, §7.14) and messages (§7.4, §7.5, §7.8.2, §8.1, §8.6) handed to the
// Room, the service limits and the persistence of persistent rooms.
#include "modules/muc/muc_service.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "modules/archive/archiving.hpp"
#include "modules/muc/room_record.hpp"
#include "xml/prepared.hpp"
#include "router/router.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod::muc {

using xmpp::Condition;
using xmpp::ErrorType;
using xmpp::Jid;
using xmpp::StanzaError;

MucService::MucService(ServiceOptions options, Router& router, storage::Storage& storage,
                       std::shared_ptr<spdlog::logger> log)
    : options_(std::move(options)),
      jid_(Jid::parse(options_.domain).value()),
      router_(router),
      store_(storage.muc()),
      archive_(storage.archive()),
      log_(std::move(log)),
      keyval_(storage.keyval()) {}

Awaitable<Result<void>> MucService::load() {
    if (options_.occupant_id) {
        auto secret = co_await load_occupant_id_secret();
        if (!secret) {
            co_return secret;
        }
    }
    auto records = co_await store_.rooms(options_.domain);
    if (!records) {
        co_return fail("cannot load the rooms of " + options_.domain + ": " +
                       records.error().message);
    }
    std::lock_guard lock(dir_mu_);
    for (const auto& record : *records) {
        auto jid = Jid::parse(record.jid);
        if (!jid) {
            log_->warn("muc: stored room '{}' is not a JID; ignored", record.jid);
            continue;
        }
        auto slot =
            std::make_shared<Slot>(from_record(record, *jid, options_.defaults, options_.limits));
        slot->stored = true;
        slot->room.set_occupant_id_secret(occupant_id_secret_);
        rooms_.emplace(jid->bare_str(), std::move(slot));
    }
    log_->info("muc: {} serves {} stored room{}", options_.domain, records->size(),
               records->size() == 1 ? "" : "s");
    co_return Result<void>{};
}

MucService::SlotPtr MucService::find(std::string_view room) const {
    std::lock_guard lock(dir_mu_);
    auto it = rooms_.find(std::string(room));
    return it == rooms_.end() ? nullptr : it->second;
}

Awaitable<void> MucService::handle(StanzaEvent& ev) {
    switch (ev.kind) {
        case StanzaKind::presence:
            co_await presence(ev);
            break;
        case StanzaKind::message:
            co_await message(ev);
            break;
        case StanzaKind::iq:
            co_await iq(ev);
            break;
    }
}

void MucService::reply_error(const xml::Element& request, const StanzaError& error) {
    if (auto e = error_reply(request, error, jid_)) {
        router_.send(std::move(e));
    }
}

Result<MucService::SlotPtr, StanzaError> MucService::create(const Jid& room, const Jid& creator) {
    const std::string bare = creator.bare_str();
    bool allowed = options_.admins.count(bare) != 0;
    switch (options_.creation) {
        case Creation::anyone:
            allowed = true;
            break;
        case Creation::local:
            allowed = allowed || router_.is_local_host(creator.domain());
            break;
        case Creation::admins:
            break;
    }
    if (!allowed) {
        // §10.1.1: "If the user is not allowed to create rooms, the service
        // MUST return <not-allowed/>".
        return fail(StanzaError(Condition::not_allowed, "You may not create rooms here"));
    }
    std::lock_guard lock(dir_mu_);
    auto [it, inserted] = rooms_.try_emplace(room.bare_str());
    if (!inserted) {
        return it->second;  // created meanwhile by someone else: join that one
    }
    auto& count = created_by_[bare];
    if (options_.max_rooms_per_user != 0 && count >= options_.max_rooms_per_user) {
        rooms_.erase(it);
        return fail(StanzaError(Condition::not_allowed, ErrorType::cancel,
                                "You have created too many rooms"));
    }
    ++count;
    it->second = std::make_shared<Slot>(
        Room::create(room.bare(), creator, options_.defaults, options_.limits));
    it->second->creator = bare;
    it->second->room.set_occupant_id_secret(occupant_id_secret_);
    return it->second;
}

bool MucService::commit(Slot& slot, Outcome o, const xml::Element& request, bool changed) {
    if (o.error) {
        if (auto e = error_reply(request, *o.error, slot.room.jid())) {
            slot.pending.push_back({Jid(), std::move(e)});
        }
    } else {
        slot.dirty = slot.dirty || changed;
        for (auto& g : o.out) {
            slot.pending.push_back(std::move(g));
        }
        if (o.archived) {
            slot.to_archive.push_back(std::move(*o.archived));
        }
    }
    // §7.14 note, §10.1.3, §10.9: a destroyed room, an empty temporary room
    // and a room whose creator left before configuring it end here.
    const Room& room = slot.room;
    const bool ended =
        o.destroyed || (room.occupant_count() == 0 && (room.locked() || !room.config().persistent));
    if (ended && !slot.gone) {
        slot.gone = true;
        std::lock_guard lock(dir_mu_);
        auto it = rooms_.find(room.jid().bare_str());
        if (it != rooms_.end() && it->second.get() == &slot) {
            rooms_.erase(it);
        }
        if (!slot.creator.empty() && --created_by_[slot.creator] == 0) {
            created_by_.erase(slot.creator);
        }
    }
    const bool leftovers = slot.gone && (slot.stored || !slot.archive_removed);
    if (slot.draining || (slot.pending.empty() && !slot.dirty && !leftovers)) {
        return false;
    }
    slot.draining = true;
    return true;
}

Awaitable<void> MucService::drain(SlotPtr slot) {
    for (;;) {
        Outbox batch;
        std::vector<Archived> archived;
        std::optional<storage::MucRoom> save;
        bool erase = false;
        bool forget = false;
        {
            std::lock_guard lock(slot->mu);
            const bool keep = slot->room.config().persistent && !slot->gone;
            if (keep && slot->dirty) {
                save = to_record(slot->room);
                slot->stored = true;
            } else if (!keep && slot->stored) {
                erase = true;
                slot->stored = false;
            }
            slot->dirty = false;
            batch.swap(slot->pending);
            archived.swap(slot->to_archive);
            // A room that ended takes its archive with it (once).
            forget = slot->gone && !slot->archive_removed;
            slot->archive_removed = slot->archive_removed || forget;
            if (batch.empty() && archived.empty() && !save && !erase && !forget) {
                slot->draining = false;
                break;
            }
        }
        const std::string room = slot->room.jid().bare_str();  // immutable once created
        if (!archived.empty()) {
            // Before the broadcast: whoever receives a message can find it
            // in the archive (XEP-0313 §4 queries by its stanza-id).
            co_await append_archive(room, archived);
        }
        if (forget) {
            // Before the last stanzas go out: once they know the room is
            // gone, a new room of that name must start with an empty archive.
            auto r = co_await archive_.remove_all(room);
            if (!r) {
                log_->error("muc: removing the archive of {} failed: {}", room, r.error().message);
            }
        }
        co_await send_batch(batch);
        if (save) {
            auto r = co_await store_.put(*save);
            if (!r) {
                log_->error("muc: saving room {} failed: {}", save->jid, r.error().message);
            }
        }
        if (erase) {
            auto r = co_await store_.remove(room);
            if (!r) {
                log_->error("muc: removing room {} failed: {}", room, r.error().message);
            }
        }
    }
}

Awaitable<void> MucService::send_batch(Outbox& batch) {
    // The last fan-out's base, its bytes and its sender: a fan-out's
    // stanzas are consecutive in the batch.
    const xml::Element* base = nullptr;
    xml::PreparedRef prepared;
    Jid from;
    for (auto& g : batch) {
        if (!options_.shared_fanout || !g.base) {
            co_await router_.route(std::move(g.stanza));
            continue;
        }
        if (g.base.get() != base) {
            base = g.base.get();
            prepared = xml::prepare(g.base, ns::client);
            auto parsed = Jid::parse(g.base->attr_or("from"));
            from = parsed ? *parsed : jid_;
        }
        StanzaEvent ev{g.stanza, stanza_kind(*g.stanza), g.stanza->attr_or("type"), from, g.to,
                       nullptr, router_, prepared, g.stanza.get()};
        co_await router_.route(ev);
    }
}

bool MucService::within_rate(Slot& slot, const Jid& from) {
    if (options_.messages_per_minute == 0) {
        return true;
    }
    const auto now = std::chrono::steady_clock::now();
    const double per_second = static_cast<double>(options_.messages_per_minute) / 60.0;
    // A burst of a quarter of a minute's allowance, then the steady rate.
    const double burst = std::max(1.0, static_cast<double>(options_.messages_per_minute) / 4.0);
    if (slot.buckets.size() > 2 * slot.room.occupant_count() + 16) {
        std::erase_if(slot.buckets,
                      [&](const auto& b) { return slot.room.occupant_by_jid(b.first) == nullptr; });
    }
    auto [it, fresh] = slot.buckets.try_emplace(from, Bucket{burst, now});
    Bucket& b = it->second;
    if (!fresh) {
        const std::chrono::duration<double> elapsed = now - b.last;
        b.tokens = std::min(burst, b.tokens + elapsed.count() * per_second);
        b.last = now;
    }
    if (b.tokens < 1.0) {
        return false;
    }
    b.tokens -= 1.0;
    return true;
}

// §7.2 (enter), §7.6 (nick), §7.7 (status), §7.14 (exit), §10.1.1 (create).
Awaitable<void> MucService::presence(StanzaEvent& ev) {
    const xml::Element& p = *ev.stanza;
    if (ev.to.local().empty() || ev.to.resource().empty()) {
        // §7.2.1: "If the user does not specify a room nickname ... the service
        // MUST return a <jid-malformed/> error"; presence to the service
        // itself is not a join either.
        if (ev.type.empty() && p.child("x", ns::muc) != nullptr) {
            reply_error(p, StanzaError(Condition::jid_malformed, "A room nickname is required"));
        }
        co_return;
    }
    const Jid room = ev.to.bare();
    SlotPtr slot = find(room.str());
    if (!slot) {
        if (!ev.type.empty()) {
            co_return;  // unavailable, probes, errors for a room that is not there
        }
        if (p.child("x", ns::muc) == nullptr) {
            reply_error(p, StanzaError(Condition::item_not_found));
            co_return;
        }
        auto created = create(room, ev.from);
        if (!created) {
            reply_error(p, created.error());
            co_return;
        }
        slot = std::move(*created);
    }
    bool must_drain = false;
    {
        std::lock_guard lock(slot->mu);
        if (slot->gone) {
            // Destroyed between the look-up and now: as if it never existed.
            if (ev.type.empty()) {
                reply_error(p, StanzaError(Condition::item_not_found, ErrorType::wait));
            }
        } else {
            must_drain = commit(
                *slot,
                slot->room.handle_presence(ev.from, ev.to.resource(), ev.stanza, Clock::now()), p,
                false);
        }
    }
    if (must_drain) {
        co_await drain(std::move(slot));
    }
}

// §7.4 groupchat, §8.1 subject, §7.5 private messages, §7.8.2 invitations
// and declines, §8.6 voice requests.
Awaitable<void> MucService::message(StanzaEvent& ev) {
    const xml::Element& m = *ev.stanza;
    if (ev.type == "error") {
        co_return;  // never answered (RFC 6120 §8.3.1); nothing waits for it
    }
    if (ev.to.local().empty()) {
        reply_error(m, StanzaError(Condition::service_unavailable));
        co_return;
    }
    SlotPtr slot = find(ev.to.bare_view());
    if (!slot) {
        reply_error(m, StanzaError(Condition::item_not_found));
        co_return;
    }
    // XEP-0313: every groupchat message may be archived; its id is drawn
    // outside the lock.
    const std::string archive_id = ev.type == "groupchat" ? mam::new_archive_id() : std::string();
    std::optional<Moderator> retracting;  // XEP-0424: the author of an accepted <retract/>
    const auto* retract = m.child("retract", ns::retract);
    bool must_drain = false;
    {
        std::lock_guard lock(slot->mu);
        Room& room = slot->room;
        const bool chat = ev.type == "groupchat" || !ev.to.resource().empty();
        if (slot->gone) {
            reply_error(m, StanzaError(Condition::item_not_found));
        } else if (chat && room.occupant_by_jid(ev.from) != nullptr &&
                   !within_rate(*slot, ev.from)) {
            // COMPAT: Prosody's mod_muc_limits answers a flood the same way.
            must_drain = commit(*slot,
                                refuse(StanzaError(Condition::policy_violation, ErrorType::wait,
                                                   "You are sending messages too fast")),
                                m, false);
        } else if (!ev.to.resource().empty()) {
            must_drain =
                commit(*slot, room.private_message(ev.from, ev.to.resource(), m), m, false);
        } else if (ev.type == "groupchat") {
            const bool subject = m.child("subject", ns::client) != nullptr;
            auto o = room.groupchat_message(ev.from, m, Clock::now(), archive_id);
            const Occupant* author = room.occupant_by_jid(ev.from);
            if (o.ok() && retract != nullptr && author != nullptr) {
                retracting = Moderator{author->occupant_jid, author->occupant_id};
            }
            must_drain = commit(*slot, std::move(o), m, subject);
        } else {
            bool changed = false;
            auto o = room.room_message(ev.from, m, &changed);
            must_drain = commit(*slot, std::move(o), m, changed);
        }
    }
    if (must_drain) {
        co_await drain(std::move(slot));
    }
    if (retracting) {
        const std::string room = ev.to.bare_str();
        const std::string id(retract->attr_or("id"));
        co_await author_retraction(room, id, *retracting);
    }
}

}  // namespace parley::mod::muc
