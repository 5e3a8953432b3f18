// The only code that writes XML text (STYLE.md b.4): escapes every text and
// attribute value, and writes namespace declarations only where an element's
// namespace differs from its parent's.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "xml/element.hpp"

namespace parley::xml {

inline constexpr std::string_view kStreamsNs = "http://etherx.jabber.org/streams";

// How an element sits in its stream. `default_ns` is the namespace in scope
// where the element is written (jabber:client, jabber:server,
// jabber:component:accept or "" outside a stream). Top-level stanzas in
// jabber:client or jabber:server are written without xmlns when `default_ns`
// is either of those (RFC 6120 §4.8.3: the stream's content namespace applies,
// so a stanza moves between c2s and s2s unchanged). Elements in the streams
// namespace are written with the `stream:` prefix that the stream header
// declared.
//
// `dialback_prefix`: the stream header declared xmlns:db='jabber:server:dialback'
// (Parley's s2s headers always do), and elements in that namespace are
// written as <db:result/> and <db:verify/>, their children staying in the
// stream's default namespace, exactly as XEP-0220 §2.1 and §2.3 show them.
// Namespace-aware peers read either form; ejabberd (fast_xml, which does not
// resolve prefixes) recognises dialback elements only by the literal name
// "db:result"/"db:verify" and ignores <result xmlns='jabber:server:dialback'/>.
//
// `attr_prefixes`: namespaces of attributes written with a fixed prefix,
// declared on the top element (e.g. {"xmpp", "urn:xmpp:xbosh"} for XEP-0206's
// xmpp:version, which clients read by its literal name); attributes in other
// namespaces get generated prefixes (ns1, ns2…) declared where they are used.
struct AttrPrefix {
    std::string_view prefix;
    std::string_view uri;
};
struct SerializeOptions {
    std::string_view default_ns;
    bool dialback_prefix = false;
    std::span<const AttrPrefix> attr_prefixes = {};
};

void serialize(const Element& e, std::string& out, SerializeOptions opts = {});
std::string to_string(const Element& e, SerializeOptions opts = {});
// Only the start tag of `e` (its name, namespace declarations and
// attributes, never "/>"), for a wrapper whose content is serialized
// separately and closed by close_tag(e) (the <body/> of XEP-0124 around
// elements queued one by one).
std::string open_tag(const Element& e, SerializeOptions opts = {});
std::string close_tag(const Element& e);

// The stream header: an opening <stream:stream ...> tag that is not closed,
// with the given attributes and content namespace, preceded by the XML
// declaration (RFC 6120 §4.7).
std::string stream_header(const Element& header, std::string_view content_ns);
inline constexpr std::string_view kStreamClose = "</stream:stream>";

void escape_text(std::string_view in, std::string& out);
void escape_attr(std::string_view in, std::string& out);

}  // namespace parley::xml
