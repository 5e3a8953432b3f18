// The built-in modules, in load order. Adding a module means adding its folder
// and one line here (STYLE.md b.3); nothing in core/ names a module.
#include "core/module.hpp"

namespace parley {

namespace mod {
std::unique_ptr<Module> make_roster_module();
std::unique_ptr<Module> make_presence_module();
std::unique_ptr<Module> make_offline_module();
std::unique_ptr<Module> make_disco_module();
std::unique_ptr<Module> make_ping_module();
std::unique_ptr<Module> make_version_module();
std::unique_ptr<Module> make_time_module();
std::unique_ptr<Module> make_last_module();
std::unique_ptr<Module> make_vcard_module();
std::unique_ptr<Module> make_private_module();
std::unique_ptr<Module> make_blocking_module();
std::unique_ptr<Module> make_register_module();
std::unique_ptr<Module> make_muc_module();
std::unique_ptr<Module> make_carbons_module();
std::unique_ptr<Module> make_mam_module();
std::unique_ptr<Module> make_csi_module();
std::unique_ptr<Module> make_pep_module();
std::unique_ptr<Module> make_upload_module();
std::unique_ptr<Module> make_proxy65_module();
std::unique_ptr<Module> make_extdisco_module();
std::unique_ptr<Module> make_push_module();
std::unique_ptr<Module> make_websocket_module();
std::unique_ptr<Module> make_bosh_module();
}  // namespace mod

const std::vector<ModuleInfo>& builtin_modules() {
    static const std::vector<ModuleInfo> modules{
        {"roster", "RFC 6121 §2 roster management, XEP-0237 roster versioning", true,
         mod::make_roster_module, {"max_items"}},
        {"presence", "RFC 6121 §3-4 subscriptions and presence", true, mod::make_presence_module},
        {"offline", "XEP-0160 offline message storage", true, mod::make_offline_module,
         {"max_messages"}},
        {"ping", "XEP-0199 XMPP Ping", true, mod::make_ping_module},
        {"version", "XEP-0092 Software Version", true, mod::make_version_module, {"show_os"}},
        {"time", "XEP-0202 Entity Time", true, mod::make_time_module},
        {"last", "XEP-0012 Last Activity", true, mod::make_last_module},
        {"vcard", "XEP-0054 vcard-temp", true, mod::make_vcard_module, {"max_size"}},
        {"private", "XEP-0049 Private XML Storage", true, mod::make_private_module},
        {"blocking", "XEP-0191 Blocking Command", true, mod::make_blocking_module, {"max_items"}},
        {"register", "XEP-0077 In-Band Registration", true, mod::make_register_module,
         {"allow_registration", "registrations_per_minute_per_ip", "instructions"}},
        {"muc",
         "XEP-0045 Multi-User Chat, XEP-0410 MUC Self-Ping, XEP-0313 room archives, XEP-0421 "
         "occupant ids",
         true, mod::make_muc_module,
         {"domain", "name", "room_creation", "admins", "max_rooms_per_user", "messages_per_minute",
          "max_occupants", "max_history", "default_max_occupants", "default_history",
          "default_public", "default_persistent", "default_members_only", "default_moderated",
          "default_allow_invites", "default_change_subject", "default_whois", "default_archiving",
          "occupant_id", "shared_fanout", "enforce_registered_nickname"}},
        {"carbons", "XEP-0280 Message Carbons, XEP-0334 no-copy hint", true,
         mod::make_carbons_module},
        {"mam", "XEP-0313 Message Archive Management, XEP-0359 stanza ids, XEP-0441 preferences",
         true, mod::make_mam_module, {"default_policy", "max_page_size", "max_age_days"}},
        {"csi", "XEP-0352 Client State Indication", true, mod::make_csi_module},
        {"pep",
         "XEP-0163 Personal Eventing Protocol over XEP-0060, XEP-0223, XEP-0402 with compatibility, "
         "XEP-0398 avatar hash in presence",
         true, mod::make_pep_module,
         {"max_items", "max_item_size", "max_nodes", "caps_cache_size", "bookmarks_compat"}},
        {"upload", "XEP-0363 HTTP File Upload", true, mod::make_upload_module,
         {"domain", "name", "max_file_size", "quota", "slot_lifetime", "max_age", "max_total_size",
          "sweep_interval", "storage_dir", "secret", "allowed_domains"}},
        {"proxy65", "XEP-0065 SOCKS5 Bytestreams proxy", false, mod::make_proxy65_module,
         {"domain", "name", "address", "bind", "port", "max_transfers", "idle_timeout",
          "pending_timeout", "allowed_domains"}},
        {"extdisco", "XEP-0215 External Service Discovery (STUN/TURN)", true,
         mod::make_extdisco_module, {"services", "secret", "credential_ttl"}},
        {"push", "XEP-0357 Push Notifications", true, mod::make_push_module,
         {"include_body", "include_sender", "max_registrations", "max_errors", "publish_timeout"}},
        {"websocket", "RFC 7395 XMPP over WebSocket, XEP-0156 discovery (host-meta)", true,
         mod::make_websocket_module,
         {"path", "allowed_origins", "see_other_uri", "keepalive_interval", "max_sessions_per_ip",
          "consider_secure", "host_meta"}},
        {"bosh", "XEP-0124 BOSH, XEP-0206 XMPP over BOSH (/http-bind)", true,
         mod::make_bosh_module,
         {"max_wait", "max_hold", "inactivity", "max_pause", "polling", "max_sessions_per_ip",
          "cors_origin", "max_body_size"}},
        // disco last: it reads what the others registered.
        {"disco", "XEP-0030 Service Discovery, XEP-0115 Entity Capabilities, XEP-0157 Contact Addresses",
         true, mod::make_disco_module,
         {"abuse_addresses", "admin_addresses", "feedback_addresses", "sales_addresses",
          "security_addresses", "status_addresses", "support_addresses"}},
    };
    return modules;
}

}  // namespace parley
