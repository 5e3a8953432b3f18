// The pure parts of MAM: XEP-0313 §4.1 query parsing, §4.3 <fin/>, §6.1.1
// what is archived; XEP-0359 §5 forged stanza ids; XEP-0441 §2 preferences.
#include <gtest/gtest.h>

#include <set>

#include "modules/archive/archiving.hpp"
#include "modules/mam/mam_prefs.hpp"
#include "modules/archive/mam_query.hpp"
#include "xml/serializer.hpp"
#include "xml/stream_parser.hpp"

namespace parley::mod::mam {
namespace {

xml::ElementRef X(const std::string& s) { return xml::parse_element(s); }

std::string form(const std::string& fields) {
    return "<query xmlns='urn:xmpp:mam:2' queryid='q1'><x xmlns='jabber:x:data' type='submit'>"
           "<field var='FORM_TYPE' type='hidden'><value>urn:xmpp:mam:2</value></field>" +
           fields + "</x></query>";
}

TEST(MamQuery, Xep0313_4_1_Fields) {
    auto r = parse_query(
        *X(form("<field var='with'><value>juliet@capulet.lit/balcony</value></field>"
                "<field var='start'><value>2010-06-07T00:00:00Z</value></field>"
                "<field var='end'><value>2010-07-07T13:23:54Z</value></field>"
                "<field var='after-id'><value>a</value></field>"
                "<field var='before-id'><value>b</value></field>"
                "<field var='ids'><value>x</value><value>y</value></field>")),
        {});
    ASSERT_TRUE(r) << r.error().text;
    EXPECT_EQ(r->queryid, "q1");
    EXPECT_EQ(r->query.with, "juliet@capulet.lit");
    EXPECT_EQ(r->query.with_resource, "balcony");
    EXPECT_EQ(r->query.start_us, 1275868800LL * 1'000'000);
    EXPECT_EQ(r->query.end_us, 1278509034LL * 1'000'000);
    EXPECT_EQ(r->query.after_id, "a");
    EXPECT_EQ(r->query.before_id, "b");
    EXPECT_EQ(r->query.ids, (std::vector<std::string>{"x", "y"}));
    EXPECT_EQ(r->query.max, 50u);
    EXPECT_FALSE(r->flip);
}

TEST(MamQuery, Xep0313_4_3_RsmAndFlipPage) {
    auto r = parse_query(*X("<query xmlns='urn:xmpp:mam:2'><set xmlns='http://jabber.org/protocol/rsm'>"
                            "<max>1000</max><before/></set><flip-page/></query>"),
                         {50, 250});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->query.max, 250u);  // cut to the server's limit
    EXPECT_EQ(r->query.rsm_before, "");
    EXPECT_TRUE(r->flip);
}

TEST(MamQuery, Xep0313_4_1_Errors) {
    auto condition = [](const std::string& q) {
        auto r = parse_query(*X(q), {});
        return r ? std::string("ok") : std::string(xmpp::to_string(r.error().condition));
    };
    EXPECT_EQ(condition(form("<field var='start'><value>yesterday</value></field>")), "bad-request");
    EXPECT_EQ(condition(form("<field var='with'><value>@bad</value></field>")), "jid-malformed");
    // §4.1.5: an unknown field is feature-not-implemented.
    EXPECT_EQ(condition(form("<field var='fulltext'><value>x</value></field>")),
              "feature-not-implemented");
    EXPECT_EQ(condition("<query xmlns='urn:xmpp:mam:2'><x xmlns='jabber:x:data' type='submit'>"
                        "<field var='FORM_TYPE'><value>urn:other</value></field></x></query>"),
              "bad-request");
    EXPECT_EQ(condition("<query xmlns='urn:xmpp:mam:2'><set xmlns='http://jabber.org/protocol/rsm'>"
                        "<index>3</index></set></query>"),
              "feature-not-implemented");
}

TEST(MamQuery, Xep0313_4_3_Fin) {
    storage::ArchivePage page;
    page.complete = true;
    EXPECT_EQ(*fin(page), *X("<fin xmlns='urn:xmpp:mam:2' complete='true'>"
                             "<set xmlns='http://jabber.org/protocol/rsm'/></fin>"));
    page.complete = false;
    page.items.resize(2);
    page.items[0].id = "first";
    page.items[1].id = "last";
    EXPECT_EQ(*fin(page), *X("<fin xmlns='urn:xmpp:mam:2'><set xmlns='http://jabber.org/protocol/rsm'>"
                             "<first>first</first><last>last</last></set></fin>"));
}

TEST(MamQuery, Xep0313_4_1_5_FormListsEveryField) {
    const auto q = xml::to_string(*query_form());
    for (const char* var : {"FORM_TYPE", "with", "start", "end", "before-id", "after-id", "ids"}) {
        EXPECT_NE(q.find(std::string("var=\"") + var + "\""), std::string::npos) << var << q;
    }
    EXPECT_NE(q.find("<open/>"), std::string::npos);
}

TEST(Archiving, Xep0313_6_1_1_WhatIsArchived) {
    EXPECT_TRUE(archivable(*X("<message xmlns='jabber:client' type='chat'><body>x</body></message>")));
    EXPECT_TRUE(archivable(*X("<message xmlns='jabber:client'><body>x</body></message>")));
    EXPECT_FALSE(archivable(*X("<message xmlns='jabber:client' type='chat'>"
                               "<active xmlns='http://jabber.org/protocol/chatstates'/></message>")));
    EXPECT_FALSE(archivable(*X("<message xmlns='jabber:client' type='groupchat'><body>x</body></message>")));
    EXPECT_FALSE(archivable(*X("<message xmlns='jabber:client' type='headline'><body>x</body></message>")));
    EXPECT_FALSE(archivable(*X("<message xmlns='jabber:client' type='error'><body>x</body></message>")));
    // XEP-0334 §4 hints.
    EXPECT_FALSE(archivable(*X("<message xmlns='jabber:client' type='chat'><body>x</body>"
                               "<no-store xmlns='urn:xmpp:hints'/></message>")));
    EXPECT_FALSE(archivable(*X("<message xmlns='jabber:client' type='chat'><body>x</body>"
                               "<no-permanent-store xmlns='urn:xmpp:hints'/></message>")));
    EXPECT_TRUE(archivable(*X("<message xmlns='jabber:client' type='chat'>"
                              "<store xmlns='urn:xmpp:hints'/></message>")));
    EXPECT_FALSE(archivable(*X("<message xmlns='jabber:client' type='error'>"
                               "<store xmlns='urn:xmpp:hints'/></message>")));
}

TEST(Archiving, Xep0359_5_ForgedStanzaIdRemovedOthersKept) {
    auto m = X("<message xmlns='jabber:client'><body>x</body>"
               "<stanza-id xmlns='urn:xmpp:sid:0' by='a@example.org' id='forged'/>"
               "<stanza-id xmlns='urn:xmpp:sid:0' by='room@muc.example.org' id='kept'/></message>");
    auto out = without_stanza_id(m, "a@example.org");
    EXPECT_EQ(*out, *X("<message xmlns='jabber:client'><body>x</body>"
                       "<stanza-id xmlns='urn:xmpp:sid:0' by='room@muc.example.org' id='kept'/>"
                       "</message>"));
    EXPECT_EQ(without_stanza_id(out, "a@example.org"), out);  // nothing to remove: same stanza
    auto stamped = with_stanza_id(out, "a@example.org", "new");
    EXPECT_EQ(stamped->children("stanza-id", "urn:xmpp:sid:0").size(), 2u);
}

TEST(Archiving, Xep0359_IdsAreUnpredictableAndDistinct) {
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        auto id = new_archive_id();
        EXPECT_EQ(id.size(), 16u);
        EXPECT_TRUE(seen.insert(id).second);
    }
}

TEST(Prefs, Xep0441_2_ParseBuildAndDecide) {
    auto p = parse_prefs(*X("<prefs xmlns='urn:xmpp:mam:2' default='roster'>"
                            "<always><jid>romeo@montague.lit</jid></always>"
                            "<never><jid>montague@montague.lit</jid>"
                            "<jid>tybalt@capulet.lit/sword</jid></never></prefs>"));
    ASSERT_TRUE(p);
    EXPECT_EQ(*build_prefs(*p),
              *X("<prefs xmlns='urn:xmpp:mam:2' default='roster'>"
                 "<always><jid>romeo@montague.lit</jid></always>"
                 "<never><jid>montague@montague.lit</jid><jid>tybalt@capulet.lit/sword</jid></never>"
                 "</prefs>"));
    auto jid = [](const char* s) { return *xmpp::Jid::parse(s); };
    EXPECT_EQ(decide(*p, jid("romeo@montague.lit/orchard")), Decision::archive);  // bare listed
    EXPECT_EQ(decide(*p, jid("montague@montague.lit")), Decision::skip);
    EXPECT_EQ(decide(*p, jid("tybalt@capulet.lit/sword")), Decision::skip);       // full listed
    EXPECT_EQ(decide(*p, jid("tybalt@capulet.lit/dagger")), Decision::ask_roster);
    EXPECT_FALSE(parse_prefs(*X("<prefs xmlns='urn:xmpp:mam:2' default='sometimes'/>")));
    // §2.1: both lists are present even when empty.
    EXPECT_EQ(*build_prefs(Prefs{}), *X("<prefs xmlns='urn:xmpp:mam:2' default='always'>"
                                        "<always/><never/></prefs>"));
}

}  // namespace
}  // namespace parley::mod::mam
