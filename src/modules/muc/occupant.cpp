// XEP-0045 Multi-User Chat v1.35.5: §7.2.8 multi-session nicknames, §17.1
// room nickname rules.
#include "modules/muc/occupant.hpp"

#include <algorithm>

#include "auth/base64.hpp"
#include "auth/credentials.hpp"
#include "auth/crypto.hpp"

namespace parley::mod::muc {

using xmpp::Condition;
using xmpp::StanzaError;

const OccupantSession* Occupant::session(const xmpp::Jid& full) const {
    for (const auto& s : sessions) {
        if (s.jid == full) {
            return &s;
        }
    }
    return nullptr;
}

OccupantSession* Occupant::session(const xmpp::Jid& full) {
    for (auto& s : sessions) {
        if (s.jid == full) {
            return &s;
        }
    }
    return nullptr;
}

Result<std::string, StanzaError> normalize_nick(std::string_view nick) {
    if (nick.empty()) {
        return fail(StanzaError(Condition::jid_malformed, "A room nickname is required"));
    }
    auto normalized = xmpp::normalize_resourcepart(nick);
    if (!normalized || normalized->empty()) {
        return fail(StanzaError(Condition::jid_malformed, "Invalid room nickname"));
    }
    // OpaqueString maps every width of space to U+0020, so "invisible"
    // nicknames made of other spaces are caught here too.
    if (std::all_of(normalized->begin(), normalized->end(), [](char c) { return c == ' '; })) {
        return fail(StanzaError(Condition::not_acceptable, "A room nickname must not be blank"));
    }
    return std::move(*normalized);
}

std::string make_occupant_id(std::string_view secret, std::string_view room,
                             std::string_view bare) {
    std::string data;
    data.reserve(room.size() + 1 + bare.size());
    data.append(room).push_back('\0');
    data.append(bare);
    return auth::base64_encode(auth::crypto::hmac(auth::Hash::sha256, secret, data));
}

}  // namespace parley::mod::muc
