// StreamParser on expat: RFC 6120 §4 (the stream as one XML document, each
// stanza a child of the root) and §11 (XML usage: restricted XML, namespaces,
// UTF-8). One Reader wraps one XML_Parser; StreamParser and parse_element()
// differ only in whether the root element is the stream or the result.
#include "xml/stream_parser.hpp"

#include "xml/parser_memory.hpp"

#include <expat.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <new>

namespace parley::xml {

namespace {

constexpr std::string_view kXmlNs = "http://www.w3.org/XML/1998/namespace";
constexpr char kNsSeparator = ' ';
constexpr XML_Char kNsSeparatorString[] = {kNsSeparator, '\0'};
// feed() hands expat at most this much at once and checks the byte limit in
// between, so a huge chunk cannot grow a tree far past the limit.
constexpr std::size_t kSliceBytes = 16 * 1024;

enum class Mode {
    stream,    // the root is <stream:stream>; its children are the stanzas
    document,  // the root is the result (parse_element)
};

bool is_xml_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// expat names are "URI local" in namespace mode, or "local" without one.
// URIs cannot hold a space but local names certainly cannot, so split at the
// last one.
ElementPtr make_element(std::string_view expat_name) {
    auto space = expat_name.rfind(kNsSeparator);
    if (space == std::string_view::npos) {
        return Element::make(std::string(expat_name), {});
    }
    return Element::make(std::string(expat_name.substr(space + 1)),
                         std::string(expat_name.substr(0, space)));
}

// Attribute names as Attribute documents them: "local", "xml:local" or
// "URI local".
std::string attribute_name(std::string_view expat_name) {
    auto space = expat_name.rfind(kNsSeparator);
    if (space != std::string_view::npos && expat_name.substr(0, space) == kXmlNs) {
        return "xml:" + std::string(expat_name.substr(space + 1));
    }
    return std::string(expat_name);
}

ParseError from_expat(XML_Error code) {
    switch (code) {
        case XML_ERROR_UNBOUND_PREFIX:
            return ParseError::bad_namespace_prefix;
        case XML_ERROR_UNDEFINED_ENTITY:
            // RFC 6120 §11.1: no entity references but the predefined ones.
            return ParseError::restricted_xml;
        default:
            return ParseError::not_well_formed;
    }
}

class Reader {
public:
    Reader(Mode mode, const ParserLimits& limits) : mode_(mode), limits_(limits) { create(); }
    ~Reader() {
        if (parser_ != nullptr) {
            XML_ParserFree(parser_);
        }
    }
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;

    ParseError feed(std::string_view data, std::vector<ParseEvent>* out) {
        if (parser_ == nullptr && error_ == ParseError::none) {
            resume();
        }
        out_ = out;
        while (error_ == ParseError::none && !data.empty()) {
            auto n = std::min(data.size(), kSliceBytes);
            parse(data.data(), n, false);
            data.remove_prefix(n);
            // Bytes buffered since the last complete thing: a start tag that
            // never ends, or a stanza so far. Checked after every slice, so
            // the limit holds however the bytes are chunked.
            if (error_ == ParseError::none && !closed_ && fed_ - mark_ > limits_.max_stanza_bytes) {
                error_ = ParseError::too_big;
            }
        }
        out_ = nullptr;
        return error_;
    }

    // Stream mode, between stanzas with nothing buffered: frees expat's state
    // (several KiB); feed() rebuilds it. True when freed.
    bool release() {
        if (mode_ != Mode::stream || parser_ == nullptr || error_ != ParseError::none || closed_ ||
            open_ != 1 || stanza_ || mark_ != fed_) {
            return false;
        }
        XML_ParserFree(parser_);
        parser_ = nullptr;
        stack_ = {};
        return true;
    }

    // Document mode: the end of input; returns the root element or nullptr.
    ElementPtr finish() {
        if (error_ == ParseError::none) {
            parse("", 0, true);
        }
        if (error_ == ParseError::none && !document_) {
            error_ = ParseError::not_well_formed;
        }
        return error_ == ParseError::none ? std::move(document_) : nullptr;
    }

    ParseError error() const { return error_; }

    // A new stream on the same expat parser (RFC 6120 §4.3.3 stream restarts).
    void restart() {
        error_ = ParseError::none;
        out_ = nullptr;
        open_ = fed_ = mark_ = 0;
        closed_ = resuming_ = false;
        base_ = 0;
        content_ns_.clear();
        root_qname_.clear();
        root_ns_.clear();
        stanza_.reset();
        stack_.clear();
        document_.reset();
        create();
    }

private:
    // An expat parser with our handlers: a new one, or the current one reset
    // (which keeps its memory).
    void create() {
        // The "UTF-8" argument overrides any encoding the document declares
        // (RFC 6120 §11.6: UTF-8 only); expat then rejects invalid UTF-8.
        static const XML_Memory_Handling_Suite memory{
            &parser_memory::allocate, &parser_memory::reallocate, &parser_memory::release};
        if (parser_ == nullptr || XML_ParserReset(parser_, "UTF-8") != XML_TRUE) {
            if (parser_ != nullptr) {
                XML_ParserFree(parser_);
            }
            parser_ = XML_ParserCreate_MM("UTF-8", &memory, kNsSeparatorString);
        }
        if (parser_ == nullptr) {
            throw std::bad_alloc();
        }
        XML_SetUserData(parser_, this);
        XML_SetElementHandler(parser_, &Reader::on_start, &Reader::on_end);
        XML_SetCharacterDataHandler(parser_, &Reader::on_text);
        XML_SetStartNamespaceDeclHandler(parser_, &Reader::on_namespace);
        // RFC 6120 §11.1 restricted XML. A DOCTYPE is refused before its
        // internal subset is read, so no entity is ever declared or expanded
        // (billion laughs) and nothing external is loaded.
        XML_SetStartDoctypeDeclHandler(parser_, &Reader::on_doctype);
        XML_SetEntityDeclHandler(parser_, &Reader::on_entity);
        XML_SetNotationDeclHandler(parser_, &Reader::on_notation);
        XML_SetCommentHandler(parser_, &Reader::on_comment);
        XML_SetProcessingInstructionHandler(parser_, &Reader::on_pi);
        XML_SetExternalEntityRefHandler(parser_, &Reader::on_external_entity);
        XML_SetParamEntityParsing(parser_, XML_PARAM_ENTITY_PARSING_NEVER);
    }

    // After release(): a new expat parser, put back inside the stream root by
    // a copy of the root's start tag (its name and namespace declarations),
    // which reports nothing. Byte positions continue where they were.
    void resume() {
        create();
        std::string tag = "<" + root_qname_;
        for (const auto& [prefix, uri] : root_ns_) {
            tag += prefix.empty() ? " xmlns='" : " xmlns:" + prefix + "='";
            for (char c : uri) {
                tag += c == '\'' ? std::string("&apos;") : c == '&' ? std::string("&amp;")
                       : c == '<' ? std::string("&lt;") : std::string(1, c);
            }
            tag += '\'';
        }
        tag += '>';
        resuming_ = true;
        open_ = 0;
        base_ = static_cast<std::int64_t>(fed_) - static_cast<std::int64_t>(tag.size());
        if (XML_Parse(parser_, tag.data(), static_cast<int>(tag.size()), XML_FALSE) != XML_STATUS_OK) {
            error_ = ParseError::not_well_formed;
        }
        resuming_ = false;
    }

    void parse(const char* data, std::size_t n, bool final) {
        if (XML_Parse(parser_, data, static_cast<int>(n), final ? XML_TRUE : XML_FALSE) !=
                XML_STATUS_OK &&
            error_ == ParseError::none) {
            error_ = from_expat(XML_GetErrorCode(parser_));
        }
        fed_ += n;
    }

    // Records the first error and stops expat; the handlers check error_
    // first, because expat may still deliver a few events after the stop.
    void fail(ParseError e) {
        if (error_ == ParseError::none) {
            error_ = e;
            XML_StopParser(parser_, XML_FALSE);
        }
    }

    std::size_t event_begin() const {
        return static_cast<std::size_t>(base_ + XML_GetCurrentByteIndex(parser_));
    }
    std::size_t event_end() const {
        return event_begin() + static_cast<std::size_t>(XML_GetCurrentByteCount(parser_));
    }
    // From the start of the stanza (or the end of the last complete thing)
    // up to the end of the current event.
    bool check_size() {
        if (event_end() - mark_ > limits_.max_stanza_bytes) {
            fail(ParseError::too_big);
            return false;
        }
        return true;
    }

    // Depth inside the stanza (the stanza itself is 1) of an element whose
    // parent has `open` open ancestors-or-self, the stream root included.
    std::size_t stanza_depth(std::size_t open) const {
        return mode_ == Mode::stream ? open : open + 1;
    }

    bool add_attributes(Element& e, const XML_Char** atts) {
        std::size_t count = 0;
        while (atts[2 * count] != nullptr) {
            ++count;
        }
        if (count > limits_.max_attributes) {
            fail(ParseError::too_many_attributes);
            return false;
        }
        // One more than parsed: a server stamps 'from' on most stanzas.
        e.reserve_attributes(count + 1);
        for (std::size_t i = 0; i < count; ++i) {
            // expat has already refused duplicates, so set_attr only appends.
            e.set_attr(attribute_name(atts[2 * i]), atts[2 * i + 1]);
        }
        return true;
    }

    void start_element(const XML_Char* name, const XML_Char** atts) {
        std::size_t open = open_++;
        if (mode_ == Mode::stream && open == 0) {
            if (resuming_) {
                return;  // the copy of the header resume() feeds
            }
            // RFC 6120 §4.7: the stream header; its own tag ends it. The
            // bytes before it (XML declaration, whitespace) count as well.
            if (!check_size()) {
                return;
            }
            // Its name as written ("stream:stream"), for resume().
            int offset = 0;
            int size = 0;
            if (const char* raw = XML_GetInputContext(parser_, &offset, &size)) {
                std::string_view tag(raw + offset + 1, static_cast<std::size_t>(size - offset - 1));
                root_qname_ = std::string(tag.substr(0, tag.find_first_of(" \t\r\n/>")));
            }
            auto header = make_element(name);
            if (!add_attributes(*header, atts)) {
                return;
            }
            mark_ = event_end();
            out_->push_back(StreamOpen{std::move(header), content_ns_});
            return;
        }
        std::size_t depth = stanza_depth(open);
        if (depth == 1) {
            mark_ = event_begin();
        }
        if (!check_size()) {
            return;
        }
        if (depth > limits_.max_depth) {
            fail(ParseError::too_deep);
            return;
        }
        auto e = make_element(name);
        if (!add_attributes(*e, atts)) {
            return;
        }
        Element* raw = e.get();
        if (depth == 1) {
            stanza_ = std::move(e);
            stack_.clear();
        } else {
            stack_.back()->add_child(std::move(e));
        }
        stack_.push_back(raw);
    }

    void end_element() {
        std::size_t open = --open_;  // open elements once this one is closed
        if (mode_ == Mode::stream && open == 0) {
            closed_ = true;
            mark_ = event_end();
            out_->push_back(StreamClose{});
            return;
        }
        if (!check_size()) {
            return;
        }
        stack_.pop_back();
        if (stanza_depth(open) == 1) {
            mark_ = event_end();
            if (mode_ == Mode::stream) {
                out_->push_back(std::move(stanza_));
            } else {
                document_ = std::move(stanza_);
            }
            stanza_.reset();
        }
    }

    void text(const XML_Char* s, int len) {
        std::string_view chunk(s, static_cast<std::size_t>(len));
        if (mode_ == Mode::stream && open_ == 1) {
            // Between stanzas: whitespace keepalives are fine (RFC 6120
            // §4.6.1), anything else is character data at stream level.
            if (!std::all_of(chunk.begin(), chunk.end(), is_xml_space)) {
                fail(ParseError::bad_format);
                return;
            }
            mark_ = event_end();
            return;
        }
        if (stack_.empty() || !check_size()) {
            return;
        }
        stack_.back()->add_text(std::string(chunk));
    }

    static Reader& self(void* user_data) { return *static_cast<Reader*>(user_data); }

    static void XMLCALL on_start(void* ud, const XML_Char* name, const XML_Char** atts) {
        if (self(ud).error_ == ParseError::none) {
            self(ud).start_element(name, atts);
        }
    }
    static void XMLCALL on_end(void* ud, const XML_Char* /*name*/) {
        if (self(ud).error_ == ParseError::none) {
            self(ud).end_element();
        }
    }
    static void XMLCALL on_text(void* ud, const XML_Char* s, int len) {
        if (self(ud).error_ == ParseError::none) {
            self(ud).text(s, len);
        }
    }
    static void XMLCALL on_namespace(void* ud, const XML_Char* prefix, const XML_Char* uri) {
        // Declarations are reported before the start tag that carries them, so
        // open_ == 0 means the root: its default namespace is the stream's
        // content namespace (RFC 6120 §4.8.2).
        auto& r = self(ud);
        if (r.error_ != ParseError::none || r.mode_ != Mode::stream || r.open_ != 0 || r.resuming_) {
            return;
        }
        r.root_ns_.emplace_back(prefix != nullptr ? prefix : "", uri != nullptr ? uri : "");
        if (prefix == nullptr) {
            r.content_ns_ = uri != nullptr ? uri : "";
        }
    }
    static void XMLCALL on_doctype(void* ud, const XML_Char*, const XML_Char*, const XML_Char*,
                                   int) {
        self(ud).fail(ParseError::restricted_xml);
    }
    static void XMLCALL on_entity(void* ud, const XML_Char*, int, const XML_Char*, int,
                                  const XML_Char*, const XML_Char*, const XML_Char*,
                                  const XML_Char*) {
        self(ud).fail(ParseError::restricted_xml);
    }
    static void XMLCALL on_notation(void* ud, const XML_Char*, const XML_Char*, const XML_Char*,
                                    const XML_Char*) {
        self(ud).fail(ParseError::restricted_xml);
    }
    static void XMLCALL on_comment(void* ud, const XML_Char*) {
        self(ud).fail(ParseError::restricted_xml);
    }
    static void XMLCALL on_pi(void* ud, const XML_Char*, const XML_Char*) {
        self(ud).fail(ParseError::restricted_xml);
    }
    static int XMLCALL on_external_entity(XML_Parser p, const XML_Char*, const XML_Char*,
                                          const XML_Char*, const XML_Char*) {
        self(XML_GetUserData(p)).fail(ParseError::restricted_xml);
        return XML_STATUS_ERROR;
    }

    XML_Parser parser_ = nullptr;
    Mode mode_;
    ParserLimits limits_;
    ParseError error_ = ParseError::none;
    std::vector<ParseEvent>* out_ = nullptr;  // set during feed()
    std::size_t open_ = 0;                    // elements open now, the stream root included
    std::size_t fed_ = 0;                     // bytes handed to expat so far
    // Where the byte limit counts from: the start of the stanza being built,
    // else the end of the last complete thing (header, stanza, whitespace).
    std::size_t mark_ = 0;
    bool closed_ = false;  // </stream:stream> seen
    std::string content_ns_;
    // The stream root as written, for resume(): its qualified name and its
    // namespace declarations (prefix "" = the default namespace).
    std::string root_qname_;
    std::vector<std::pair<std::string, std::string>> root_ns_;
    bool resuming_ = false;
    std::int64_t base_ = 0;  // position in the stream of the current parser's first byte
    ElementPtr stanza_;            // the top-level element being built
    std::vector<Element*> stack_;  // its open elements, innermost last
    ElementPtr document_;          // document mode: the finished root
};

}  // namespace

std::string_view to_string(ParseError e) {
    switch (e) {
        case ParseError::none:
            return "none";
        case ParseError::not_well_formed:
            return "not-well-formed";
        case ParseError::restricted_xml:
            return "restricted-xml";
        case ParseError::bad_namespace_prefix:
            return "bad-namespace-prefix";
        case ParseError::too_big:
            return "too-big";
        case ParseError::too_deep:
            return "too-deep";
        case ParseError::too_many_attributes:
            return "too-many-attributes";
        case ParseError::bad_format:
            return "bad-format";
    }
    return "unknown";
}

struct StreamParser::Impl {
    explicit Impl(const ParserLimits& l) : reader(Mode::stream, l) {}
    Reader reader;
};

StreamParser::StreamParser(ParserLimits limits) : impl_(std::make_unique<Impl>(limits)) {}

StreamParser::~StreamParser() = default;

ParseError StreamParser::feed(std::string_view data, std::vector<ParseEvent>& out) {
    return impl_->reader.feed(data, &out);
}

void StreamParser::reset() { impl_->reader.restart(); }

bool StreamParser::release_if_idle() { return impl_->reader.release(); }

ElementPtr parse_element(std::string_view xml, const ParserLimits& limits, ParseError* error) {
    Reader reader(Mode::document, limits);
    std::vector<ParseEvent> unused;  // document mode reports no events
    reader.feed(xml, &unused);
    ElementPtr root = reader.finish();
    if (error != nullptr) {
        *error = reader.error();
    }
    return root;
}

ElementPtr parse_element(std::string_view xml, ParseError* error) {
    ParserLimits limits;
    limits.max_stanza_bytes = std::numeric_limits<std::size_t>::max();
    return parse_element(xml, limits, error);
}

}  // namespace parley::xml
