// XEP-0313 through the mam module (in-process harness): archiving both
// directions once, §3.5 stanza-id, §8.1 owner only, failures that must not
// lose a message, account removal, retention.
#include <gtest/gtest.h>

#include "unit/server/modules/module_harness.hpp"

namespace parley::mod {
std::unique_ptr<Module> make_mam_module();
std::unique_ptr<Module> make_carbons_module();
}

namespace parley::test {
namespace {

constexpr const char* kSid = "urn:xmpp:sid:0";

class MamModuleTest : public ::testing::Test {
protected:
    void SetUp() override { start({}); }
    void start(ModuleConfig::Values cfg) {
        ASSERT_TRUE(h.start(mod::make_mam_module(), std::move(cfg)));
        romeo = h.connect("romeo@example.org/orchard");
        h.set_available(*romeo);
        juliet = h.connect("juliet@example.org/balcony");
        h.set_available(*juliet);
    }
    void romeo_says(const std::string& body, const std::string& to = "juliet@example.org") {
        h.send("<message xmlns='jabber:client' from='romeo@example.org/orchard' to='" + to +
                   "' type='chat'><body>" + body + "</body></message>",
               romeo.get());
    }
    std::vector<storage::ArchiveEntry>& archive(const std::string& owner) {
        return h.storage().archive_.archives[owner];
    }
    ModuleHarness h;
    std::shared_ptr<FakeSession> romeo, juliet;
};

TEST_F(MamModuleTest, Xep0313_7_AccountFeatures) {
    const auto& f = h.table().account_features();
    EXPECT_TRUE(f.count("urn:xmpp:mam:2"));
    EXPECT_TRUE(f.count("urn:xmpp:mam:2#extended"));
    EXPECT_TRUE(f.count(kSid));
}

TEST_F(MamModuleTest, Xep0313_6_1_1_BothDirectionsOnceEach) {
    romeo_says("hello");
    ASSERT_EQ(archive("romeo@example.org").size(), 1u);
    ASSERT_EQ(archive("juliet@example.org").size(), 1u);
    const auto& out = archive("romeo@example.org")[0];
    EXPECT_TRUE(out.outgoing);
    EXPECT_EQ(out.with, "juliet@example.org");
    const auto& in = archive("juliet@example.org")[0];
    EXPECT_FALSE(in.outgoing);
    EXPECT_EQ(in.with, "romeo@example.org");
    EXPECT_EQ(in.with_resource, "orchard");
    // §3.5: the recipient sees her archive's id, and only hers.
    auto got = only(*juliet);
    ASSERT_TRUE(got);
    auto ids = got->children("stanza-id", kSid);
    ASSERT_EQ(ids.size(), 1u);
    EXPECT_EQ(ids[0]->attr_or("by"), "juliet@example.org");
    EXPECT_EQ(ids[0]->attr_or("id"), in.id);
}

TEST_F(MamModuleTest, Xep0313_6_1_1_MessageToSelfArchivedOnce) {
    romeo_says("note to self", "romeo@example.org");
    EXPECT_EQ(archive("romeo@example.org").size(), 1u);
}

TEST_F(MamModuleTest, NoArchiveForAccountsThatDoNotExist) {
    romeo_says("anyone?", "nobody@example.org");
    EXPECT_TRUE(h.storage().archive_.archives["nobody@example.org"].empty());
}

// Archiving is write-behind: the message leaves before the write, so a
// failing store cannot hold it back (the failure is logged).
TEST_F(MamModuleTest, StorageFailureStillDelivers) {
    h.storage().failing.fail = true;
    romeo_says("hello");
    auto got = only(*juliet);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->child_text("body", "jabber:client"), "hello");
    EXPECT_TRUE(h.storage().archive_.archives["juliet@example.org"].empty());
}

TEST_F(MamModuleTest, Xep0313_8_1_OtherUsersArchiveIsForbidden) {
    auto r = h.iq(*juliet, "<iq xmlns='jabber:client' type='set' id='q' to='romeo@example.org'>"
                           "<query xmlns='urn:xmpp:mam:2'/></iq>");
    EXPECT_EQ(error_condition(*r), "forbidden");
}

TEST_F(MamModuleTest, AccountRemovalDeletesTheArchive) {
    romeo_says("hello");
    h.run([&]() -> Awaitable<void> { co_await h.table().user_removed("juliet@example.org"); });
    EXPECT_TRUE(h.storage().archive_.archives["juliet@example.org"].empty());
    EXPECT_EQ(archive("romeo@example.org").size(), 1u);
}

TEST_F(MamModuleTest, BadConfigIsRefused) {
    ModuleHarness other;
    EXPECT_FALSE(other.start(mod::make_mam_module(), {{"default_policy", "sometimes"}}));
    EXPECT_FALSE(other.start(mod::make_mam_module(), {{"max_age_days", "-1"}}));
    EXPECT_FALSE(other.start(mod::make_mam_module(), {{"max_page_size", "0"}}));
}

TEST(MamRetention, Xep0313_3_2_OldMessagesPurgedWhenArchiving) {
    ModuleHarness h;
    ASSERT_TRUE(h.start(mod::make_mam_module(), {{"max_age_days", "1"}}));
    auto romeo = h.connect("romeo@example.org/orchard");
    h.connect("juliet@example.org/balcony");
    storage::ArchiveEntry old;
    old.id = "ancient";
    old.timestamp_us = 1'000'000;  // 1970
    h.storage().archive_.archives["juliet@example.org"].push_back(old);
    h.send("<message xmlns='jabber:client' from='romeo@example.org/orchard' "
           "to='juliet@example.org' type='chat'><body>new</body></message>",
           romeo.get());
    const auto& list = h.storage().archive_.archives["juliet@example.org"];
    ASSERT_EQ(list.size(), 1u);
    EXPECT_NE(list[0].id, "ancient");
}

TEST(MamWithCarbons, Xep0313_3_5_SentCarbonCarriesIdContactDoesNot) {
    ModuleHarness h;
    ASSERT_TRUE(h.start(mod::make_mam_module()));
    ASSERT_TRUE(h.start(mod::make_carbons_module()));
    auto phone = h.connect("romeo@example.org/phone");
    auto laptop = h.connect("romeo@example.org/laptop");
    auto juliet = h.connect("juliet@example.org/balcony");
    h.set_available(*juliet);
    auto r = h.iq(*laptop, "<iq xmlns='jabber:client' type='set' id='e'>"
                           "<enable xmlns='urn:xmpp:carbons:2'/></iq>");
    ASSERT_EQ(r->attr_or("type"), "result");
    laptop->received.clear();
    h.send("<message xmlns='jabber:client' from='romeo@example.org/phone' "
           "to='juliet@example.org/balcony' type='chat'><body>hi</body></message>",
           phone.get());
    auto to_juliet = only(*juliet);
    ASSERT_TRUE(to_juliet);
    for (const auto* sid : to_juliet->children("stanza-id", kSid)) {
        EXPECT_NE(sid->attr_or("by"), "romeo@example.org");
    }
    auto carbon = only(*laptop);
    ASSERT_TRUE(carbon);
    const auto* inner = carbon->child("sent", "urn:xmpp:carbons:2")
                            ->child("forwarded", "urn:xmpp:forward:0")
                            ->child("message", "jabber:client");
    ASSERT_NE(inner, nullptr);
    const auto* sid = inner->child("stanza-id", kSid);
    ASSERT_NE(sid, nullptr);
    EXPECT_EQ(sid->attr_or("by"), "romeo@example.org");
    EXPECT_EQ(sid->attr_or("id"), h.storage().archive_.archives["romeo@example.org"][0].id);
}

}  // namespace
}  // namespace parley::test
