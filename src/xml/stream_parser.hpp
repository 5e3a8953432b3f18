// StreamParser: turns the bytes of one XML stream (RFC 6120 §4) into events:
// the stream header, each complete top-level stanza as an Element tree, and
// the stream's end. Built on expat in namespace mode, fed incrementally, so a
// stanza may arrive split at any byte.
//
// Restricted XML (RFC 6120 §11.1): a DOCTYPE, entity declaration, comment or
// processing instruction is an error. Limits (STYLE.md b.1.6) are enforced
// here, while parsing, before a tree is built in full.
//
// One parser per stream; a stream restart (after STARTTLS or SASL) uses a new
// parser or reset(). Not thread-safe: one session's thread feeds it.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>
#include <variant>
#include <vector>

#include "xml/element.hpp"

namespace parley::xml {

// The stanza itself is depth 1, its children depth 2, and so on. The byte
// limit also bounds the stream header (with the XML declaration before it):
// no more than max_stanza_bytes are ever buffered waiting for a tag to end.
struct ParserLimits {
    std::size_t max_stanza_bytes = 256 * 1024;  // bytes of one top-level stanza
    std::size_t max_depth = 32;                 // element nesting inside a stanza
    std::size_t max_attributes = 64;            // attributes on one element
};

struct StreamOpen {
    ElementPtr header;  // the <stream:stream> element: name, namespace, attributes; no children
    std::string content_ns;  // the default namespace declared on it ("" if none)
};
struct StreamClose {};
using ParseEvent = std::variant<StreamOpen, ElementPtr, StreamClose>;

enum class ParseError {
    none,
    not_well_formed,       // expat syntax error            -> <not-well-formed/>
    restricted_xml,        // DOCTYPE, comment, PI, entity   -> <restricted-xml/>
    bad_namespace_prefix,  // undeclared prefix              -> <bad-namespace-prefix/>
    too_big,               // stanza over max_stanza_bytes   -> <policy-violation/>
    too_deep,              // nesting over max_depth         -> <policy-violation/>
    too_many_attributes,   // over max_attributes            -> <policy-violation/>
    bad_format,            // non-whitespace text at stream level -> <bad-format/>
};
std::string_view to_string(ParseError e);

class StreamParser {
public:
    explicit StreamParser(ParserLimits limits = {});
    ~StreamParser();
    StreamParser(const StreamParser&) = delete;
    StreamParser& operator=(const StreamParser&) = delete;

    // Parses `data` and appends the events it completes to `out`. After an
    // error the parser stays failed; every later feed() returns the same error.
    // Events completed before the error in the same call are still appended.
    // StreamOpen is not validated here: the session checks that the root is
    // <stream:stream> in the streams namespace (RFC 6120 §4.9.3.10).
    ParseError feed(std::string_view data, std::vector<ParseEvent>& out);
    // Starts a new stream (forgets everything fed so far).
    void reset();
    // Between stanzas, with no partial input held: frees the parser's state
    // (expat's buffers and tables, several KiB), which the next feed()
    // rebuilds. For connections that have been quiet for a while. True when
    // something was freed.
    bool release_if_idle();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Parses one complete XML document or fragment (no stream around it), for
// tests and for stored stanzas. Same restrictions as the stream parser.
// The input is already in memory, so this applies max_depth and
// max_attributes of ParserLimits{} but no byte limit; on error it returns
// nullptr and sets *error (when given).
ElementPtr parse_element(std::string_view xml, ParseError* error = nullptr);
// The same with explicit limits, all of them applied.
ElementPtr parse_element(std::string_view xml, const ParserLimits& limits,
                         ParseError* error = nullptr);

}  // namespace parley::xml
