// XEP-0045 Multi-User Chat v1.35.5: §10.1.2-§10.1.3 and §10.2 room
// configuration forms, §10.2.1 configuration change notifications, §16.3 room
// features, §16.5.3 the muc#roomconfig FORM_TYPE.
#include "modules/muc/room_config.hpp"

#include <algorithm>
#include <charconv>

#include "modules/muc/data_form.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod::muc {

using xmpp::Condition;
using xmpp::Jid;
using xmpp::StanzaError;

namespace {

// Field names of §16.5.3.
constexpr std::string_view kRoomName = "muc#roomconfig_roomname";
constexpr std::string_view kRoomDesc = "muc#roomconfig_roomdesc";
constexpr std::string_view kLang = "muc#roomconfig_lang";
constexpr std::string_view kPersistent = "muc#roomconfig_persistentroom";
constexpr std::string_view kPublic = "muc#roomconfig_publicroom";
constexpr std::string_view kMembersOnly = "muc#roomconfig_membersonly";
constexpr std::string_view kModerated = "muc#roomconfig_moderatedroom";
constexpr std::string_view kPasswordProtected = "muc#roomconfig_passwordprotectedroom";
constexpr std::string_view kSecret = "muc#roomconfig_roomsecret";
constexpr std::string_view kWhois = "muc#roomconfig_whois";
constexpr std::string_view kMaxUsers = "muc#roomconfig_maxusers";
constexpr std::string_view kAllowInvites = "muc#roomconfig_allowinvites";
constexpr std::string_view kChangeSubject = "muc#roomconfig_changesubject";
constexpr std::string_view kAllowPm = "muc#roomconfig_allowpm";
constexpr std::string_view kLogging = "muc#roomconfig_enablelogging";
constexpr std::string_view kArchiving = "muc#roomconfig_enablearchiving";  // as Prosody's mod_muc_mam
constexpr std::string_view kPresenceBroadcast = "muc#roomconfig_presencebroadcast";
constexpr std::string_view kHistory = "muc#maxhistoryfetch";
constexpr std::string_view kOwners = "muc#roomconfig_roomowners";
constexpr std::string_view kAdmins = "muc#roomconfig_roomadmins";

std::string bool_value(bool b) { return b ? "1" : "0"; }

form::Field boolean(std::string_view var, std::string_view label, bool value) {
    return {std::string(var), "boolean", std::string(label), {bool_value(value)}, {}};
}

form::Field text(std::string_view var, std::string_view type, std::string_view label,
                 const std::string& value) {
    form::Field f{std::string(var), std::string(type), std::string(label), {}, {}};
    if (!value.empty()) {
        f.values.push_back(value);
    }
    return f;
}

form::Field jids(std::string_view var, std::string_view label, const std::vector<Jid>& list) {
    form::Field f{std::string(var), "jid-multi", std::string(label), {}, {}};
    for (const auto& j : list) {
        f.values.push_back(j.bare_str());
    }
    return f;
}

StanzaError bad_value(std::string_view var) {
    return StanzaError(Condition::bad_request, "Invalid value for " + std::string(var));
}

// The single value of a field; an absent or empty <value/> reads as "".
std::string single(const std::vector<std::string>& values) {
    return values.empty() ? std::string() : values.front();
}

std::optional<std::uint32_t> parse_uint(std::string_view s) {
    std::uint32_t v = 0;
    const auto* end = s.data() + s.size();
    auto [p, ec] = std::from_chars(s.data(), end, v);
    if (s.empty() || ec != std::errc() || p != end) {
        return std::nullopt;
    }
    return v;
}

// Applies one submitted field to `c`; unknown fields are ignored.
Result<void, StanzaError> apply_field(RoomConfig& c, std::string_view var,
                                      const std::vector<std::string>& values,
                                      const ConfigLimits& limits) {
    const std::string v = single(values);
    auto set_bool = [&](bool& target) -> Result<void, StanzaError> {
        auto b = form::parse_boolean(v);
        if (!b) {
            return fail(bad_value(var));
        }
        target = *b;
        return {};
    };
    auto set_text = [&](std::string& target) -> Result<void, StanzaError> {
        if (v.size() > limits.max_text_bytes) {
            return fail(StanzaError(Condition::not_acceptable, std::string(var) + " is too long"));
        }
        target = v;
        return {};
    };
    // The plain fields, by var.
    static constexpr std::pair<std::string_view, std::string RoomConfig::*> kTexts[] = {
        {kRoomName, &RoomConfig::name},
        {kRoomDesc, &RoomConfig::description},
        {kLang, &RoomConfig::language},
        {kSecret, &RoomConfig::password},
    };
    static constexpr std::pair<std::string_view, bool RoomConfig::*> kBools[] = {
        {kPersistent, &RoomConfig::persistent},
        {kPublic, &RoomConfig::public_room},
        {kMembersOnly, &RoomConfig::members_only},
        {kModerated, &RoomConfig::moderated},
        {kPasswordProtected, &RoomConfig::password_protected},
        {kAllowInvites, &RoomConfig::allow_invites},
        {kChangeSubject, &RoomConfig::change_subject},
        {kLogging, &RoomConfig::logging},
        {kArchiving, &RoomConfig::archiving},
    };
    for (const auto& [name, member] : kTexts) {
        if (var == name) {
            return set_text(c.*member);
        }
    }
    for (const auto& [name, member] : kBools) {
        if (var == name) {
            return set_bool(c.*member);
        }
    }
    if (var == kWhois) {
        // "none" (fully anonymous) was deprecated (§10.1.3 note) and is refused.
        if (v == "moderators" || v == "anyone") {
            c.whois = v == "anyone" ? Whois::anyone : Whois::moderators;
            return {};
        }
        return fail(bad_value(var));
    }
    if (var == kAllowPm) {
        for (auto p :
             {AllowPm::anyone, AllowPm::participants, AllowPm::moderators, AllowPm::none}) {
            if (v == to_string(p)) {
                c.allow_pm = p;
                return {};
            }
        }
        return fail(bad_value(var));
    }
    if (var == kMaxUsers) {
        if (v == "none") {
            c.max_users = 0;
            return {};
        }
        auto n = parse_uint(v);
        if (!n) {
            return fail(bad_value(var));
        }
        if (*n == 0 || *n > limits.max_users) {
            return fail(StanzaError(Condition::not_acceptable,
                                    "The maximum number of occupants is out of range"));
        }
        c.max_users = *n;
        return {};
    }
    if (var == kHistory) {
        auto n = parse_uint(v);
        if (!n) {
            return fail(bad_value(var));
        }
        if (*n > limits.max_history) {
            return fail(StanzaError(Condition::not_acceptable, "Too many history messages"));
        }
        c.history_length = *n;
        return {};
    }
    if (var == kPresenceBroadcast) {
        std::set<Role> roles;
        for (const auto& value : values) {
            auto r = parse_role(value);
            if (!r || *r == Role::none) {
                return fail(bad_value(var));
            }
            roles.insert(*r);
        }
        c.presence_broadcast = std::move(roles);
        return {};
    }
    return {};
}

Result<std::vector<Jid>, StanzaError> parse_jid_list(const std::vector<std::string>& values) {
    std::vector<Jid> out;
    for (const auto& v : values) {
        if (v.empty()) {
            continue;  // an empty jid-multi is sent as one empty <value/> by some clients
        }
        auto j = Jid::parse(v);
        if (!j || j->local().empty()) {
            return fail(StanzaError(Condition::jid_malformed, "Invalid JID: " + v));
        }
        auto bare = j->bare();  // affiliations are kept per bare JID (§5.2)
        if (std::find(out.begin(), out.end(), bare) == out.end()) {
            out.push_back(std::move(bare));
        }
    }
    return out;
}

}  // namespace

std::string_view to_string(Whois w) { return w == Whois::anyone ? "anyone" : "moderators"; }

std::string_view to_string(AllowPm p) {
    switch (p) {
        case AllowPm::participants:
            return "participants";
        case AllowPm::moderators:
            return "moderators";
        case AllowPm::none:
            return "none";
        case AllowPm::anyone:
            break;
    }
    return "anyone";
}

xml::ElementPtr config_form(const RoomConfig& c, const Jid& room, const std::vector<Jid>& owners,
                            const std::vector<Jid>& admins, const ConfigLimits& limits) {
    std::vector<form::Field> fields;
    fields.push_back({"FORM_TYPE", "hidden", "", {std::string(ns::muc_roomconfig)}, {}});
    fields.push_back(text(kRoomName, "text-single", "Natural-Language Room Name", c.name));
    fields.push_back(text(kRoomDesc, "text-single", "Short Description of Room", c.description));
    fields.push_back(
        text(kLang, "text-single", "Natural Language for Room Discussions", c.language));
    fields.push_back(boolean(kLogging, "Enable Public Logging?", c.logging));
    fields.push_back(boolean(kArchiving, "Archive Messages (XEP-0313)?", c.archiving));
    fields.push_back(
        boolean(kChangeSubject, "Allow Occupants to Change Subject?", c.change_subject));
    fields.push_back(boolean(kAllowInvites, "Allow Members to Invite Others?", c.allow_invites));
    fields.push_back({std::string(kAllowPm),
                      "list-single",
                      "Who Can Send Private Messages?",
                      {std::string(to_string(c.allow_pm))},
                      {{"Anyone", "anyone"},
                       {"Anyone with Voice", "participants"},
                       {"Moderators Only", "moderators"},
                       {"Nobody", "none"}}});
    form::Field max_users{std::string(kMaxUsers),
                          "list-single",
                          "Maximum Number of Occupants",
                          {c.max_users == 0 ? "none" : std::to_string(c.max_users)},
                          {}};
    for (std::uint32_t n : {10u, 20u, 30u, 50u, 100u, 200u, 500u, 1000u}) {
        if (n <= limits.max_users) {
            max_users.options.push_back({std::to_string(n), std::to_string(n)});
        }
    }
    max_users.options.push_back({"None", "none"});
    fields.push_back(std::move(max_users));
    form::Field broadcast{std::string(kPresenceBroadcast),
                          "list-multi",
                          "Roles for which Presence is Broadcasted",
                          {},
                          {}};
    broadcast.options = {
        {"Moderator", "moderator"}, {"Participant", "participant"}, {"Visitor", "visitor"}};
    for (auto r : {Role::moderator, Role::participant, Role::visitor}) {
        if (c.presence_broadcast.count(r) != 0) {
            broadcast.values.emplace_back(to_string(r));
        }
    }
    fields.push_back(std::move(broadcast));
    fields.push_back(boolean(kPublic, "Make Room Publicly Searchable?", c.public_room));
    fields.push_back(boolean(kPersistent, "Make Room Persistent?", c.persistent));
    fields.push_back(boolean(kModerated, "Make Room Moderated?", c.moderated));
    fields.push_back(boolean(kMembersOnly, "Make Room Members-Only?", c.members_only));
    fields.push_back(
        boolean(kPasswordProtected, "Password Required to Enter?", c.password_protected));
    fields.push_back(text(kSecret, "text-private", "Password", c.password));
    fields.push_back({std::string(kWhois),
                      "list-single",
                      "Who May Discover Real JIDs?",
                      {std::string(to_string(c.whois))},
                      {{"Moderators Only", "moderators"}, {"Anyone", "anyone"}}});
    fields.push_back(text(kHistory, "text-single",
                          "Maximum Number of History Messages Returned by Room",
                          std::to_string(c.history_length)));
    fields.push_back(jids(kAdmins, "Room Admins", admins));
    fields.push_back(jids(kOwners, "Room Owners", owners));
    return form::build("form", "Configuration for \"" + std::string(room.local()) + "\" Room",
                       "Complete this form to modify the configuration of your room.", fields);
}

Result<ConfigSubmission, StanzaError> parse_config_submission(const xml::Element& x,
                                                              const RoomConfig& current,
                                                              const ConfigLimits& limits) {
    auto submitted = form::parse(x);
    if (!submitted) {
        return fail(submitted.error());
    }
    ConfigSubmission out;
    out.config = current;
    if (submitted->type == "cancel") {
        out.cancel = true;
        return out;
    }
    if (submitted->type != "submit") {
        return fail(StanzaError(Condition::bad_request, "Expected a submitted form"));
    }
    if (const auto* form_type = submitted->find("FORM_TYPE")) {
        if (single(*form_type) != ns::muc_roomconfig) {
            return fail(StanzaError(Condition::bad_request, "Unexpected FORM_TYPE"));
        }
    }
    for (const auto& [var, values] : submitted->fields) {
        if (var == kOwners || var == kAdmins) {
            auto list = parse_jid_list(values);
            if (!list) {
                return fail(list.error());
            }
            (var == kOwners ? out.owners : out.admins) = std::move(*list);
            continue;
        }
        auto applied = apply_field(out.config, var, values, limits);
        if (!applied) {
            return fail(applied.error());
        }
    }
    // §10.1.3: "the password for a password-protected room is blank" is the
    // example of a configuration that violates service policy.
    if (out.config.password_protected && out.config.password.empty()) {
        return fail(
            StanzaError(Condition::not_acceptable, "A password-protected room needs a password"));
    }
    return out;
}

std::vector<int> config_change_status_codes(const RoomConfig& before, const RoomConfig& after) {
    std::vector<int> codes;
    if (before == after) {
        return codes;
    }
    if (before.logging != after.logging) {
        codes.push_back(after.logging ? 170 : 171);
    }
    if (before.whois != after.whois) {
        codes.push_back(after.non_anonymous() ? 172 : 173);
    }
    // §10.2.1: "For any other configuration change, the room SHOULD send
    // status code 104".
    RoomConfig rest = after;
    rest.logging = before.logging;
    rest.whois = before.whois;
    if (rest != before) {
        codes.push_back(104);
    }
    return codes;
}

std::vector<std::string_view> room_features(const RoomConfig& c) {
    return {
        c.public_room ? ns::muc_public : ns::muc_hidden,
        c.persistent ? ns::muc_persistent : ns::muc_temporary,
        c.password_protected ? ns::muc_passwordprotected : ns::muc_unsecured,
        c.members_only ? ns::muc_membersonly : ns::muc_open,
        c.moderated ? ns::muc_moderated : ns::muc_unmoderated,
        c.non_anonymous() ? ns::muc_nonanonymous : ns::muc_semianonymous,
    };
}

}  // namespace parley::mod::muc
