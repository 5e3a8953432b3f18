// xml::StreamParser and parse_element: RFC 6120 §4 (streams), §11 (XML
// restrictions) and the parser limits, at every chunk boundary.
#include "xml/stream_parser.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "unit/xml/test_printers.hpp"
#include "xml/serializer.hpp"

namespace parley::xml {
namespace {

constexpr std::string_view kHeader =
    "<?xml version='1.0'?>"
    "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
    "to='example.com' version='1.0' xml:lang='en'>";

struct Result {
    std::vector<ParseEvent> events;
    ParseError error = ParseError::none;
};

// Feeds `data` in chunks of `chunk` bytes, stopping at the first error.
Result feed_chunked(std::string_view data, std::size_t chunk, ParserLimits limits = {}) {
    StreamParser parser(limits);
    Result r;
    for (std::size_t i = 0; i < data.size() && r.error == ParseError::none; i += chunk) {
        r.error = parser.feed(data.substr(i, chunk), r.events);
    }
    return r;
}

Result feed_once(std::string_view data, ParserLimits limits = {}) {
    return feed_chunked(data, data.size() == 0 ? 1 : data.size(), limits);
}

std::string describe(const ParseEvent& e) {
    if (const auto* open = std::get_if<StreamOpen>(&e)) {
        return "open(" + open->content_ns + ") " + to_string(*open->header);
    }
    if (const auto* el = std::get_if<ElementPtr>(&e)) {
        return "stanza " + to_string(**el);
    }
    return "close";
}

// Node for node, with no merging of text: the tree must not depend on how
// expat happened to split the character data.
bool identical(const Element& a, const Element& b) {
    if (!a.is(b.name(), b.ns()) || a.attributes().size() != b.attributes().size() ||
        a.nodes().size() != b.nodes().size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.attributes().size(); ++i) {
        if (a.attributes()[i].name != b.attributes()[i].name ||
            a.attributes()[i].value != b.attributes()[i].value) {
            return false;
        }
    }
    for (std::size_t i = 0; i < a.nodes().size(); ++i) {
        const auto& x = a.nodes()[i];
        const auto& y = b.nodes()[i];
        if (x.index() != y.index()) {
            return false;
        }
        if (x.index() == 0 ? !identical(*std::get<ElementPtr>(x), *std::get<ElementPtr>(y))
                           : std::get<std::string>(x) != std::get<std::string>(y)) {
            return false;
        }
    }
    return true;
}

::testing::AssertionResult same_events(const Result& a, const Result& b) {
    if (a.error != b.error) {
        return ::testing::AssertionFailure()
               << "errors differ: " << to_string(a.error) << " vs " << to_string(b.error);
    }
    if (a.events.size() != b.events.size()) {
        return ::testing::AssertionFailure()
               << "event counts differ: " << a.events.size() << " vs " << b.events.size();
    }
    for (std::size_t i = 0; i < a.events.size(); ++i) {
        const auto& x = a.events[i];
        const auto& y = b.events[i];
        bool same = x.index() == y.index();
        if (same && x.index() == 0) {
            const auto& ox = std::get<StreamOpen>(x);
            const auto& oy = std::get<StreamOpen>(y);
            same = ox.content_ns == oy.content_ns && identical(*ox.header, *oy.header);
        } else if (same && x.index() == 1) {
            same = identical(*std::get<ElementPtr>(x), *std::get<ElementPtr>(y));
        }
        if (!same) {
            return ::testing::AssertionFailure()
                   << "event " << i << " differs:\n  " << describe(x) << "\n  " << describe(y);
        }
    }
    return ::testing::AssertionSuccess();
}

std::string realistic_stream() {
    std::string s(kHeader);
    s += "\n  <message to='juliet@example.com' type='chat' id='m1'>"
         "<body>Wherefore art thou, Romeo? \xC3\x87"
         "a va \xE2\x80\x94 \xE6\x97\xA5\xE6\x9C\xAC "
         "\xF0\x9F\x8E\x89</body><thread>t1</thread></message>"
         " \n\t "
         "<iq type='get' id='r1'><query xmlns='jabber:iq:roster'><item jid='a@b'/></query></iq>"
         "\r\n"
         "<presence/>"
         "<message id='e&amp;1' to=\"a&lt;b&#x41;'\">"
         "<body>A &amp; B &lt; C &gt; D &#x41;&#65; &quot;q&quot; &apos;\r\nline2"
         "<![CDATA[<raw> & ]]></body>"
         "<x xmlns='urn:x' xmlns:p='urn:p' p:attr='v' xml:lang='fr'>"
         "<y>  mixed <z/> text </y></x></message>"
         "  \n"
         "</stream:stream>";
    return s;
}

TEST(StreamParser, Rfc6120_4_RealisticStreamOneShot) {
    auto r = feed_once(realistic_stream());
    ASSERT_EQ(r.error, ParseError::none);
    ASSERT_EQ(r.events.size(), 6u);

    const auto& open = std::get<StreamOpen>(r.events[0]);
    EXPECT_EQ(open.content_ns, "jabber:client");
    EXPECT_TRUE(open.header->is("stream", kStreamsNs));
    EXPECT_EQ(open.header->attr("to"), "example.com");
    EXPECT_EQ(open.header->attr("version"), "1.0");
    EXPECT_EQ(open.header->attr("xml:lang"), "en");
    EXPECT_TRUE(open.header->nodes().empty());

    const auto& m1 = *std::get<ElementPtr>(r.events[1]);
    EXPECT_TRUE(m1.is("message", "jabber:client"));
    EXPECT_EQ(m1.attr("type"), "chat");
    EXPECT_EQ(m1.child_text("body", "jabber:client"),
              "Wherefore art thou, Romeo? \xC3\x87"
              "a va \xE2\x80\x94 \xE6\x97\xA5\xE6\x9C\xAC "
              "\xF0\x9F\x8E\x89");
    EXPECT_EQ(m1.child_text("thread", "jabber:client"), "t1");

    const auto& iq = *std::get<ElementPtr>(r.events[2]);
    ASSERT_NE(iq.child("query", "jabber:iq:roster"), nullptr);
    EXPECT_EQ(iq.child("query", "jabber:iq:roster")->first_child()->ns(), "jabber:iq:roster");

    const auto& presence = *std::get<ElementPtr>(r.events[3]);
    EXPECT_TRUE(presence.is("presence", "jabber:client"));
    EXPECT_TRUE(presence.nodes().empty());
    EXPECT_TRUE(presence.attributes().empty());

    const auto& m2 = *std::get<ElementPtr>(r.events[4]);
    EXPECT_EQ(m2.attr("id"), "e&1");
    EXPECT_EQ(m2.attr("to"), "a<bA'");
    // CRLF becomes LF (XML 1.0 §2.11); CDATA is plain text.
    EXPECT_EQ(m2.child_text("body", "jabber:client"), "A & B < C > D AA \"q\" '\nline2<raw> & ");
    const auto* x = m2.child("x", "urn:x");
    ASSERT_NE(x, nullptr);
    EXPECT_EQ(x->attr("urn:p attr"), "v");
    EXPECT_EQ(x->attr("xml:lang"), "fr");
    ASSERT_EQ(x->attributes().size(), 2u);  // xmlns declarations are not attributes
    const auto* y = x->child("y", "urn:x");
    ASSERT_NE(y, nullptr);
    ASSERT_EQ(y->nodes().size(), 3u);  // whitespace inside a stanza is kept
    EXPECT_EQ(std::get<std::string>(y->nodes()[0]), "  mixed ");
    EXPECT_EQ(std::get<std::string>(y->nodes()[2]), " text ");

    EXPECT_TRUE(std::holds_alternative<StreamClose>(r.events[5]));
}

TEST(StreamParser, SameEventsWhenFedOneByteAtATime) {
    auto stream = realistic_stream();
    EXPECT_TRUE(same_events(feed_once(stream), feed_chunked(stream, 1)));
    EXPECT_TRUE(same_events(feed_once(stream), feed_chunked(stream, 7)));
}

TEST(StreamParser, SameEventsWhenSplitAtEveryByte) {
    auto stream = realistic_stream();
    auto expected = feed_once(stream);
    for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
        StreamParser parser;
        Result r;
        r.error = parser.feed(std::string_view(stream).substr(0, cut), r.events);
        if (r.error == ParseError::none) {
            r.error = parser.feed(std::string_view(stream).substr(cut), r.events);
        }
        ASSERT_TRUE(same_events(expected, r)) << "split at byte " << cut;
    }
}

TEST(StreamParser, EventsArriveAsSoonAsComplete) {
    StreamParser parser;
    std::vector<ParseEvent> events;
    std::string header(kHeader);
    ASSERT_EQ(parser.feed(header.substr(0, header.size() - 1), events), ParseError::none);
    EXPECT_TRUE(events.empty());
    ASSERT_EQ(parser.feed(">", events), ParseError::none);
    ASSERT_EQ(events.size(), 1u);
    ASSERT_EQ(parser.feed("<message><body>x</body></messag", events), ParseError::none);
    EXPECT_EQ(events.size(), 1u);
    ASSERT_EQ(parser.feed("e>", events), ParseError::none);
    ASSERT_EQ(events.size(), 2u);
    ASSERT_EQ(parser.feed("</stream:stream>", events), ParseError::none);
    ASSERT_EQ(events.size(), 3u);
    EXPECT_TRUE(std::holds_alternative<StreamClose>(events[2]));
}

TEST(StreamParser, Rfc6120_4_8_ContentNamespaceAndStanzaNamespaces) {
    auto r = feed_once(
        "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams'>"
        "<message xmlns='jabber:client'/><db:result xmlns:db='jabber:server:dialback'/>"
        "<presence/>");
    ASSERT_EQ(r.error, ParseError::none);
    ASSERT_EQ(r.events.size(), 4u);
    EXPECT_EQ(std::get<StreamOpen>(r.events[0]).content_ns, "jabber:server");
    EXPECT_EQ(std::get<ElementPtr>(r.events[1])->ns(), "jabber:client");
    EXPECT_TRUE(std::get<ElementPtr>(r.events[2])->is("result", "jabber:server:dialback"));
    EXPECT_EQ(std::get<ElementPtr>(r.events[3])->ns(), "jabber:server");
}

TEST(StreamParser, NoDefaultNamespaceGivesEmptyContentNs) {
    auto r = feed_once("<stream:stream xmlns:stream='http://etherx.jabber.org/streams'><a/>");
    ASSERT_EQ(r.error, ParseError::none);
    ASSERT_EQ(r.events.size(), 2u);
    EXPECT_EQ(std::get<StreamOpen>(r.events[0]).content_ns, "");
    EXPECT_TRUE(std::get<ElementPtr>(r.events[1])->is("a", ""));
}

TEST(StreamParser, StreamLevelElementsInStreamsNamespace) {
    auto r = feed_once(std::string(kHeader) +
                       "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'>"
                       "<required/></starttls></stream:features>");
    ASSERT_EQ(r.error, ParseError::none);
    ASSERT_EQ(r.events.size(), 2u);
    const auto& features = *std::get<ElementPtr>(r.events[1]);
    EXPECT_TRUE(features.is("features", kStreamsNs));
    const auto* starttls = features.child("starttls", "urn:ietf:params:xml:ns:xmpp-tls");
    ASSERT_NE(starttls, nullptr);
    EXPECT_NE(starttls->child("required", "urn:ietf:params:xml:ns:xmpp-tls"), nullptr);
}

TEST(StreamParser, Rfc6120_4_6_1_WhitespaceKeepalivesAreIgnored) {
    auto r = feed_chunked(std::string(kHeader) + " \n \t \r\n<presence/>\n\n \n", 1);
    ASSERT_EQ(r.error, ParseError::none);
    EXPECT_EQ(r.events.size(), 2u);
}

TEST(StreamParser, Rfc6120_11_TextAtStreamLevelIsBadFormat) {
    auto r = feed_once(std::string(kHeader) + "<presence/> hello <presence/>");
    EXPECT_EQ(r.error, ParseError::bad_format);
    EXPECT_EQ(r.events.size(), 2u);  // the header and the first presence
    EXPECT_EQ(feed_chunked(std::string(kHeader) + "  x", 1).error, ParseError::bad_format);
    // A character reference is text too.
    EXPECT_EQ(feed_once(std::string(kHeader) + "&#x41;").error, ParseError::bad_format);
}

TEST(StreamParser, Rfc6120_11_1_CommentIsRestricted) {
    EXPECT_EQ(feed_once(std::string(kHeader) + "<message><!-- hi --></message>").error,
              ParseError::restricted_xml);
    EXPECT_EQ(feed_once(std::string(kHeader) + "<!-- between stanzas -->").error,
              ParseError::restricted_xml);
    EXPECT_EQ(feed_once("<!-- before the header -->" + std::string(kHeader)).error,
              ParseError::restricted_xml);
    EXPECT_EQ(feed_chunked(std::string(kHeader) + "<a><!----></a>", 1).error,
              ParseError::restricted_xml);
}

TEST(StreamParser, Rfc6120_11_1_ProcessingInstructionIsRestricted) {
    EXPECT_EQ(feed_once(std::string(kHeader) + "<message><?php echo 1; ?></message>").error,
              ParseError::restricted_xml);
    EXPECT_EQ(feed_once("<?xml-stylesheet href='a'?>" + std::string(kHeader)).error,
              ParseError::restricted_xml);
    EXPECT_EQ(feed_chunked(std::string(kHeader) + "<?pi?>", 1).error, ParseError::restricted_xml);
}

TEST(StreamParser, Rfc6120_11_1_XmlDeclarationIsAllowed) {
    auto r = feed_chunked(std::string(kHeader), 1);
    EXPECT_EQ(r.error, ParseError::none);
    EXPECT_EQ(r.events.size(), 1u);
    auto r2 = feed_once("<?xml version='1.0' encoding='UTF-8'?>" + std::string(kHeader.substr(21)));
    EXPECT_EQ(r2.error, ParseError::none);
    EXPECT_EQ(r2.events.size(), 1u);
}

TEST(StreamParser, Rfc6120_11_1_DoctypeIsRestricted) {
    EXPECT_EQ(
        feed_once("<?xml version='1.0'?><!DOCTYPE stream:stream>" + std::string(kHeader.substr(21)))
            .error,
        ParseError::restricted_xml);
    EXPECT_EQ(feed_chunked("<!DOCTYPE x SYSTEM 'http://example.com/x.dtd'><x/>", 1).error,
              ParseError::restricted_xml);
}

TEST(StreamParser, Rfc6120_11_1_EntityDeclarationsNeverExpand) {
    // Billion laughs: refused at the DOCTYPE, before any entity is declared.
    std::string bomb =
        "<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'>"
        "<!ENTITY lol1 '&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;'>"
        "<!ENTITY lol2 '&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;'>"
        "<!ENTITY lol3 '&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;'>]>"
        "<stream:stream xmlns:stream='http://etherx.jabber.org/streams'><m>&lol3;</m>";
    auto r = feed_once(bomb);
    EXPECT_EQ(r.error, ParseError::restricted_xml);
    EXPECT_TRUE(r.events.empty());
    EXPECT_EQ(feed_chunked(bomb, 1).error, ParseError::restricted_xml);
}

TEST(StreamParser, Rfc6120_11_1_UndefinedEntityReferenceIsRestricted) {
    EXPECT_EQ(feed_once(std::string(kHeader) + "<message><body>&nbsp;</body></message>").error,
              ParseError::restricted_xml);
}

TEST(StreamParser, Rfc6120_11_2_UnboundPrefixIsBadNamespacePrefix) {
    EXPECT_EQ(feed_once(std::string(kHeader) + "<message><foo:bar/></message>").error,
              ParseError::bad_namespace_prefix);
    EXPECT_EQ(feed_once(std::string(kHeader) + "<message foo:a='1'/>").error,
              ParseError::bad_namespace_prefix);
    // The root itself without xmlns:stream.
    EXPECT_EQ(feed_chunked("<stream:stream xmlns='jabber:client'>", 1).error,
              ParseError::bad_namespace_prefix);
}

TEST(StreamParser, MismatchedTagsAreNotWellFormed) {
    auto r = feed_once(std::string(kHeader) + "<presence/><message><body></message>");
    EXPECT_EQ(r.error, ParseError::not_well_formed);
    EXPECT_EQ(r.events.size(), 2u);  // what came before the error is still reported
    EXPECT_EQ(feed_chunked(std::string(kHeader) + "<a></b>", 1).error, ParseError::not_well_formed);
    EXPECT_EQ(feed_once(std::string(kHeader) + "</stream:features>").error,
              ParseError::not_well_formed);
    EXPECT_EQ(feed_once("<a b='1' b='2'/>").error, ParseError::not_well_formed);
}

TEST(StreamParser, Rfc6120_11_6_InvalidUtf8IsNotWellFormed) {
    EXPECT_EQ(feed_once(std::string(kHeader) + "<message><body>\xFF</body></message>").error,
              ParseError::not_well_formed);
    EXPECT_EQ(feed_once(std::string(kHeader) + "<message><body>\xC0\xAF</body></message>").error,
              ParseError::not_well_formed);
}

TEST(StreamParser, ErrorIsSticky) {
    StreamParser parser;
    std::vector<ParseEvent> events;
    ASSERT_EQ(parser.feed(std::string(kHeader) + "<a><!-- x --></a>", events),
              ParseError::restricted_xml);
    events.clear();
    EXPECT_EQ(parser.feed("<presence/>", events), ParseError::restricted_xml);
    EXPECT_TRUE(events.empty());
}

TEST(StreamParser, ResetStartsANewStream) {
    StreamParser parser;
    std::vector<ParseEvent> events;
    ASSERT_EQ(parser.feed(std::string(kHeader) + "<presence/>", events), ParseError::none);
    // RFC 6120 §5.4.3.3 / §6.4.6: after STARTTLS or SASL the stream restarts.
    parser.reset();
    events.clear();
    ASSERT_EQ(parser.feed(std::string(kHeader) + "<iq/>", events), ParseError::none);
    ASSERT_EQ(events.size(), 2u);
    EXPECT_TRUE(std::holds_alternative<StreamOpen>(events[0]));

    // reset() also clears an error.
    ASSERT_EQ(parser.feed("<!-- no -->", events), ParseError::restricted_xml);
    parser.reset();
    events.clear();
    EXPECT_EQ(parser.feed(std::string(kHeader), events), ParseError::none);
    EXPECT_EQ(events.size(), 1u);
}

// A <message><body>...</body></message> of exactly `size` bytes.
std::string message_of_size(std::size_t size) {
    std::string open = "<message><body>";
    std::string close = "</body></message>";
    return open + std::string(size - open.size() - close.size(), 'a') + close;
}

// Feeds `data` in chunks of `chunk` bytes and asks the parser to release its
// state after every chunk (it does so only between stanzas).
Result feed_releasing(std::string_view data, std::size_t chunk, std::size_t* released = nullptr) {
    StreamParser parser;
    Result r;
    for (std::size_t i = 0; i < data.size() && r.error == ParseError::none; i += chunk) {
        r.error = parser.feed(data.substr(i, chunk), r.events);
        if (parser.release_if_idle() && released) {
            ++*released;
        }
    }
    return r;
}

TEST(StreamParser, ReleasedBetweenStanzasGivesTheSameEvents) {
    auto stream = realistic_stream();
    auto expected = feed_once(stream);
    for (std::size_t chunk : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{5}}) {
        std::size_t released = 0;
        EXPECT_TRUE(same_events(expected, feed_releasing(stream, chunk, &released)))
            << "chunk " << chunk;
        EXPECT_GT(released, 0u) << "chunk " << chunk;
    }
}

TEST(StreamParser, ReleaseOnlyBetweenStanzas) {
    StreamParser parser;
    std::vector<ParseEvent> events;
    EXPECT_FALSE(parser.release_if_idle());  // no header yet
    ASSERT_EQ(parser.feed(kHeader, events), ParseError::none);
    ASSERT_EQ(parser.feed("<message><body>half", events), ParseError::none);
    EXPECT_FALSE(parser.release_if_idle());  // inside a stanza
    ASSERT_EQ(parser.feed("</body></message><pres", events), ParseError::none);
    EXPECT_FALSE(parser.release_if_idle());  // a start tag is buffered
    ASSERT_EQ(parser.feed("ence/>", events), ParseError::none);
    EXPECT_TRUE(parser.release_if_idle());
    EXPECT_FALSE(parser.release_if_idle());  // already released
    ASSERT_EQ(events.size(), 3u);
}

TEST(StreamParser, AfterReleaseTheStreamContextHolds) {
    // Rfc6120_4_8: the content namespace and the stream prefix still apply
    // after a release; undeclared prefixes are still errors; the root's
    // closing tag must still match the header's name.
    StreamParser parser;
    std::vector<ParseEvent> events;
    ASSERT_EQ(parser.feed(kHeader, events), ParseError::none);
    ASSERT_TRUE(parser.release_if_idle());
    ASSERT_EQ(parser.feed("<message/><stream:features/>", events), ParseError::none);
    ASSERT_EQ(events.size(), 3u);
    EXPECT_TRUE(std::get<ElementPtr>(events[1])->is("message", "jabber:client"));
    EXPECT_TRUE(std::get<ElementPtr>(events[2])->is("features", "http://etherx.jabber.org/streams"));
    ASSERT_TRUE(parser.release_if_idle());
    ASSERT_EQ(parser.feed("</stream:stream>", events), ParseError::none);
    EXPECT_TRUE(std::holds_alternative<StreamClose>(events.back()));

    StreamParser wrong_close;
    ASSERT_EQ(wrong_close.feed(kHeader, events), ParseError::none);
    ASSERT_TRUE(wrong_close.release_if_idle());
    EXPECT_EQ(wrong_close.feed("</stream>", events), ParseError::not_well_formed);

    StreamParser unbound;
    ASSERT_EQ(unbound.feed(kHeader, events), ParseError::none);
    ASSERT_TRUE(unbound.release_if_idle());
    EXPECT_EQ(unbound.feed("<foo:bar/>", events), ParseError::bad_namespace_prefix);
}

TEST(StreamParser, Limits_HoldAcrossRelease) {
    ParserLimits limits;
    limits.max_stanza_bytes = 1024;
    StreamParser parser(limits);
    std::vector<ParseEvent> events;
    ASSERT_EQ(parser.feed(kHeader, events), ParseError::none);
    ASSERT_EQ(parser.feed(message_of_size(1024), events), ParseError::none);
    ASSERT_TRUE(parser.release_if_idle());
    ASSERT_EQ(parser.feed(message_of_size(1024), events), ParseError::none);
    ASSERT_TRUE(parser.release_if_idle());
    EXPECT_EQ(parser.feed(message_of_size(1025), events), ParseError::too_big);
}

TEST(StreamParser, Limits_StanzaAtTheLimitPassesOneByteOverFails) {
    ParserLimits limits;
    limits.max_stanza_bytes = 1024;
    auto ok = std::string(kHeader) + " " + message_of_size(1024) + " " + message_of_size(1024);
    auto big = std::string(kHeader) + message_of_size(1024) + message_of_size(1025);
    for (std::size_t chunk : {std::size_t{1}, std::size_t{100}, std::size_t{1} << 20}) {
        auto r = feed_chunked(ok, chunk, limits);
        EXPECT_EQ(r.error, ParseError::none) << "chunk " << chunk;
        EXPECT_EQ(r.events.size(), 3u);
        auto r2 = feed_chunked(big, chunk, limits);
        EXPECT_EQ(r2.error, ParseError::too_big) << "chunk " << chunk;
        EXPECT_EQ(r2.events.size(), 2u);
    }
}

// Feeds the header, then `opening`, then `filler` bytes one at a time until
// the parser fails; returns the error and how many filler bytes it took.
std::pair<ParseError, std::size_t> feed_until_error(std::string_view opening, char filler,
                                                    std::size_t max_bytes,
                                                    const ParserLimits& limits) {
    StreamParser parser(limits);
    std::vector<ParseEvent> events;
    EXPECT_EQ(parser.feed(kHeader, events), ParseError::none);
    EXPECT_EQ(parser.feed(opening, events), ParseError::none);
    const char byte[1] = {filler};
    for (std::size_t n = 1; n <= max_bytes; ++n) {
        auto err = parser.feed(std::string_view(byte, 1), events);
        if (err != ParseError::none) {
            return {err, n};
        }
    }
    return {ParseError::none, max_bytes};
}

TEST(StreamParser, Limits_UnclosedStanzaInOneByteChunksFailsAtTheLimit) {
    ParserLimits limits;
    limits.max_stanza_bytes = 4096;
    // Text content: expat reports it as it goes.
    auto [err, n] = feed_until_error("<message><body>", 'a', 10 * 1024 * 1024, limits);
    EXPECT_EQ(err, ParseError::too_big);
    EXPECT_LE(n, 4096u);
    EXPECT_GE(n, 4096u - 32);
    // One endless start tag: expat buffers it and reports nothing. (expat
    // rescans a partial token on every feed, so keep the cap modest.)
    auto [err2, n2] = feed_until_error("<message to='", 'a', 64 * 1024, limits);
    EXPECT_EQ(err2, ParseError::too_big);
    EXPECT_LE(n2, 4096u);
    // An endless stream header.
    StreamParser parser(limits);
    std::vector<ParseEvent> events;
    ParseError e = parser.feed("<stream:stream to='", events);
    std::size_t fed = 0;
    while (e == ParseError::none && fed < 64 * 1024) {
        e = parser.feed("b", events);
        ++fed;
    }
    EXPECT_EQ(e, ParseError::too_big);
    EXPECT_LE(fed, 4096u);
}

TEST(StreamParser, Limits_HeaderOverTheLimitFailsHoweverFed) {
    ParserLimits limits;
    limits.max_stanza_bytes = 200;
    std::string header =
        "<?xml version='1.0'?><stream:stream "
        "xmlns:stream='http://etherx.jabber.org/streams' to='" +
        std::string(150, 'x') + "'>";
    ASSERT_GT(header.size(), 200u);
    EXPECT_EQ(feed_once(header, limits).error, ParseError::too_big);
    EXPECT_EQ(feed_chunked(header, 1, limits).error, ParseError::too_big);
    limits.max_stanza_bytes = header.size();
    EXPECT_EQ(feed_once(header, limits).error, ParseError::none);
    EXPECT_EQ(feed_chunked(header, 1, limits).error, ParseError::none);
}

TEST(StreamParser, Limits_TenMegabyteStanzaFailsEarlyWithDefaultLimits) {
    const std::size_t limit = ParserLimits{}.max_stanza_bytes;
    StreamParser parser;
    std::vector<ParseEvent> events;
    ASSERT_EQ(parser.feed(kHeader, events), ParseError::none);
    ASSERT_EQ(parser.feed("<message><body>", events), ParseError::none);
    std::string chunk(64 * 1024, 'x');
    std::size_t fed = 0;
    ParseError err = ParseError::none;
    while (err == ParseError::none && fed < 10 * 1024 * 1024) {
        err = parser.feed(chunk, events);
        fed += chunk.size();
    }
    EXPECT_EQ(err, ParseError::too_big);
    EXPECT_LE(fed, limit + chunk.size());

    // All ten megabytes in a single feed() call, with no closing tag.
    StreamParser one_shot;
    events.clear();
    std::string huge = std::string(kHeader) + "<message to='" + std::string(10 << 20, 'y');
    EXPECT_EQ(one_shot.feed(huge, events), ParseError::too_big);
    EXPECT_EQ(events.size(), 1u);
}

TEST(StreamParser, Limits_Depth) {
    ParserLimits limits;
    limits.max_depth = 4;
    auto nested = [](int depth) {
        std::string s(kHeader);
        for (int i = 0; i < depth; ++i) {
            s += "<e>";
        }
        for (int i = 0; i < depth; ++i) {
            s += "</e>";
        }
        return s;
    };
    auto ok = feed_chunked(nested(4), 1, limits);
    EXPECT_EQ(ok.error, ParseError::none);
    EXPECT_EQ(ok.events.size(), 2u);
    EXPECT_EQ(feed_chunked(nested(5), 1, limits).error, ParseError::too_deep);
    EXPECT_EQ(feed_once(nested(5), limits).error, ParseError::too_deep);
    EXPECT_EQ(feed_once(nested(33)).error, ParseError::too_deep);  // default 32
    EXPECT_EQ(feed_once(nested(32)).error, ParseError::none);
}

TEST(StreamParser, Limits_Attributes) {
    ParserLimits limits;
    limits.max_attributes = 3;
    std::string h(kHeader);
    auto ok = feed_once(h + "<message xmlns:p='urn:p' a='1' b='2' p:c='3'/>", limits);
    EXPECT_EQ(ok.error, ParseError::none);
    EXPECT_EQ(ok.events.size(), 2u);
    EXPECT_EQ(feed_once(h + "<message a='1' b='2' c='3' d='4'/>", limits).error,
              ParseError::too_many_attributes);
    EXPECT_EQ(feed_chunked(h + "<m><x a='1' b='2' c='3' d='4'/></m>", 1, limits).error,
              ParseError::too_many_attributes);
    // The header is an element too (kHeader has to, version, xml:lang).
    limits.max_attributes = 2;
    EXPECT_EQ(feed_once(h, limits).error, ParseError::too_many_attributes);
}

TEST(StreamParser, DataAfterStreamClose) {
    auto r = feed_once(std::string(kHeader) + "</stream:stream>\n  ");
    EXPECT_EQ(r.error, ParseError::none);
    EXPECT_EQ(r.events.size(), 2u);
    EXPECT_EQ(feed_once(std::string(kHeader) + "</stream:stream><presence/>").error,
              ParseError::not_well_formed);
}

TEST(ParseElement, ParsesADocument) {
    ParseError err = ParseError::bad_format;
    auto e = parse_element(
        "<?xml version='1.0'?>\n<message xmlns='jabber:client' to='a@b'>"
        "<body>hi &amp; bye</body><x xmlns='urn:x'/></message>\n",
        &err);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(err, ParseError::none);
    EXPECT_TRUE(e->is("message", "jabber:client"));
    EXPECT_EQ(e->attr("to"), "a@b");
    EXPECT_EQ(e->child_text("body", "jabber:client"), "hi & bye");
    EXPECT_NE(e->child("x", "urn:x"), nullptr);
    // A prefixed root works too, and the streams namespace is not special.
    auto f = parse_element("<stream:features xmlns:stream='http://etherx.jabber.org/streams'/>");
    ASSERT_NE(f, nullptr);
    EXPECT_TRUE(f->is("features", kStreamsNs));
}

TEST(ParseElement, ErrorsGiveNullAndTheCondition) {
    struct Case {
        const char* xml;
        ParseError expected;
    };
    const Case cases[] = {
        {"", ParseError::not_well_formed},
        {"<a>", ParseError::not_well_formed},  // incomplete
        {"<a></b>", ParseError::not_well_formed},
        {"<a/><b/>", ParseError::not_well_formed},  // two roots
        {"<a/>junk", ParseError::not_well_formed},
        {"<a><!-- c --></a>", ParseError::restricted_xml},
        {"<a/><!-- c -->", ParseError::restricted_xml},
        {"<a><?pi x?></a>", ParseError::restricted_xml},
        {"<!DOCTYPE a><a/>", ParseError::restricted_xml},
        {"<!DOCTYPE a [<!ENTITY e 'x'>]><a>&e;</a>", ParseError::restricted_xml},
        {"<a>&e;</a>", ParseError::restricted_xml},
        {"<p:a/>", ParseError::bad_namespace_prefix},
    };
    for (const auto& c : cases) {
        ParseError err = ParseError::none;
        EXPECT_EQ(parse_element(c.xml, &err), nullptr) << c.xml;
        EXPECT_EQ(err, c.expected) << c.xml << ": " << to_string(err);
    }
    EXPECT_EQ(parse_element("<a"), nullptr);  // the error pointer is optional
}

TEST(ParseElement, LimitsApply) {
    std::string deep;
    for (int i = 0; i < 40; ++i) {
        deep += "<e>";
    }
    for (int i = 0; i < 40; ++i) {
        deep += "</e>";
    }
    ParseError err = ParseError::none;
    EXPECT_EQ(parse_element(deep, &err), nullptr);
    EXPECT_EQ(err, ParseError::too_deep);

    ParserLimits limits;
    limits.max_stanza_bytes = 10;
    EXPECT_EQ(parse_element("<a>0123456789</a>", limits, &err), nullptr);
    EXPECT_EQ(err, ParseError::too_big);
    limits.max_stanza_bytes = 17;
    EXPECT_NE(parse_element("<a>0123456789</a>", limits, &err), nullptr);
    // Without explicit limits there is no byte limit: the input is in memory.
    auto big = "<a>" + std::string(ParserLimits{}.max_stanza_bytes + 10, 'x') + "</a>";
    EXPECT_NE(parse_element(big), nullptr);
}

TEST(ParseError, Names) {
    EXPECT_EQ(to_string(ParseError::not_well_formed), "not-well-formed");
    EXPECT_EQ(to_string(ParseError::restricted_xml), "restricted-xml");
    EXPECT_EQ(to_string(ParseError::bad_namespace_prefix), "bad-namespace-prefix");
    EXPECT_EQ(to_string(ParseError::bad_format), "bad-format");
}

}  // namespace
}  // namespace parley::xml
