// Every XML namespace Parley knows, in one place (STYLE.md b.4): no namespace
// string literal appears anywhere else.
#pragma once

#include <string_view>

namespace parley::ns {

using N = std::string_view;

// RFC 6120 / 6121
inline constexpr N client = "jabber:client";
inline constexpr N server = "jabber:server";
inline constexpr N streams = "http://etherx.jabber.org/streams";
inline constexpr N xmpp_streams = "urn:ietf:params:xml:ns:xmpp-streams";
inline constexpr N stanzas = "urn:ietf:params:xml:ns:xmpp-stanzas";
inline constexpr N tls = "urn:ietf:params:xml:ns:xmpp-tls";
inline constexpr N sasl = "urn:ietf:params:xml:ns:xmpp-sasl";
inline constexpr N bind = "urn:ietf:params:xml:ns:xmpp-bind";
inline constexpr N session = "urn:ietf:params:xml:ns:xmpp-session";
inline constexpr N roster = "jabber:iq:roster";
inline constexpr N roster_ver = "urn:xmpp:features:rosterver";
inline constexpr N pre_approval = "urn:xmpp:features:pre-approval";
inline constexpr N xml = "http://www.w3.org/XML/1998/namespace";
inline constexpr N framing = "urn:ietf:params:xml:ns:xmpp-framing";  // RFC 7395 WebSocket

// XEPs
inline constexpr N xrd = "http://docs.oasis-open.org/ns/xri/xrd-1.0";      // XEP-0156 host-meta
inline constexpr N alt_websocket = "urn:xmpp:alt-connections:websocket";  // XEP-0156 link rels
inline constexpr N alt_xbosh = "urn:xmpp:alt-connections:xbosh";
inline constexpr N dialback = "jabber:server:dialback";                // XEP-0220
inline constexpr N dialback_feature = "urn:xmpp:features:dialback";
inline constexpr N bidi = "urn:xmpp:bidi";                              // XEP-0288
inline constexpr N bidi_feature = "urn:xmpp:features:bidi";
inline constexpr N component_accept = "jabber:component:accept";       // XEP-0114
inline constexpr N disco_info = "http://jabber.org/protocol/disco#info";  // XEP-0030
inline constexpr N disco_items = "http://jabber.org/protocol/disco#items";
inline constexpr N caps = "http://jabber.org/protocol/caps";             // XEP-0115
inline constexpr N ping = "urn:xmpp:ping";                              // XEP-0199
inline constexpr N version = "jabber:iq:version";                       // XEP-0092
inline constexpr N time = "urn:xmpp:time";                              // XEP-0202
inline constexpr N last = "jabber:iq:last";                             // XEP-0012
inline constexpr N vcard = "vcard-temp";                                // XEP-0054
inline constexpr N private_xml = "jabber:iq:private";                   // XEP-0049
inline constexpr N blocking = "urn:xmpp:blocking";                      // XEP-0191
inline constexpr N blocking_errors = "urn:xmpp:blocking:errors";
inline constexpr N register_ = "jabber:iq:register";                    // XEP-0077
inline constexpr N register_feature = "http://jabber.org/features/iq-register";
inline constexpr N delay = "urn:xmpp:delay";                            // XEP-0203
inline constexpr N offline = "msgoffline";                              // XEP-0160 disco feature
inline constexpr N data_forms = "jabber:x:data";                        // XEP-0004
inline constexpr N sasl_cb = "urn:xmpp:sasl-cb:0";                      // XEP-0440
inline constexpr N vcard_update = "vcard-temp:x:update";                // XEP-0153
inline constexpr N forward = "urn:xmpp:forward:0";                      // XEP-0297
inline constexpr N carbons = "urn:xmpp:carbons:2";                      // XEP-0280
inline constexpr N hints = "urn:xmpp:hints";                            // XEP-0334
inline constexpr N sid = "urn:xmpp:sid:0";                              // XEP-0359
inline constexpr N occupant_id = "urn:xmpp:occupant-id:0";              // XEP-0421
inline constexpr N retract = "urn:xmpp:message-retract:1";             // XEP-0424
inline constexpr N moderate = "urn:xmpp:message-moderate:1";           // XEP-0425
inline constexpr N rsm = "http://jabber.org/protocol/rsm";              // XEP-0059
inline constexpr N mam = "urn:xmpp:mam:2";                              // XEP-0313
inline constexpr N mam_extended = "urn:xmpp:mam:2#extended";            // XEP-0313 §7
inline constexpr N sm = "urn:xmpp:sm:3";                                // XEP-0198
inline constexpr N csi = "urn:xmpp:csi:0";                              // XEP-0352
inline constexpr N http_upload = "urn:xmpp:http:upload:0";            // XEP-0363
inline constexpr N bytestreams = "http://jabber.org/protocol/bytestreams";  // XEP-0065
inline constexpr N extdisco = "urn:xmpp:extdisco:2";                    // XEP-0215
inline constexpr N chatstates = "http://jabber.org/protocol/chatstates";  // XEP-0085
inline constexpr N push = "urn:xmpp:push:0";                            // XEP-0357
inline constexpr N push_summary = "urn:xmpp:push:summary";              // XEP-0357 §7 FORM_TYPE
inline constexpr N jingle_message = "urn:xmpp:jingle-message:0";        // XEP-0353
// End-to-end encrypted payloads (a message that carries one is worth a push
// notification even without a body): OMEMO (XEP-0384, legacy and v2),
// legacy OpenPGP (XEP-0027), OpenPGP for XMPP (XEP-0373).
inline constexpr N omemo_legacy = "eu.siacs.conversations.axolotl";
inline constexpr N omemo = "urn:xmpp:omemo:2";
inline constexpr N pgp_encrypted = "jabber:x:encrypted";
inline constexpr N openpgp = "urn:xmpp:openpgp:0";
inline constexpr N httpbind = "http://jabber.org/protocol/httpbind";    // XEP-0124
inline constexpr N xbosh = "urn:xmpp:xbosh";                            // XEP-0206

// XEP-0060 Publish-Subscribe (§16.2 namespaces, §16.3 FORM_TYPEs) as PEP
// (XEP-0163) uses it, and the payloads the server itself reads.
inline constexpr N pubsub = "http://jabber.org/protocol/pubsub";
inline constexpr N pubsub_owner = "http://jabber.org/protocol/pubsub#owner";
inline constexpr N pubsub_event = "http://jabber.org/protocol/pubsub#event";
inline constexpr N pubsub_errors = "http://jabber.org/protocol/pubsub#errors";
inline constexpr N pubsub_node_config = "http://jabber.org/protocol/pubsub#node_config";
inline constexpr N pubsub_publish_options = "http://jabber.org/protocol/pubsub#publish-options";
inline constexpr N bookmarks = "urn:xmpp:bookmarks:1";                  // XEP-0402
inline constexpr N bookmarks_compat = "urn:xmpp:bookmarks:1#compat";    // XEP-0402 §5
inline constexpr N bookmarks_legacy = "storage:bookmarks";              // XEP-0048
inline constexpr N avatar_metadata = "urn:xmpp:avatar:metadata";        // XEP-0084

// XEP-0045 Multi-User Chat: protocol namespaces (§16.1), the FORM_TYPEs of
// its data forms (§16.5), disco features and nodes (§16.3, §16.4), and the
// room-type features a room advertises (§16.3).
inline constexpr N muc = "http://jabber.org/protocol/muc";
inline constexpr N muc_user = "http://jabber.org/protocol/muc#user";
inline constexpr N muc_admin = "http://jabber.org/protocol/muc#admin";
inline constexpr N muc_owner = "http://jabber.org/protocol/muc#owner";
inline constexpr N muc_roomconfig = "http://jabber.org/protocol/muc#roomconfig";
inline constexpr N muc_roominfo = "http://jabber.org/protocol/muc#roominfo";
inline constexpr N muc_request = "http://jabber.org/protocol/muc#request";
inline constexpr N muc_register = "http://jabber.org/protocol/muc#register";
inline constexpr N muc_stable_id = "http://jabber.org/protocol/muc#stable_id";
inline constexpr N muc_rooms = "http://jabber.org/protocol/muc#rooms";
inline constexpr N muc_hidden = "muc_hidden";
inline constexpr N muc_public = "muc_public";
inline constexpr N muc_membersonly = "muc_membersonly";
inline constexpr N muc_open = "muc_open";
inline constexpr N muc_moderated = "muc_moderated";
inline constexpr N muc_unmoderated = "muc_unmoderated";
inline constexpr N muc_nonanonymous = "muc_nonanonymous";
inline constexpr N muc_semianonymous = "muc_semianonymous";
inline constexpr N muc_passwordprotected = "muc_passwordprotected";
inline constexpr N muc_unsecured = "muc_unsecured";
inline constexpr N muc_persistent = "muc_persistent";
inline constexpr N muc_temporary = "muc_temporary";
inline constexpr N muc_self_ping = "http://jabber.org/protocol/muc#self-ping-optimization";  // XEP-0410 §3.3
// Service Discovery identity of a MUC service or room (§16.2): conference/text.
inline constexpr N conference_category = "conference";
inline constexpr N conference_type_text = "text";

}  // namespace parley::ns
