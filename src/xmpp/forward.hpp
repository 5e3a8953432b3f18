// XEP-0297 Stanza Forwarding v1.0 §3: <forwarded xmlns='urn:xmpp:forward:0'>
// holding an optional XEP-0203 <delay/> and the forwarded stanza. Used by
// Message Carbons (XEP-0280) and MAM results (XEP-0313). Pure; any thread.
#pragma once

#include <string_view>

#include "xml/element.hpp"

namespace parley::xmpp {

// <forwarded> around `stanza` (shared, not copied), with
// <delay xmlns='urn:xmpp:delay' stamp='...'/> first when `delay_stamp` is not
// empty (XEP-0297 §3 "SHOULD" for stored stanzas).
xml::ElementPtr make_forwarded(const xml::ElementRef& stanza, std::string_view delay_stamp = {});

// The stanza inside a <forwarded/> element, or nullptr.
const xml::Element* forwarded_stanza(const xml::Element& forwarded);

}  // namespace parley::xmpp
