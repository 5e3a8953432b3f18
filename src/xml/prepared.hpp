// A stanza serialized once for many recipients (DESIGN.md "serialize once,
// write the same bytes to many sockets"): a room's message to its N
// occupants differs only in 'to', so the bytes are made once with a hole
// where to='...' goes and each recipient's stream gets head, its own 'to' and
// tail. The unaddressed element stays available (a session that needs the
// tree, e.g. to keep unacknowledged stanzas, has it).
//
// Immutable once made; shared between threads by shared_ptr.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "xml/element.hpp"

namespace parley::xml {

struct Prepared {
    ElementRef element;            // the stanza without 'to'
    std::string content_ns;        // the stream content namespace the bytes are for
    std::string head;              // "<message"
    std::string tail;              // the rest: other attributes, children, end tag
};
using PreparedRef = std::shared_ptr<const Prepared>;

// Serializes `element` (which must have no 'to') for a stream whose content
// namespace is `content_ns` (serializer.hpp). Null if it has a 'to'.
PreparedRef prepare(ElementRef element, std::string_view content_ns);

// Appends the stanza addressed to `to`: the same text serialize() writes for
// the element with 'to' set, except that 'to' comes first among the attributes.
void write_addressed(const Prepared& p, std::string_view to, std::string& out);

}  // namespace parley::xml
