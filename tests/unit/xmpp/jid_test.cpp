// Tests for xmpp/jid: RFC 7622 §3.1-§3.5 with the PRECIS profiles of RFC 8265 §3.3
// (UsernameCaseMapped) and §4.2 (OpaqueString).
#include "xmpp/jid.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

namespace parley::xmpp {
namespace {

// The JID's normalized string, or "ERROR: reason" so that a failure message shows why.
std::string parsed(std::string_view s) {
    auto r = Jid::parse(s);
    if (!r) {
        return "ERROR: " + r.error().reason;
    }
    return r->str();
}

bool valid(std::string_view s) { return Jid::parse(s).ok(); }

// A domain name of exactly `n` bytes made of labels of at most 63 letters.
std::string domain_of_length(std::size_t n) {
    std::string out;
    while (out.size() < n) {
        if (!out.empty()) {
            out += '.';
        }
        const std::size_t left = n - out.size();
        // Never leave exactly one byte, which would need an empty label after a dot.
        std::size_t len = left > 63 ? 63 : left;
        if (left > 63 && left - 63 == 1) {
            len = 62;
        }
        out.append(len, 'a');
    }
    return out;
}

struct Example {
    const char* input;
    const char* local;
    const char* domain;
    const char* resource;
};

TEST(Jid, Rfc7622_3_5_1_ValidExamplesFromTable1) {
    const Example examples[] = {
        {"juliet@example.com", "juliet", "example.com", ""},
        {"juliet@example.com/foo", "juliet", "example.com", "foo"},
        {"juliet@example.com/foo bar", "juliet", "example.com", "foo bar"},
        {"juliet@example.com/foo@bar", "juliet", "example.com", "foo@bar"},
        {"foo\\20bar@example.com", "foo\\20bar", "example.com", ""},
        {"fussball@example.com", "fussball", "example.com", ""},
        {"fu\u00DFball@example.com", "fu\u00DFball", "example.com", ""},
        {"\u03C0@example.com", "\u03C0", "example.com", ""},
        // Σ is mapped to σ by toLowerCase (RFC 8265 §3.3.2 rule 3).
        {"\u03A3@example.com", "\u03C3", "example.com", ""},
        {"\u03C3@example.com", "\u03C3", "example.com", ""},
        // Final sigma is PVALID (RFC 5892 §2.6) and toLowerCase leaves it alone.
        {"\u03C2@example.com", "\u03C2", "example.com", ""},
        {"king@example.com/\u265A", "king", "example.com", "\u265A"},
        {"example.com", "", "example.com", ""},
        {"example.com/foobar", "", "example.com", "foobar"},
        {"a.example.com/b@example.net", "", "a.example.com", "b@example.net"},
        // Errata 4560: a leading space in the resourcepart is valid.
        {"juliet@example.com/ foo", "juliet", "example.com", " foo"},
    };
    for (const auto& e : examples) {
        SCOPED_TRACE(e.input);
        auto r = Jid::parse(e.input);
        ASSERT_TRUE(r.ok()) << r.error().reason;
        EXPECT_EQ(r->local(), e.local);
        EXPECT_EQ(r->domain(), e.domain);
        EXPECT_EQ(r->resource(), e.resource);
    }
}

TEST(Jid, Rfc7622_3_5_2_InvalidExamplesFromTable2) {
    const char* examples[] = {
        "\"juliet\"@example.com",   // quotation marks in localpart
        "foo bar@example.com",      // space in localpart
        "@example.com/",            // empty localpart and resourcepart
        "henry\u2163@example.com",  // ROMAN NUMERAL FOUR has a compatibility mapping
        "\u265A@example.com",       // BLACK CHESS KING is a symbol (IdentifierClass)
        "juliet@",                  // no domainpart
        "/foobar",                  // no domainpart
    };
    for (const char* input : examples) {
        EXPECT_FALSE(valid(input)) << input << " -> " << parsed(input);
    }
}

TEST(Jid, Rfc7622_3_1_SplitsAtFirstSlashThenFirstAt) {
    EXPECT_EQ(parsed("server/resource@foo"), "server/resource@foo");
    EXPECT_EQ(parsed("server/resource@foo/bar"), "server/resource@foo/bar");
    auto r = Jid::parse("a@b.example/c/d@e");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->local(), "a");
    EXPECT_EQ(r->domain(), "b.example");
    EXPECT_EQ(r->resource(), "c/d@e");
}

TEST(Jid, Rfc7622_3_1_RejectsEmptyParts) {
    const char* examples[] = {
        "", "@", "/", "@/", "@example.com", "@example.com/res", "@/resource",
        "juliet@example.com/", "node@/server", "user@@host", "user@@host/resource",
        "user@@", "user@@host/",
    };
    for (const char* input : examples) {
        EXPECT_FALSE(valid(input)) << '"' << input << "\" -> " << parsed(input);
    }
}

TEST(Jid, Rfc7622_3_3_LocalpartIsLowerCased) {
    EXPECT_EQ(parsed("Juliet@EXAMPLE.com"), "juliet@example.com");
    EXPECT_EQ(parsed("JULIET@example.com/Balcony"), "juliet@example.com/Balcony");
    EXPECT_EQ(parsed("\u00C9MILE@example.com"), "\u00E9mile@example.com");
    EXPECT_EQ(parsed("\u0394\u0399\u039F\u039D\u03A5\u03A3\u039F\u03A3@example.com"),
              "\u03B4\u03B9\u03BF\u03BD\u03C5\u03C3\u03BF\u03C2@example.com");
}

TEST(Jid, Rfc8265_3_3_LocalpartWidthMapping) {
    // FULLWIDTH LATIN CAPITAL LETTERS map to ASCII, then to lower case.
    EXPECT_EQ(parsed("\uFF2A\uFF35\uFF2C\uFF29\uFF25\uFF34@example.com"), "juliet@example.com");
    // HALFWIDTH KATAKANA KA + VOICED SOUND MARK -> KA + combining mark -> GA under NFC.
    EXPECT_EQ(parsed("\uFF76\uFF9E@example.com"), "\u30AC@example.com");
    // FULLWIDTH COMMERCIAL AT maps to '@', which RFC 7622 §3.3.1 forbids.
    EXPECT_FALSE(valid("a\uFF20b@example.com"));
}

TEST(Jid, Rfc8265_3_3_LocalpartIsNfc) {
    EXPECT_EQ(parsed("e\u0301@example.com"), "\u00E9@example.com");
    EXPECT_EQ(Jid::parse("caf\u00E9@example.com").value(),
              Jid::parse("cafe\u0301@example.com").value());
}

TEST(Jid, Rfc7622_3_3_1_RejectsExcludedAsciiInLocalpart) {
    for (const char* input : {"a\"b@x.example", "a&b@x.example", "a'b@x.example",
                              "a:b@x.example", "a<b@x.example", "a>b@x.example"}) {
        EXPECT_FALSE(valid(input)) << input;
    }
    // Other ASCII punctuation is ASCII7 and allowed (RFC 8264 §9.11).
    EXPECT_EQ(parsed("a!#$%*+-=?^_`{|}~.b@x.example"), "a!#$%*+-=?^_`{|}~.b@x.example");
}

TEST(Jid, Rfc8264_4_2_LocalpartRejectsNonIdentifierCodePoints) {
    const char* examples[] = {
        "a\tb@example.com",         // control
        "a\x7F@example.com",        // DEL is a control
        "a\u00A0b@example.com",     // NO-BREAK SPACE: Spaces, and HasCompat
        "a\u2003b@example.com",     // EM SPACE
        "\u00BD@example.com",       // VULGAR FRACTION ONE HALF: HasCompat
        "\uFB01@example.com",       // LATIN SMALL LIGATURE FI: HasCompat
        "\u01C5@example.com",       // titlecase DŽ lowers to dž, which has a compat mapping
        "a\u00A9@example.com",      // COPYRIGHT SIGN: Symbols
        "\u00BFque@example.com",    // INVERTED QUESTION MARK: Punctuation
        "a\u00ADb@example.com",     // SOFT HYPHEN: default ignorable
        "a\u200Bb@example.com",     // ZERO WIDTH SPACE: default ignorable
        "a\uE000@example.com",      // private use
        "a\uFDD0@example.com",      // noncharacter
        "a\u0378@example.com",      // unassigned
        "a\u0640b@example.com",     // ARABIC TATWEEL: RFC 5892 exception, DISALLOWED
    };
    for (const char* input : examples) {
        EXPECT_FALSE(valid(input)) << input << " -> " << parsed(input);
    }
    // Conjoining Hangul jamo are disallowed (OldHangulJamo), unless NFC composes them.
    EXPECT_FALSE(valid("\u1100@example.com"));
    EXPECT_EQ(parsed("\u1100\u1161@example.com"), "\uAC00@example.com");
}

TEST(Jid, Rfc5892_AppendixA_ContextRules) {
    // A.3 MIDDLE DOT only between two 'l' (Catalan).
    EXPECT_EQ(parsed("col\u00B7legi@example.com"), "col\u00B7legi@example.com");
    EXPECT_FALSE(valid("a\u00B7b@example.com"));
    EXPECT_FALSE(valid("\u00B7l@example.com"));
    // A.4 KERAIA must be followed by Greek.
    EXPECT_TRUE(valid("\u0375\u03B1@example.com"));
    EXPECT_FALSE(valid("\u0375a@example.com"));
    // A.2 ZWJ only after a virama; A.1 ZWNJ after a virama too.
    EXPECT_TRUE(valid("\u0915\u094D\u200D\u0937@example.com"));
    EXPECT_TRUE(valid("\u0915\u094D\u200C\u0937@example.com"));
    EXPECT_FALSE(valid("a\u200Db@example.com"));
    EXPECT_FALSE(valid("a\u200Cb@example.com"));
    // A.7 KATAKANA MIDDLE DOT needs a Hiragana, Katakana or Han character.
    EXPECT_TRUE(valid("\u30A2\u30FB\u30A4@example.com"));
    EXPECT_FALSE(valid("a\u30FBb@example.com"));
    // A.8/A.9 Arabic-Indic and Extended Arabic-Indic digits do not mix.
    EXPECT_TRUE(valid("\u0628\u0661\u0662@example.com"));
    EXPECT_FALSE(valid("\u0628\u0661\u06F2@example.com"));
    // The context rules apply to the resourcepart (FreeformClass) as well.
    EXPECT_FALSE(valid("a@example.com/x\u200Dy"));
    EXPECT_TRUE(valid("a@example.com/l\u00B7l"));
}

TEST(Jid, Rfc5893_LocalpartBidiRule) {
    EXPECT_EQ(parsed("\u05E9\u05DC\u05D5\u05DD@example.com"),
              "\u05E9\u05DC\u05D5\u05DD@example.com");
    EXPECT_TRUE(valid("\u05E9\u05DC\u05D5\u05DD1@example.com"));  // RTL may end with EN
    EXPECT_FALSE(valid("abc\u05E9@example.com"));                  // R in an LTR string
    EXPECT_FALSE(valid("\u05E9abc@example.com"));                  // L in an RTL string
    EXPECT_FALSE(valid("1\u05E9@example.com"));                    // must start L, R or AL
    EXPECT_FALSE(valid("\u0628\u0661\u0031@example.com"));         // EN and AN mixed
    // The resourcepart (OpaqueString) has no directionality rule.
    EXPECT_TRUE(valid("a@example.com/abc\u05E9"));
}

TEST(Jid, Rfc7622_3_4_ResourcepartKeepsCaseAndWidth) {
    EXPECT_EQ(parsed("juliet@example.com/Balcony"), "juliet@example.com/Balcony");
    EXPECT_EQ(parsed("juliet@example.com/\uFF21"), "juliet@example.com/\uFF21");
    EXPECT_EQ(parsed("juliet@example.com/\u265A \u00A9 \u00BD"),
              "juliet@example.com/\u265A \u00A9 \u00BD");
    EXPECT_NE(Jid::parse("a@example.com/Res").value(), Jid::parse("a@example.com/res").value());
}

TEST(Jid, Rfc8265_4_2_ResourcepartMapsSpacesAndNormalizes) {
    EXPECT_EQ(parsed("a@example.com/foo\u00A0bar"), "a@example.com/foo bar");
    EXPECT_EQ(parsed("a@example.com/foo\u3000bar"), "a@example.com/foo bar");
    EXPECT_EQ(parsed("a@example.com/e\u0301"), "a@example.com/\u00E9");
    EXPECT_EQ(parsed("a@example.com/\u212B"), "a@example.com/\u00C5");  // ANGSTROM SIGN
}

TEST(Jid, Rfc8264_4_3_ResourcepartRejectsNonFreeformCodePoints) {
    const char* examples[] = {
        "a@example.com/foo\tbar",   "a@example.com/foo\nbar", "a@example.com/\x7F",
        "a@example.com/a\u00ADb",   "a@example.com/\uE000",   "a@example.com/\uFFFF",
        "a@example.com/\u0378",     "a@example.com/a\u2028b", "a@example.com/\u200E",
        "a@example.com/\U000E0001",
    };
    for (const char* input : examples) {
        EXPECT_FALSE(valid(input)) << input << " -> " << parsed(input);
    }
}

TEST(Jid, Rfc7622_3_2_DomainIsLowerCasedAndTrailingDotStripped) {
    EXPECT_EQ(parsed("juliet@EXAMPLE.COM"), "juliet@example.com");
    EXPECT_EQ(parsed("example.com."), "example.com");
    EXPECT_EQ(parsed("juliet@example.com./res"), "juliet@example.com/res");
    EXPECT_EQ(Jid::parse("a@example.com.").value(), Jid::parse("a@Example.Com").value());
    EXPECT_FALSE(valid("example.com.."));
    EXPECT_FALSE(valid("."));
    EXPECT_FALSE(valid("a@./r"));
    EXPECT_EQ(parsed("localhost"), "localhost");
}

TEST(Jid, Rfc7622_3_2_RejectsBadAsciiDomains) {
    const char* examples[] = {
        "a..b",        ".example.com", "exa mple.com", "a_b.example", "-a.example",
        "a-.example",  "a@b@c",        "ex!ample.com", "[::1",        "[::g]",
        "[1.2.3.4]",   "1.2.3.256",    "1.2.3",        "01.2.3.4",    "123",
        "a.example\t", "xn--zz-zzz.example",           "xn--abc.example",
    };
    for (const char* input : examples) {
        EXPECT_FALSE(valid(input)) << input << " -> " << parsed(input);
    }
}

TEST(Jid, Rfc7622_3_2_AcceptsHostNames) {
    EXPECT_EQ(parsed("conference.example.org"), "conference.example.org");
    EXPECT_EQ(parsed("a-b.0.example"), "a-b.0.example");
    EXPECT_EQ(parsed("ab--cd.example"), "ab--cd.example");  // R-LDH: only LDH code points
    EXPECT_EQ(parsed(std::string(63, 'a') + ".example"), std::string(63, 'a') + ".example");
    EXPECT_FALSE(valid(std::string(64, 'a') + ".example"));
}

TEST(Jid, Rfc7622_3_2_IpLiterals) {
    EXPECT_EQ(parsed("juliet@192.168.0.1/r"), "juliet@192.168.0.1/r");
    EXPECT_EQ(parsed("192.168.0.1."), "192.168.0.1");
    EXPECT_EQ(parsed("[::1]"), "[::1]");
    EXPECT_EQ(parsed("juliet@[2001:DB8::1]/r"), "juliet@[2001:db8::1]/r");
    EXPECT_EQ(parsed("[::ffff:192.0.2.1]"), "[::ffff:192.0.2.1]");
    EXPECT_FALSE(valid("[fe80::1%eth0]"));
    EXPECT_FALSE(valid("[]"));
}

TEST(Jid, Rfc7622_3_2_InternationalizedDomains) {
    EXPECT_EQ(parsed("\u00D6BB.at"), "\u00F6bb.at");
    EXPECT_EQ(parsed("juliet@\u00D6BB.AT/r"), "juliet@\u00F6bb.at/r");
    // A-labels are converted to U-labels (RFC 7622 §3.2.1).
    EXPECT_EQ(parsed("xn--bb-eka.at"), "\u00F6bb.at");
    EXPECT_EQ(parsed("XN--BB-EKA.at"), "\u00F6bb.at");
    EXPECT_EQ(Jid::parse("a@xn--bb-eka.at").value(), Jid::parse("A@\u00D6bb.at").value());
    // Nontransitional: ß stays ß.
    EXPECT_EQ(parsed("fa\u00DF.de"), "fa\u00DF.de");
    EXPECT_EQ(parsed("xn--fa-hia.de"), "fa\u00DF.de");
    // Width mapping and the ideographic full stop as separator.
    EXPECT_EQ(parsed("\uFF25\uFF38\uFF21\uFF2D\uFF30\uFF2C\uFF25.com"), "example.com");
    EXPECT_EQ(parsed("\u4F8B\u3048\u3002jp"), "\u4F8B\u3048.jp");
    EXPECT_EQ(parsed("\u4F8B\u3048.jp\u3002"), "\u4F8B\u3048.jp");
    // NFC.
    EXPECT_EQ(parsed("o\u0308bb.at"), "\u00F6bb.at");
    // What strict IDNA2008 refuses may still be mapped by UTS #46 (non-transitional).
    EXPECT_EQ(parsed("henry\u2163.example"), "henryiv.example");
    const char* invalid[] = {
        "\u00F6_b.example",        // '_' is not allowed in an IDN label either
        "-\u00F6bb.example",       // leading hyphen
        "\u00F6\u200Cb.example",   // ZWNJ out of context
        "\u2603.example",          // SNOWMAN: DISALLOWED in IDNA2008
        "\u00F6bb..example",       // empty label
        "\u00F6bb.exa mple",       // space
        "xn--n3h.example",         // A-label of SNOWMAN
    };
    for (const char* input : invalid) {
        EXPECT_FALSE(valid(input)) << input << " -> " << parsed(input);
    }
    EXPECT_FALSE(valid(std::string(60, 'a') + "\u00F6\u00F6\u00F6.example"));  // A-label > 63
}

TEST(Jid, Rfc7622_3_LocalpartLengthLimit) {
    EXPECT_TRUE(valid(std::string(1023, 'a') + "@example.com"));
    EXPECT_FALSE(valid(std::string(1024, 'a') + "@example.com"));
    std::string two_byte;
    for (int i = 0; i < 511; ++i) {
        two_byte += "\u00E9";
    }
    EXPECT_TRUE(valid(two_byte + "a@example.com"));    // 1023 bytes
    EXPECT_FALSE(valid(two_byte + "ab@example.com"));  // 1024 bytes
    // The limit applies after normalization: 1200 bytes of "e" + COMBINING ACUTE compose
    // to 800 bytes of "é".
    std::string decomposed;
    for (int i = 0; i < 400; ++i) {
        decomposed += "e\u0301";
    }
    EXPECT_TRUE(valid(decomposed + "@example.com"));
    EXPECT_FALSE(valid(std::string(100000, 'a') + "\u00E9@example.com"));
}

TEST(Jid, Rfc7622_3_ResourcepartLengthLimit) {
    EXPECT_TRUE(valid("a@example.com/" + std::string(1023, 'r')));
    EXPECT_FALSE(valid("a@example.com/" + std::string(1024, 'r')));
    std::string three_byte;
    for (int i = 0; i < 341; ++i) {
        three_byte += "\u265A";
    }
    EXPECT_TRUE(valid("a@example.com/" + three_byte));         // 1023 bytes
    EXPECT_FALSE(valid("a@example.com/" + three_byte + "x"));  // 1024 bytes
}

TEST(Jid, Rfc7622_3_DomainpartLengthLimit) {
    ASSERT_EQ(domain_of_length(1023).size(), 1023u);
    ASSERT_EQ(domain_of_length(1024).size(), 1024u);
    EXPECT_TRUE(valid(domain_of_length(1023)));
    EXPECT_FALSE(valid(domain_of_length(1024)));
    // The trailing dot is stripped before the length is checked.
    EXPECT_TRUE(valid(domain_of_length(1023) + "."));
    EXPECT_TRUE(valid("a@" + domain_of_length(1023) + "/r"));
}

TEST(Jid, RejectsInvalidUtf8AndNul) {
    using namespace std::string_literals;
    const std::string examples[] = {
        "\xC0\xAF@example.com",           // overlong '/'
        "a\xE0\x80\xAF@example.com",      // overlong, 3 bytes
        "a\xED\xA0\x80@example.com",      // surrogate
        "a\xF4\x90\x80\x80@example.com",  // above U+10FFFF
        "a\xE2\x82@example.com",          // truncated
        "a\x80@example.com",              // stray continuation byte
        "a@ex\xFF.com",                   // invalid byte in domain
        "a@example.com/r\xC3",            // truncated at the end
        "a@example.com/\xF5\x80\x80\x80", // invalid lead byte
        "a\0b@example.com"s,              // NUL in each part
        "a@exa\0mple.com"s,
        "a@ex\u00E4\0mple.com"s,
        "a@example.com/r\0s"s,
    };
    for (const auto& input : examples) {
        EXPECT_FALSE(valid(input)) << parsed(input);
    }
}

TEST(Jid, EquivalentInputsAreEqualAndHashEqual) {
    const Jid a = Jid::parse("Juliet@EXAMPLE.com./Balcony").value();
    const Jid b = Jid::parse("\uFF2Auliet@example.com/Balcony").value();
    const Jid c = Jid::from_parts("JULIET", "Example.Com", "Balcony").value();
    EXPECT_EQ(a, b);
    EXPECT_EQ(a, c);
    EXPECT_EQ(std::hash<Jid>{}(a), std::hash<Jid>{}(b));
    EXPECT_EQ(std::hash<Jid>{}(a), std::hash<Jid>{}(c));
    std::unordered_set<Jid> set{a, b, c, Jid::parse("juliet@example.com/balcony").value()};
    EXPECT_EQ(set.size(), 2u);
    EXPECT_NE(a, a.bare());
}

TEST(Jid, NormalizationIsIdempotent) {
    const char* inputs[] = {
        "Juliet@EXAMPLE.com/Foo", "\u03A3@example.com", "\u00D6BB.at/\u00A0x",
        "xn--bb-eka.at",          "\uFF76\uFF9E@[2001:DB8::1]/e\u0301",
    };
    for (const char* input : inputs) {
        SCOPED_TRACE(input);
        const Jid once = Jid::parse(input).value();
        auto twice = Jid::parse(once.str());
        ASSERT_TRUE(twice.ok()) << twice.error().reason;
        EXPECT_EQ(*twice, once);
    }
}

TEST(Jid, AccessorsAndKinds) {
    const Jid empty;
    EXPECT_TRUE(empty.empty());
    EXPECT_EQ(empty.str(), "");

    const Jid full = Jid::parse("juliet@example.com/balcony").value();
    EXPECT_FALSE(full.empty());
    EXPECT_TRUE(full.is_full());
    EXPECT_FALSE(full.is_bare());
    EXPECT_FALSE(full.is_domain());
    EXPECT_EQ(full.str(), "juliet@example.com/balcony");
    EXPECT_EQ(full.bare_str(), "juliet@example.com");

    const Jid bare = full.bare();
    EXPECT_TRUE(bare.is_bare());
    EXPECT_FALSE(bare.is_full());
    EXPECT_EQ(bare.str(), "juliet@example.com");
    EXPECT_EQ(bare, Jid::parse("juliet@example.com").value());

    const Jid domain = Jid::parse("example.com/r").value();
    EXPECT_FALSE(domain.is_domain());
    EXPECT_TRUE(domain.bare().is_domain());
    EXPECT_EQ(domain.bare_str(), "example.com");
    EXPECT_EQ(domain.str(), "example.com/r");
}

TEST(Jid, ViewsOfFullBareAndDomainJids) {
    const Jid full = Jid::parse("juliet@example.com/balcony").value();
    EXPECT_EQ(full.str(), "juliet@example.com/balcony");
    EXPECT_EQ(full.bare_view(), "juliet@example.com");
    EXPECT_EQ(full.local(), "juliet");
    EXPECT_EQ(full.domain(), "example.com");
    EXPECT_EQ(full.resource(), "balcony");

    const Jid bare = Jid::parse("juliet@example.com").value();
    EXPECT_EQ(bare.str(), "juliet@example.com");
    EXPECT_EQ(bare.bare_view(), "juliet@example.com");
    EXPECT_EQ(bare.local(), "juliet");
    EXPECT_EQ(bare.domain(), "example.com");
    EXPECT_EQ(bare.resource(), "");

    const Jid domain = Jid::parse("example.com").value();
    EXPECT_TRUE(domain.is_domain());
    EXPECT_EQ(domain.str(), "example.com");
    EXPECT_EQ(domain.bare_view(), "example.com");
    EXPECT_EQ(domain.local(), "");
    EXPECT_EQ(domain.domain(), "example.com");
    EXPECT_EQ(domain.resource(), "");

    const Jid domain_full = Jid::parse("example.com/r@s/t").value();
    EXPECT_EQ(domain_full.bare_view(), "example.com");
    EXPECT_EQ(domain_full.local(), "");
    EXPECT_EQ(domain_full.domain(), "example.com");
    EXPECT_EQ(domain_full.resource(), "r@s/t");

    // The views are into the Jid's own string, so a copy has its own.
    std::optional<Jid> original =
        Jid::parse("romeo@montague.example/" + std::string(100, 'r')).value();
    const Jid copy = *original;
    original.reset();
    EXPECT_EQ(copy.local(), "romeo");
    EXPECT_EQ(copy.domain(), "montague.example");
    EXPECT_EQ(copy.resource(), std::string(100, 'r'));

    const Jid empty;
    EXPECT_EQ(empty.bare_view(), "");
    EXPECT_EQ(empty.local(), "");
    EXPECT_EQ(empty.domain(), "");
    EXPECT_EQ(empty.resource(), "");
}

TEST(Jid, BareAndWithResourceKeepTheParts) {
    const Jid full = Jid::parse("Juliet@Example.COM/Balcony").value();
    const Jid bare = full.bare();
    EXPECT_EQ(bare.str(), "juliet@example.com");
    EXPECT_EQ(bare.local(), "juliet");
    EXPECT_EQ(bare.domain(), "example.com");
    EXPECT_EQ(bare.resource(), "");
    EXPECT_EQ(bare, Jid::parse("juliet@example.com").value());
    EXPECT_EQ(bare.bare(), bare);

    const Jid domain = Jid::parse("example.com/r").value().bare();
    EXPECT_EQ(domain.str(), "example.com");
    EXPECT_TRUE(domain.is_domain());

    const Jid orchard = full.with_resource("Orchard").value();
    EXPECT_EQ(orchard.str(), "juliet@example.com/Orchard");
    EXPECT_EQ(orchard.local(), "juliet");
    EXPECT_EQ(orchard.domain(), "example.com");
    EXPECT_EQ(orchard.resource(), "Orchard");
    EXPECT_EQ(orchard, Jid::parse("juliet@example.com/Orchard").value());
    const Jid server = domain.with_resource("a/b@c").value();
    EXPECT_EQ(server.str(), "example.com/a/b@c");
    EXPECT_EQ(server.domain(), "example.com");
    EXPECT_EQ(server.resource(), "a/b@c");
    EXPECT_EQ(server, Jid::parse("example.com/a/b@c").value());
}

TEST(Jid, EqualJidsHashEqualFromAnyPath) {
    // The ASCII fast path, the Unicode path, from_parts, bare() and with_resource() all
    // produce the same value for the same address.
    const Jid jids[] = {
        Jid::parse("juliet@example.com/balcony").value(),
        Jid::parse("JULIET@EXAMPLE.COM./balcony").value(),
        Jid::parse("\uFF2Auliet@example.com/balcony").value(),
        Jid::from_parts("Juliet", "example.com", "balcony").value(),
        Jid::parse("juliet@example.com/other").value().with_resource("balcony").value(),
    };
    for (const Jid& j : jids) {
        SCOPED_TRACE(j.str());
        EXPECT_EQ(j, jids[0]);
        EXPECT_EQ(std::hash<Jid>{}(j), std::hash<Jid>{}(jids[0]));
        EXPECT_EQ(std::hash<Jid>{}(j), std::hash<std::string_view>{}("juliet@example.com/balcony"));
        EXPECT_EQ(j.local(), "juliet");
        EXPECT_EQ(j.resource(), "balcony");
    }
    const Jid bare = Jid::parse("Juliet@example.com").value();
    EXPECT_EQ(bare, jids[0].bare());
    EXPECT_EQ(std::hash<Jid>{}(bare), std::hash<Jid>{}(jids[0].bare()));
    EXPECT_EQ(std::hash<Jid>{}(bare), std::hash<std::string_view>{}(jids[0].bare_view()));
}

TEST(Jid, Rfc7622_3_AsciiCaseOfLocalAndDomainIsFoldedResourceKept) {
    const Jid j = Jid::parse("RoMeO@MonTague.EXAMPLE/Garden-WALL").value();
    EXPECT_EQ(j.local(), "romeo");
    EXPECT_EQ(j.domain(), "montague.example");
    EXPECT_EQ(j.resource(), "Garden-WALL");
    EXPECT_EQ(j.str(), "romeo@montague.example/Garden-WALL");
    EXPECT_EQ(j.bare_view(), "romeo@montague.example");
    EXPECT_EQ(parsed("MONTAGUE.EXAMPLE/ABC"), "montague.example/ABC");
    EXPECT_EQ(parsed("A@[2001:DB8::AB]/XY"), "a@[2001:db8::ab]/XY");
    // An ASCII A-label still goes through IDNA.
    EXPECT_EQ(parsed("ROMEO@XN--BB-EKA.AT/Res"), "romeo@\u00F6bb.at/Res");
}

TEST(Jid, ParseAgreesWithFromParts) {
    // parse() has its own path for ASCII input; from_parts() uses the per-part
    // normalizers. They must accept the same inputs and give the same reasons.
    struct Parts {
        const char* local;
        std::string domain;
        std::string resource;
    };
    const Parts cases[] = {
        {"juliet", "example.com", "balcony"},
        {"Juliet", "EXAMPLE.com.", "Balcony"},
        {"", "example.com", ""},
        {"", "192.168.0.1", "r"},
        {"a", "[::1]", ""},
        {"a", "[::g]", ""},
        {"a b", "exa mple.com", "\t"},  // the localpart's error comes first
        {"a", "exa mple.com", "\t"},    // then the domainpart's
        {"a", "example.com", "\t"},     // then the resourcepart's
        {"a", "a..b", ""},
        {"a", "1.2.3.999", ""},
        {"a", "-a.example", ""},
        {"a", "xn--abc.example", ""},
        {"a", "xn--bb-eka.at", "r"},
        {"a", ".", ""},
        {"a", "example.com", std::string(1024, 'r')},
        {"a", std::string(63, 'a') + "." + std::string(64, 'b'), ""},
        {"a", std::string(5000, 'd') + " ", ""},
        {"a", "example.com", std::string(5000, 'r') + "\t"},
    };
    for (const auto& c : cases) {
        std::string input = c.local;
        if (!input.empty()) {
            input += '@';
        }
        input += c.domain;
        if (!c.resource.empty()) {
            input += '/' + c.resource;
        }
        SCOPED_TRACE(input.size() > 80 ? input.substr(0, 80) + "..." : input);
        auto a = Jid::parse(input);
        auto b = Jid::from_parts(c.local, c.domain, c.resource);
        ASSERT_EQ(a.ok(), b.ok()) << (a.ok() ? b.error().reason : a.error().reason);
        if (a.ok()) {
            EXPECT_EQ(*a, *b);
            EXPECT_EQ(a->local(), b->local());
            EXPECT_EQ(a->domain(), b->domain());
            EXPECT_EQ(a->resource(), b->resource());
        } else {
            EXPECT_EQ(a.error().reason, b.error().reason);
        }
    }
}

TEST(Jid, WithResourceValidatesAndNormalizes) {
    const Jid bare = Jid::parse("juliet@example.com").value();
    auto r = bare.with_resource("Orchard\u00A0e\u0301");
    ASSERT_TRUE(r.ok()) << r.error().reason;
    EXPECT_EQ(r->str(), "juliet@example.com/Orchard \u00E9");
    auto replaced = r->with_resource("balcony");
    ASSERT_TRUE(replaced.ok());
    EXPECT_EQ(replaced->str(), "juliet@example.com/balcony");
    EXPECT_FALSE(bare.with_resource("").ok());
    EXPECT_FALSE(bare.with_resource("a\tb").ok());
    EXPECT_FALSE(Jid{}.with_resource("r").ok());
}

TEST(Jid, FromPartsNormalizesEachPart) {
    auto j = Jid::from_parts("Juliet", "\u00D6BB.at.", "Foo");
    ASSERT_TRUE(j.ok()) << j.error().reason;
    EXPECT_EQ(j->str(), "juliet@\u00F6bb.at/Foo");
    EXPECT_EQ(Jid::from_parts("", "example.com").value().str(), "example.com");
    // Parts are taken literally, so '@' and '/' are checked rather than split on.
    EXPECT_FALSE(Jid::from_parts("a@b", "example.com").ok());
    EXPECT_FALSE(Jid::from_parts("a", "example.com/x").ok());
    EXPECT_EQ(Jid::from_parts("a", "example.com", "x/y@z").value().resource(), "x/y@z");
    EXPECT_FALSE(Jid::from_parts("a", "").ok());
}

TEST(Jid, ErrorsNameThePart) {
    auto r = Jid::parse("\u265A@example.com");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().reason.find("localpart"), std::string::npos) << r.error().reason;
    EXPECT_NE(r.error().reason.find("U+265A"), std::string::npos) << r.error().reason;
    r = Jid::parse("a@exa_mple.com");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().reason.find("domainpart"), std::string::npos) << r.error().reason;
    r = Jid::parse("a@example.com/\t");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().reason.find("resourcepart"), std::string::npos) << r.error().reason;
}

TEST(Jid, PartNormalizers) {
    EXPECT_EQ(normalize_localpart("Juliet"), "juliet");
    EXPECT_EQ(normalize_localpart("\u03A3"), "\u03C3");
    EXPECT_EQ(normalize_localpart(""), std::nullopt);
    EXPECT_EQ(normalize_localpart("a b"), std::nullopt);
    EXPECT_EQ(normalize_localpart("a@b"), std::nullopt);

    EXPECT_EQ(normalize_domainpart("Example.COM."), "example.com");
    EXPECT_EQ(normalize_domainpart("xn--bb-eka.at"), "\u00F6bb.at");
    EXPECT_EQ(normalize_domainpart(""), std::nullopt);
    EXPECT_EQ(normalize_domainpart("a..b"), std::nullopt);

    EXPECT_EQ(normalize_resourcepart("Foo Bar"), "Foo Bar");
    EXPECT_EQ(normalize_resourcepart("x\u2009y"), "x y");  // THIN SPACE
    EXPECT_EQ(normalize_resourcepart(""), std::nullopt);
    EXPECT_EQ(normalize_resourcepart("a\x01"), std::nullopt);
}

}  // namespace
}  // namespace parley::xmpp
