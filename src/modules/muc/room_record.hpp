// XEP-0045 Multi-User Chat v1.35.5 §10.1.3 persistent rooms: what of a Room
// is stored (storage::MucRoom: configuration, subject, affiliations) and how
// a stored room comes back at start-up. Occupants and history are not kept.
//
// The configuration is stored as "key=value" lines (newlines and backslashes
// escaped), so a field added later reads its default from older records and
// a record never fails to load over one value. Pure functions; any thread.
#pragma once

#include <string>
#include <string_view>

#include "modules/muc/room.hpp"
#include "storage/stores.hpp"

namespace parley::mod::muc {

std::string serialize_config(const RoomConfig& config);
// Values that are missing or do not parse keep the value in `defaults`;
// numbers are clamped to `limits`.
RoomConfig parse_config(std::string_view text, RoomConfig defaults, const ConfigLimits& limits);

storage::MucRoom to_record(const Room& room);
Room from_record(const storage::MucRoom& record, const xmpp::Jid& jid, const RoomConfig& defaults,
                 const ConfigLimits& limits);

}  // namespace parley::mod::muc
