// XEP-0045 Multi-User Chat v1.35.5 §10.1.3: the stored form of a persistent room.
#include "modules/muc/room_record.hpp"

#include <algorithm>
#include <charconv>

namespace parley::mod::muc {

namespace {

void put(std::string& out, std::string_view key, std::string_view value) {
    out.append(key).push_back('=');
    for (char c : value) {
        if (c == '\\') {
            out.append("\\\\");
        } else if (c == '\n') {
            out.append("\\n");
        } else {
            out.push_back(c);
        }
    }
    out.push_back('\n');
}

std::string unescape(std::string_view v) {
    std::string s;
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (v[i] == '\\' && i + 1 < v.size()) {
            s.push_back(v[++i] == 'n' ? '\n' : v[i]);
        } else {
            s.push_back(v[i]);
        }
    }
    return s;
}

void read_bool(const std::string& v, bool& out) {
    if (v == "1" || v == "0") {
        out = v == "1";
    }
}

void read_uint(const std::string& v, std::uint32_t& out, std::uint32_t max) {
    std::uint32_t n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec == std::errc() && p == v.data() + v.size()) {
        out = std::min(n, max);
    }
}

}  // namespace

std::string serialize_config(const RoomConfig& c) {
    std::string out;
    put(out, "name", c.name);
    put(out, "description", c.description);
    put(out, "language", c.language);
    put(out, "persistent", c.persistent ? "1" : "0");
    put(out, "public", c.public_room ? "1" : "0");
    put(out, "members_only", c.members_only ? "1" : "0");
    put(out, "moderated", c.moderated ? "1" : "0");
    put(out, "password_protected", c.password_protected ? "1" : "0");
    put(out, "password", c.password);
    put(out, "whois", to_string(c.whois));
    put(out, "max_users", std::to_string(c.max_users));
    put(out, "allow_invites", c.allow_invites ? "1" : "0");
    put(out, "change_subject", c.change_subject ? "1" : "0");
    put(out, "allow_pm", to_string(c.allow_pm));
    put(out, "logging", c.logging ? "1" : "0");
    put(out, "archiving", c.archiving ? "1" : "0");
    std::string roles;
    for (Role r : c.presence_broadcast) {
        roles.append(roles.empty() ? "" : ",").append(to_string(r));
    }
    put(out, "presence_broadcast", roles);
    put(out, "history_length", std::to_string(c.history_length));
    return out;
}

RoomConfig parse_config(std::string_view text, RoomConfig c, const ConfigLimits& limits) {
    while (!text.empty()) {
        auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        auto eq = line.find('=');
        if (eq == std::string_view::npos) {
            continue;
        }
        const std::string_view key = line.substr(0, eq);
        const std::string v = unescape(line.substr(eq + 1));
        if (key == "name") {
            c.name = v;
        } else if (key == "description") {
            c.description = v;
        } else if (key == "language") {
            c.language = v;
        } else if (key == "persistent") {
            read_bool(v, c.persistent);
        } else if (key == "public") {
            read_bool(v, c.public_room);
        } else if (key == "members_only") {
            read_bool(v, c.members_only);
        } else if (key == "moderated") {
            read_bool(v, c.moderated);
        } else if (key == "password_protected") {
            read_bool(v, c.password_protected);
        } else if (key == "password") {
            c.password = v;
        } else if (key == "whois") {
            c.whois = v == to_string(Whois::anyone) ? Whois::anyone : Whois::moderators;
        } else if (key == "max_users") {
            read_uint(v, c.max_users, limits.max_users);
        } else if (key == "allow_invites") {
            read_bool(v, c.allow_invites);
        } else if (key == "change_subject") {
            read_bool(v, c.change_subject);
        } else if (key == "allow_pm") {
            for (AllowPm p :
                 {AllowPm::anyone, AllowPm::participants, AllowPm::moderators, AllowPm::none}) {
                if (v == to_string(p)) {
                    c.allow_pm = p;
                }
            }
        } else if (key == "logging") {
            read_bool(v, c.logging);
        } else if (key == "archiving") {
            read_bool(v, c.archiving);
        } else if (key == "presence_broadcast") {
            c.presence_broadcast.clear();
            std::string_view rest = v;
            while (!rest.empty()) {
                auto comma = rest.find(',');
                if (auto r = parse_role(rest.substr(0, comma))) {
                    c.presence_broadcast.insert(*r);
                }
                rest =
                    comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
            }
        } else if (key == "history_length") {
            read_uint(v, c.history_length, limits.max_history);
        }
    }
    return c;
}

storage::MucRoom to_record(const Room& room) {
    storage::MucRoom r{room.jid().str(), serialize_config(room.config()), room.subject(), {}};
    for (const auto& [bare, entry] : room.affiliations()) {
        r.affiliations.push_back(
            {entry.jid.str(), std::string(to_string(entry.affiliation)), entry.nick, entry.reason});
    }
    return r;
}

Room from_record(const storage::MucRoom& record, const xmpp::Jid& jid, const RoomConfig& defaults,
                 const ConfigLimits& limits) {
    Room room(jid, parse_config(record.config, defaults, limits), limits);
    for (const auto& a : record.affiliations) {
        auto who = xmpp::Jid::parse(a.jid);
        auto aff = parse_affiliation(a.affiliation);
        if (who && aff) {
            room.restore_affiliation(*who, *aff, a.nick, a.reason);
        }
    }
    if (!record.subject.empty()) {
        room.restore_subject(record.subject, std::nullopt, std::nullopt);
    }
    return room;
}

}  // namespace parley::mod::muc
