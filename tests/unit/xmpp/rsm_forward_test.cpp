// XEP-0059 RSM request/reply codec and XEP-0297 forwarding wrapper.
#include <gtest/gtest.h>

#include "xml/serializer.hpp"
#include "xml/stream_parser.hpp"
#include "xmpp/forward.hpp"
#include "xmpp/rsm.hpp"

namespace parley::xmpp {
namespace {

xml::ElementRef X(const std::string& s) { return xml::parse_element(s); }

TEST(Rsm, Xep0059_2_ParseMaxAfterBefore) {
    auto r = rsm::parse(*X("<set xmlns='http://jabber.org/protocol/rsm'><max>10</max>"
                           "<after>abc</after></set>"));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->max, 10u);
    EXPECT_EQ(r->after, "abc");
    EXPECT_FALSE(r->before);
    // §2.5: an empty <before/> asks for the last page.
    r = rsm::parse(*X("<set xmlns='http://jabber.org/protocol/rsm'><before/></set>"));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->before, "");
    EXPECT_FALSE(r->max);
}

TEST(Rsm, Xep0059_BadValuesAreBadRequest) {
    for (const char* bad : {"<max>-1</max>", "<max>ten</max>", "<max/>", "<after/>",
                            "<index>x</index>"}) {
        auto r = rsm::parse(*X(std::string("<set xmlns='http://jabber.org/protocol/rsm'>") + bad +
                               "</set>"));
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().condition, Condition::bad_request);
    }
}

TEST(Rsm, Xep0059_2_1_BuildReply) {
    rsm::Reply reply;
    reply.first = "a";
    reply.first_index = 0;
    reply.last = "b";
    reply.count = 7;
    EXPECT_EQ(*rsm::build(reply),
              *X("<set xmlns='http://jabber.org/protocol/rsm'><first index='0'>a</first>"
                 "<last>b</last><count>7</count></set>"));
    EXPECT_EQ(*rsm::build({}), *X("<set xmlns='http://jabber.org/protocol/rsm'/>"));  // §2.6
}

TEST(Forward, Xep0297_3_WrapsWithDelay) {
    auto m = X("<message xmlns='jabber:client' to='a@b'><body>hi</body></message>");
    auto fwd = make_forwarded(m, "2010-07-10T23:08:25Z");
    EXPECT_EQ(*fwd, *X("<forwarded xmlns='urn:xmpp:forward:0'><delay xmlns='urn:xmpp:delay' "
                       "stamp='2010-07-10T23:08:25Z'/><message xmlns='jabber:client' to='a@b'>"
                       "<body>hi</body></message></forwarded>"));
    ASSERT_NE(forwarded_stanza(*fwd), nullptr);
    EXPECT_EQ(forwarded_stanza(*fwd)->name(), "message");
}

}  // namespace
}  // namespace parley::xmpp
