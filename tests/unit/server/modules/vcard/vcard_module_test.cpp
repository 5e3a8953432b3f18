// XEP-0054 vcard-temp through the vcard module: §3.1 own vCard (empty when
// none), §3.2 update by the owner only, §3.3 another user's vCard, §4 disco.
#include <gtest/gtest.h>

#include "unit/server/modules/module_harness.hpp"

namespace parley::mod {
std::unique_ptr<Module> make_vcard_module();
}

namespace parley::test {
namespace {

class VcardModuleTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(h.start(mod::make_vcard_module(), {{"max_size", "200"}}));
        juliet = h.connect("juliet@example.org/balcony");
        romeo = h.connect("romeo@example.org/orchard");
    }
    xml::ElementRef ask(FakeSession& s, const std::string& iq) { return h.iq(s, iq); }
    ModuleHarness h;
    std::shared_ptr<FakeSession> juliet, romeo;
};

TEST_F(VcardModuleTest, Xep0054_3_1_NoVcardGivesAnEmptyOne) {
    auto r = ask(*juliet,
                 "<iq xmlns='jabber:client' from='juliet@example.org/balcony' "
                 "type='get' id='v1'><vCard xmlns='vcard-temp'/></iq>");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->attr_or("type"), "result");
    EXPECT_EQ(r->attr_or("id"), "v1");
    const auto* v = r->child("vCard", "vcard-temp");
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->first_child(), nullptr);
}

TEST_F(VcardModuleTest, Xep0054_3_2_And_3_3_SetThenRead) {
    auto set = ask(*juliet,
                   "<iq xmlns='jabber:client' from='juliet@example.org/balcony' "
                   "type='set' id='v2'><vCard xmlns='vcard-temp'><FN>Juliet</FN>"
                   "</vCard></iq>");
    EXPECT_EQ(set->attr_or("type"), "result");
    EXPECT_EQ(set->first_child(), nullptr);

    auto own = ask(*juliet,
                   "<iq xmlns='jabber:client' from='juliet@example.org/balcony' "
                   "type='get' id='v3'><vCard xmlns='vcard-temp'/></iq>");
    ASSERT_TRUE(own->child("vCard", "vcard-temp"));
    EXPECT_EQ(own->child("vCard", "vcard-temp")->child_text("FN", "vcard-temp"), "Juliet");

    auto other = ask(*romeo,
                     "<iq xmlns='jabber:client' from='romeo@example.org/orchard' "
                     "to='juliet@example.org' type='get' id='v4'>"
                     "<vCard xmlns='vcard-temp'/></iq>");
    EXPECT_EQ(other->attr_or("type"), "result");
    EXPECT_EQ(other->attr_or("from"), "juliet@example.org");
    ASSERT_TRUE(other->child("vCard", "vcard-temp"));
    EXPECT_EQ(other->child("vCard", "vcard-temp")->child_text("FN", "vcard-temp"), "Juliet");
}

TEST_F(VcardModuleTest, Xep0054_3_3_AnotherUsersMissingVcardIsItemNotFound) {
    auto r = ask(*romeo,
                 "<iq xmlns='jabber:client' from='romeo@example.org/orchard' "
                 "to='juliet@example.org' type='get' id='v5'>"
                 "<vCard xmlns='vcard-temp'/></iq>");
    EXPECT_EQ(error_condition(*r), "item-not-found");
}

TEST_F(VcardModuleTest, Xep0054_3_2_OnlyTheOwnerMaySet) {
    auto r = ask(*romeo,
                 "<iq xmlns='jabber:client' from='romeo@example.org/orchard' "
                 "to='juliet@example.org' type='set' id='v6'>"
                 "<vCard xmlns='vcard-temp'><FN>Mallory</FN></vCard></iq>");
    EXPECT_EQ(error_condition(*r), "forbidden");
    EXPECT_TRUE(h.storage().keyval_.values.empty());
}

TEST_F(VcardModuleTest, OversizedVcardIsNotAcceptable) {
    auto r = ask(*juliet,
                 "<iq xmlns='jabber:client' from='juliet@example.org/balcony' "
                 "type='set' id='v7'><vCard xmlns='vcard-temp'><DESC>" +
                     std::string(300, 'x') + "</DESC></vCard></iq>");
    EXPECT_EQ(error_condition(*r), "not-acceptable");
    EXPECT_TRUE(h.storage().keyval_.values.empty());
}

TEST_F(VcardModuleTest, StorageFailureIsInternalServerError) {
    h.storage().failing.fail = true;
    auto r = ask(*juliet,
                 "<iq xmlns='jabber:client' from='juliet@example.org/balcony' "
                 "type='get' id='v8'><vCard xmlns='vcard-temp'/></iq>");
    EXPECT_EQ(error_condition(*r), "internal-server-error");
}

TEST_F(VcardModuleTest, Xep0054_4_DiscoFeatures) {
    EXPECT_TRUE(h.table().features().count("vcard-temp"));
    EXPECT_TRUE(h.table().account_features().count("vcard-temp"));
}

}  // namespace
}  // namespace parley::test
