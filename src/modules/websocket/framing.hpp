// RFC 7395 §3.3 framing: how the stream of one WebSocket connection maps to
// the events and elements of an XML stream (RFC 6120 §4). Each text message
// carries exactly one complete element, parsable on its own: <open/> and
// <close/> in urn:ietf:params:xml:ns:xmpp-framing stand for the stream
// header and its end, and stanzas declare xmlns='jabber:client' themselves.
// Pure functions, used by WsChannel; unit-tested in
// tests/unit/server/modules/websocket/.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "xml/element.hpp"
#include "xml/prepared.hpp"
#include "xml/stream_parser.hpp"

namespace parley::mod::websocket {

// Turns one message into the events the session expects: <open/> becomes
// xml::StreamOpen with a header <stream:stream> in the streams namespace
// (its attributes copied) and content namespace jabber:client; <close/>
// becomes xml::StreamClose; any other element is passed on as it is, except
// where a header is due (`header_due`: before the first <open/> and after a
// restart): there it stands for the header it should have been, so that the
// session answers it like a wrong stream header (invalid-namespace).
// A message over limits.max_stanza_bytes is ParseError::too_big
// (policy-violation, RFC 7395 §3.3.3 with RFC 6120 §4.9.3.12), bad XML the
// parser's error. Appends nothing on error.
xml::ParseError message_to_events(std::string_view text, const xml::ParserLimits& limits,
                                  bool header_due, std::vector<xml::ParseEvent>& out);

// <open xmlns='urn:ietf:params:xml:ns:xmpp-framing' .../> with the
// attributes of our stream header (from, id, version, xml:lang), §3.3.2.
std::string open_message(const xml::Element& header);
// <close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>, with see-other-uri
// when redirecting the client (§3.6.1).
std::string close_message(std::string_view see_other_uri = {});
// One element as a standalone document: stanzas carry xmlns='jabber:client',
// stream-namespace elements (features, errors) declare xmlns:stream (§3.3.3).
std::string element_message(const xml::Element& e);
// A stanza serialized once for many (xml::Prepared, for a jabber:client
// stream), addressed to `to`, with the xmlns the stream context would have given.
std::string prepared_message(const xml::Prepared& p, std::string_view to);

}  // namespace parley::mod::websocket
