// XEP-0160 §2-§3, XEP-0085 §5.5 and XEP-0203 §2: which messages are stored
// offline, and the stored copy (bare 'to', delay stamp).
#include "modules/offline/offline_message.hpp"

#include <gtest/gtest.h>

#include "xml/serializer.hpp"
#include "xml/stream_parser.hpp"

namespace parley::mod::offline {
namespace {

xml::ElementPtr msg(std::string_view text) {
    auto e = xml::parse_element(text);
    EXPECT_TRUE(e) << text;
    return e;
}

OfflineAction classify_text(std::string_view text) { return classify(*msg(text)); }

TEST(OfflineMessage, Xep0160_3_NormalAndChatAreStored) {
    EXPECT_EQ(classify_text("<message xmlns='jabber:client'><body>hi</body></message>"),
              OfflineAction::store);
    EXPECT_EQ(
        classify_text("<message xmlns='jabber:client' type='normal'><body>hi</body></message>"),
        OfflineAction::store);
    EXPECT_EQ(classify_text("<message xmlns='jabber:client' type='chat'><body>hi</body></message>"),
              OfflineAction::store);
}

TEST(OfflineMessage, Xep0160_3_OtherTypesAreNotStored) {
    for (const char* type : {"groupchat", "headline", "error", "bogus"}) {
        EXPECT_EQ(classify_text(std::string("<message xmlns='jabber:client' type='") + type +
                                "'><body>hi</body></message>"),
                  OfflineAction::refuse)
            << type;
    }
}

TEST(OfflineMessage, Xep0085_5_5_StandaloneChatStatesAreDropped) {
    EXPECT_EQ(classify_text("<message xmlns='jabber:client' type='chat'>"
                            "<composing xmlns='http://jabber.org/protocol/chatstates'/></message>"),
              OfflineAction::drop);
    EXPECT_EQ(classify_text("<message xmlns='jabber:client' type='chat'><thread>t1</thread>"
                            "<paused xmlns='http://jabber.org/protocol/chatstates'/></message>"),
              OfflineAction::drop);
    // Content with a chat state is stored (§5.3: <active/> rides on messages).
    EXPECT_EQ(classify_text("<message xmlns='jabber:client' type='chat'><body>hi</body>"
                            "<active xmlns='http://jabber.org/protocol/chatstates'/></message>"),
              OfflineAction::store);
    // Another payload (e.g. a MUC invitation) is content too.
    EXPECT_EQ(classify_text("<message xmlns='jabber:client'>"
                            "<x xmlns='jabber:x:conference' jid='room@muc.example'/>"
                            "<active xmlns='http://jabber.org/protocol/chatstates'/></message>"),
              OfflineAction::store);
}

TEST(OfflineMessage, EmptyMessageIsDropped) {
    EXPECT_EQ(classify_text("<message xmlns='jabber:client' type='chat'/>"), OfflineAction::drop);
}

TEST(OfflineMessage, Xep0160_2_StoredCopyIsStampedAndAddressedToBareJid) {
    auto original =
        msg("<message xmlns='jabber:client' from='romeo@montague.net/orchard' "
            "to='juliet@capulet.com/balcony' type='chat' id='m1'>"
            "<body>O blessed, blessed night!</body></message>");
    const auto when = std::chrono::system_clock::from_time_t(1031699305);  // 2002-09-10T23:08:25Z
    auto stored = prepare_for_storage(*original, "juliet@capulet.com", "capulet.com", when);
    auto expected =
        msg("<message xmlns='jabber:client' from='romeo@montague.net/orchard' "
            "to='juliet@capulet.com' type='chat' id='m1'>"
            "<body>O blessed, blessed night!</body>"
            "<delay xmlns='urn:xmpp:delay' from='capulet.com' "
            "stamp='2002-09-10T23:08:25Z'>Offline Storage</delay></message>");
    EXPECT_TRUE(xml::equal(*stored, *expected)) << xml::to_string(*stored);
    // The original is not changed.
    EXPECT_EQ(original->attr_or("to"), "juliet@capulet.com/balcony");
    EXPECT_EQ(original->child("delay", "urn:xmpp:delay"), nullptr);
}

TEST(OfflineMessage, Xep0203_2_ForgedServerDelayIsReplacedOthersKept) {
    auto original =
        msg("<message xmlns='jabber:client' to='juliet@capulet.com'>"
            "<delay xmlns='urn:xmpp:delay' from='capulet.com' stamp='1999-01-01T00:00:00Z'/>"
            "<body>hi</body>"
            "<delay xmlns='urn:xmpp:delay' from='coven@muc.example' "
            "stamp='2002-09-10T23:05:37Z'/></message>");
    auto stored = prepare_for_storage(*original, "juliet@capulet.com", "capulet.com",
                                      std::chrono::system_clock::from_time_t(0));
    auto delays = stored->children("delay", "urn:xmpp:delay");
    ASSERT_EQ(delays.size(), 2u);
    EXPECT_EQ(delays[0]->attr_or("from"), "coven@muc.example");
    EXPECT_EQ(delays[1]->attr_or("from"), "capulet.com");
    EXPECT_EQ(delays[1]->attr_or("stamp"), "1970-01-01T00:00:00Z");
    // Order of the other children is kept.
    EXPECT_TRUE(stored->first_child()->is("body", "jabber:client"));
}

TEST(OfflineMessage, StoredTextParsesBackToTheSameStanza) {
    auto original =
        msg("<message xmlns='jabber:client' to='a@b' xml:lang='en'>"
            "<body>&lt;3 &amp; 'quotes'</body></message>");
    auto stored = prepare_for_storage(*original, "a@b", "b", std::chrono::system_clock::now());
    auto back = xml::parse_element(xml::to_string(*stored));
    ASSERT_TRUE(back);
    EXPECT_TRUE(xml::equal(*back, *stored));
}

}  // namespace
}  // namespace parley::mod::offline
