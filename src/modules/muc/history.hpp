// XEP-0045 Multi-User Chat v1.35.5 discussion history: the bounded buffer of
// recent groupchat messages a room keeps (§7.2.13), replayed to a new
// occupant with a XEP-0203 <delay/> from the room, and the <history/> limits a
// client may ask for on entering (§7.2.14: maxchars, maxstanzas, seconds,
// since).
//
// A History belongs to one Room and is not synchronised; the stanzas it hands
// out are immutable and shared (fan-out copies only the top element).
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>
#include <string_view>
#include <vector>

#include "xml/element.hpp"
#include "xmpp/jid.hpp"

namespace parley::mod::muc {

using Clock = std::chrono::system_clock;
using TimePoint = Clock::time_point;

// The attributes of <history/> in the join presence (§7.2.14). An attribute
// that is absent or not a valid number/DateTime is left unset: the XEP
// defines no error for it, and the room's own limit still applies.
struct HistoryRequest {
    std::optional<std::size_t> max_chars;
    std::optional<std::size_t> max_stanzas;
    std::optional<std::chrono::seconds> seconds;
    std::optional<TimePoint> since;
};
// Reads <history xmlns='http://jabber.org/protocol/muc'/>; a null element
// (no <history/>) gives an empty request.
HistoryRequest parse_history_request(const xml::Element* history);

// XEP-0082 v1.1.1 §3.2 DateTime, "CCYY-MM-DDThh:mm:ss[.sss]TZD" with TZD "Z" or
// "+hh:mm"/"-hh:mm"; nullopt for anything else.
// TODO(lead): belongs next to datetime::format_utc in xmpp/ once that moves.
std::optional<TimePoint> parse_datetime(std::string_view s);

class History {
public:
    explicit History(std::size_t capacity) : capacity_(capacity) {}

    // The room's muc#maxhistoryfetch; shrinking drops the oldest entries.
    void set_capacity(std::size_t capacity);
    std::size_t capacity() const { return capacity_; }
    std::size_t size() const { return entries_.size(); }
    void clear() { entries_.clear(); }

    // Stores `message` as reflected to the room (from the occupant JID,
    // without 'to'), stamped with a <delay from='room' stamp='now'/> (§7.2.13;
    // XEP-0203 §2). A <delay/> the sender put in is kept only if it is not
    // from the room, so only the room's own stamp carries its name.
    void append(const xml::Element& message, const xmpp::Jid& room, TimePoint now);

    // The stored messages to replay to a new occupant, oldest first: the
    // smallest set meeting every limit of `request` and the room's capacity
    // (§7.2.14 "the smallest amount of traffic that meets any combination of
    // the above criteria"). maxchars counts the characters of the complete
    // stanzas as stored, dropping whole stanzas from the oldest end;
    // maxchars='0' asks for no history at all.
    std::vector<xml::ElementRef> select(const HistoryRequest& request, TimePoint now) const;

    // Drops the message the room stamped <stanza-id by=room id=id/> (a
    // retracted message is not replayed to newcomers, XEP-0425).
    void remove(std::string_view room, std::string_view id);

private:
    struct Entry {
        xml::ElementRef stanza;  // with <delay/>, without 'to'
        TimePoint stamp;
        std::size_t chars;  // characters (not bytes) of the serialized stanza
    };
    std::size_t capacity_;
    std::deque<Entry> entries_;
};

}  // namespace parley::mod::muc
