// The XML writer. Output is always well-formed XML 1.0 in UTF-8: text and
// attribute values are escaped, and bytes that are not valid UTF-8 or not
// XML characters (XML 1.0 §2.2) are replaced by U+FFFD, so no caller can make
// us emit something a peer would reject as <not-well-formed/>. Element and
// attribute names are trusted: they come from the parser or from code.
#include "xml/serializer.hpp"

#include <algorithm>
#include <array>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <vector>

namespace parley::xml {

namespace {

// The xml layer sits below xmpp/ns.hpp, so the few namespaces it must know
// are spelled here.
constexpr std::string_view kXmlNs = "http://www.w3.org/XML/1998/namespace";
constexpr std::string_view kClientNs = "jabber:client";
constexpr std::string_view kServerNs = "jabber:server";
constexpr std::string_view kDialbackNs = "jabber:server:dialback";  // XEP-0220
constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";  // U+FFFD

bool is_client_or_server(std::string_view ns) { return ns == kClientNs || ns == kServerNs; }

// Length of the UTF-8 sequence at in[i] (a non-ASCII lead byte) if it encodes
// a character XML 1.0 §2.2 allows, else 0.
std::size_t multibyte_char_length(std::string_view in, std::size_t i) {
    auto byte = [&](std::size_t k) { return static_cast<unsigned char>(in[k]); };
    unsigned lead = byte(i);
    std::size_t len = 0;
    char32_t cp = 0;
    char32_t min = 0;
    if ((lead & 0xE0) == 0xC0) {
        len = 2, cp = lead & 0x1F, min = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
        len = 3, cp = lead & 0x0F, min = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
        len = 4, cp = lead & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (in.size() - i < len) {
        return 0;
    }
    for (std::size_t k = 1; k < len; ++k) {
        unsigned cont = byte(i + k);
        if ((cont & 0xC0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (cont & 0x3F);
    }
    // Overlong forms, surrogates, U+FFFE/U+FFFF and beyond U+10FFFF are out.
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE ||
        cp == 0xFFFF) {
        return 0;
    }
    return len;
}

// The replacement for an ASCII byte, or empty if it is written as is.
// Attribute values also escape the quotes and the whitespace that attribute
// value normalisation (XML 1.0 §3.3.3) would turn into spaces; CR is escaped
// everywhere, or end-of-line handling (§2.11) would turn it into LF.
std::string_view ascii_escape(char c, bool attr) {
    switch (c) {
        case '&':
            return "&amp;";
        case '<':
            return "&lt;";
        case '>':
            return "&gt;";
        case '"':
            return attr ? "&quot;" : "";
        case '\'':
            return attr ? "&apos;" : "";
        case '\r':
            return "&#13;";
        case '\n':
            return attr ? "&#10;" : "";
        case '\t':
            return attr ? "&#9;" : "";
        default:
            // Other C0 controls are not XML characters at all.
            return static_cast<unsigned char>(c) < 0x20 ? kReplacementChar : "";
    }
}

// Bytes that need a closer look: markup, quotes, controls and every
// non-ASCII byte (validated as UTF-8). Everything else is copied in runs.
constexpr std::array<bool, 256> kNeedsLook = [] {
    std::array<bool, 256> t{};
    for (int c = 0; c < 0x20; ++c) {
        t[c] = true;
    }
    for (int c = 0x80; c < 0x100; ++c) {
        t[c] = true;
    }
    for (unsigned char c : {'&', '<', '>', '"', '\''}) {
        t[c] = true;
    }
    return t;
}();

// How many bytes from p on need no look: sixteen at a time where SSE2 is
// there (every x86-64), then byte by byte.
std::size_t plain_run(const unsigned char* p, std::size_t n) {
    std::size_t i = 0;
#if defined(__SSE2__)
    const __m128i space = _mm_set1_epi8(0x20);
    const __m128i amp = _mm_set1_epi8('&');
    const __m128i lt = _mm_set1_epi8('<');
    const __m128i gt = _mm_set1_epi8('>');
    const __m128i quot = _mm_set1_epi8('"');
    const __m128i apos = _mm_set1_epi8('\'');
    for (; i + 16 <= n; i += 16) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
        // Signed: controls (< 0x20) and every byte >= 0x80 (negative) compare less.
        __m128i hit = _mm_cmplt_epi8(v, space);
        hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, amp));
        hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, lt));
        hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, gt));
        hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, quot));
        hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, apos));
        if (const int mask = _mm_movemask_epi8(hit); mask != 0) {
            return i + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
        }
    }
#endif
    while (i < n && !kNeedsLook[p[i]]) {
        ++i;
    }
    return i;
}

void escape(std::string_view in, std::string& out, bool attr) {
    const auto* p = reinterpret_cast<const unsigned char*>(in.data());
    const std::size_t n = in.size();
    std::size_t run = 0;  // start of the bytes not yet copied
    std::size_t i = 0;
    while (i < n) {
        i += plain_run(p + i, n - i);
        if (i == n) {
            break;
        }
        std::string_view replacement;
        std::size_t len = 1;
        if (p[i] < 0x80) {
            replacement = ascii_escape(in[i], attr);
        } else {
            len = multibyte_char_length(in, i);
            if (len == 0) {
                replacement = kReplacementChar;
                len = 1;
            }
        }
        if (!replacement.empty()) {
            out.append(in, run, i - run);
            out += replacement;
            run = i + len;
        }
        i += len;
    }
    out.append(in, run, n - run);
}

void write_attr(std::string& out, std::string_view prefix, std::string_view name,
                std::string_view value) {
    out += ' ';
    if (!prefix.empty()) {
        out += prefix;
        out += ':';
    }
    out += name;
    out += "=\"";
    escape_attr(value, out);
    out += '"';
}

// Writes the attributes of `e`. "URI local" names get a prefix declared on
// this element (ns1, ns2, ...), so they need nothing from the ancestors.
// Namespace declarations are the serializer's job: attributes named xmlns or
// xmlns:* are not written.
void write_attributes(const Element& e, std::string& out, std::span<const AttrPrefix> fixed = {}) {
    std::vector<std::string_view> uris;  // uris[k] is bound to prefix ns<k+1>
    for (const auto& a : e.attributes()) {
        std::string_view name = a.name;
        if (name == "xmlns" || name.starts_with("xmlns:")) {
            continue;
        }
        auto space = name.rfind(' ');
        if (space == std::string_view::npos) {
            write_attr(out, {}, name, a.value);
            continue;
        }
        std::string_view uri = name.substr(0, space);
        std::string_view local = name.substr(space + 1);
        if (uri == kXmlNs) {
            write_attr(out, "xml", local, a.value);  // the xml prefix is always bound
            continue;
        }
        auto f = std::find_if(fixed.begin(), fixed.end(),
                              [uri](const AttrPrefix& p) { return p.uri == uri; });
        if (f != fixed.end()) {
            write_attr(out, f->prefix, local, a.value);  // declared on the top element
            continue;
        }
        std::size_t k = 0;
        while (k < uris.size() && uris[k] != uri) {
            ++k;
        }
        std::string prefix = "ns" + std::to_string(k + 1);
        if (k == uris.size()) {
            uris.push_back(uri);
            write_attr(out, "xmlns", prefix, uri);
        }
        write_attr(out, prefix, local, a.value);
    }
}

bool has_content(const Element& e) {
    for (const auto& n : e.nodes()) {
        const auto* text = std::get_if<std::string>(&n);
        if (text == nullptr ? std::get<ElementPtr>(n) != nullptr : !text->empty()) {
            return true;
        }
    }
    return false;
}

// Where an element is written: the default namespace in scope, whether the
// stream: prefix is declared there, whether the db: prefix is
// (SerializeOptions::dialback_prefix), and the fixed attribute prefixes
// declared on the top element.
struct Scope {
    std::string_view ns;
    bool stream_bound;
    bool db_bound;
    std::span<const AttrPrefix> fixed;
};

// Writes the start tag of `e` without its closing '>' or "/>", and returns
// the scope of its children.
Scope write_start(const Element& e, std::string& out, Scope scope, bool top) {
    const bool in_streams_ns = e.ns() == kStreamsNs;
    const bool db_prefixed = scope.db_bound && e.ns() == kDialbackNs;
    Scope child = scope;
    out += '<';
    if (in_streams_ns) {
        out += "stream:";
        out += e.name();
        if (!scope.stream_bound) {  // outside a stream nobody declared the prefix for us
            write_attr(out, "xmlns", "stream", kStreamsNs);
            child.stream_bound = true;
        }
    } else if (db_prefixed) {
        out += "db:";
        out += e.name();  // the default namespace stays `scope` for the children
    } else {
        out += e.name();
        // RFC 6120 §4.8.3: a top-level stanza takes the stream's content
        // namespace, so jabber:client and jabber:server stanzas are written
        // without xmlns and cross between c2s and s2s streams unchanged.
        bool omit = e.ns() == scope.ns ||
                    (top && is_client_or_server(e.ns()) && is_client_or_server(scope.ns));
        if (!omit) {
            write_attr(out, {}, "xmlns", e.ns());
        }
        child.ns = e.ns();
    }
    if (top) {
        for (const auto& p : scope.fixed) {
            write_attr(out, "xmlns", p.prefix, p.uri);
        }
    }
    write_attributes(e, out, scope.fixed);
    return child;
}

void write_end(const Element& e, std::string& out, bool db_bound) {
    out += "</";
    if (e.ns() == kStreamsNs) {
        out += "stream:";
    } else if (db_bound && e.ns() == kDialbackNs) {
        out += "db:";
    }
    out += e.name();
    out += '>';
}

void write_element(const Element& e, std::string& out, Scope scope, bool top) {
    const Scope child = write_start(e, out, scope, top);
    if (!has_content(e)) {
        out += "/>";
        return;
    }
    out += '>';
    for (const auto& n : e.nodes()) {
        if (const auto* text = std::get_if<std::string>(&n)) {
            escape_text(*text, out);
        } else if (const auto& c = std::get<ElementPtr>(n)) {
            write_element(*c, out, child, false);
        }
    }
    write_end(e, out, scope.db_bound);
}

Scope top_scope(const SerializeOptions& opts) {
    // Inside a stream (a non-empty default_ns) the header declared stream:.
    return Scope{opts.default_ns, !opts.default_ns.empty(), opts.dialback_prefix,
                 opts.attr_prefixes};
}

}  // namespace

void escape_text(std::string_view in, std::string& out) { escape(in, out, false); }

void escape_attr(std::string_view in, std::string& out) { escape(in, out, true); }

void serialize(const Element& e, std::string& out, SerializeOptions opts) {
    write_element(e, out, top_scope(opts), true);
}

std::string open_tag(const Element& e, SerializeOptions opts) {
    std::string out;
    write_start(e, out, top_scope(opts), true);
    out += '>';
    return out;
}

std::string close_tag(const Element& e) {
    std::string out;
    write_end(e, out, false);
    return out;
}

std::string to_string(const Element& e, SerializeOptions opts) {
    std::string out;
    serialize(e, out, opts);
    return out;
}

std::string stream_header(const Element& header, std::string_view content_ns) {
    // RFC 6120 §4.7: the XML declaration, then the opening tag of the root.
    std::string out = "<?xml version='1.0'?><stream:stream";
    if (!content_ns.empty()) {
        out += " xmlns='";
        escape_attr(content_ns, out);
        out += '\'';
    }
    out += " xmlns:stream='";
    out += kStreamsNs;
    out += '\'';
    write_attributes(header, out);
    out += '>';
    return out;
}

}  // namespace parley::xml
