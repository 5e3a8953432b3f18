// Which messages go into a user's archive and how an archived message is
// marked (XEP-0313 v0.8.0 §3.5 and §6.1.1, XEP-0359 v0.7.0 §3 and §5, and the
// XEP-0334 v0.3.0 §4 storage hints). Pure functions over immutable elements;
// any thread.
#pragma once

#include <string>
#include <string_view>

#include "xml/element.hpp"

namespace parley::mod::mam {

// XEP-0313 §6.1.1: messages of type "normal" (or none) or "chat" with a
// <body/>. XEP-0334 §4: <no-store/> and <no-permanent-store/> keep a message
// out; <store/> brings in one without a body (but never an error, nor
// groupchat or headline here: room messages belong to the room's archive).
bool archivable(const xml::Element& message);

// A room's archive (XEP-0313 §6.1.2 "MUC archives"; Prosody's mod_muc_mam):
// groupchat messages with a <body/>, with the same XEP-0334 hints as above.
bool archivable_in_room(const xml::Element& message);

// XEP-0359 §5 rule 3: a <stanza-id/> that claims to be by `archive` (the
// archive's bare JID) was not written by us; returns `message` without it
// (or `message` itself when there is none).
xml::ElementRef without_stanza_id(const xml::ElementRef& message, std::string_view archive);

// XEP-0313 §3.5: a copy of `message` with <stanza-id xmlns='urn:xmpp:sid:0'
// id='...' by='archive'/> appended.
xml::ElementRef with_stanza_id(const xml::ElementRef& message, std::string_view archive,
                               const std::string& id);

// A new archive UID: 96 random bits from the system's CSPRNG in 16 base64url
// characters. XEP-0313 §3 and XEP-0359 §6: unpredictable, unique in the
// archive, revealing nothing (not the archive's size, not the time).
std::string new_archive_id();

}  // namespace parley::mod::mam
