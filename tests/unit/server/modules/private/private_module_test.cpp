// XEP-0049 Private XML Storage through the private module: §2.3 store and
// retrieve, own account only, reserved namespaces, empty query.
#include <gtest/gtest.h>

#include "unit/server/modules/module_harness.hpp"

namespace parley::mod {
std::unique_ptr<Module> make_private_module();
}

namespace parley::test {
namespace {

class PrivateModuleTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(h.start(mod::make_private_module()));
        hamlet = h.connect("hamlet@example.org/denmark");
        macbeth = h.connect("macbeth@example.org/castle");
    }
    xml::ElementRef ask(FakeSession& s, const std::string& iq) { return h.iq(s, iq); }
    ModuleHarness h;
    std::shared_ptr<FakeSession> hamlet, macbeth;
};

TEST_F(PrivateModuleTest, Xep0049_2_3_StoreThenRetrieve) {
    auto set = ask(*hamlet,
                   "<iq xmlns='jabber:client' from='hamlet@example.org/denmark' "
                   "type='set' id='1001'><query xmlns='jabber:iq:private'>"
                   "<exodus xmlns='exodus:prefs'><defaultnick>Hamlet</defaultnick>"
                   "</exodus></query></iq>");
    EXPECT_EQ(set->attr_or("type"), "result");

    auto get = ask(*hamlet,
                   "<iq xmlns='jabber:client' from='hamlet@example.org/denmark' "
                   "type='get' id='1002'><query xmlns='jabber:iq:private'>"
                   "<exodus xmlns='exodus:prefs'/></query></iq>");
    EXPECT_EQ(get->attr_or("type"), "result");
    const auto* q = get->child("query", "jabber:iq:private");
    ASSERT_NE(q, nullptr);
    const auto* ex = q->child("exodus", "exodus:prefs");
    ASSERT_NE(ex, nullptr);
    EXPECT_EQ(ex->child_text("defaultnick", "exodus:prefs"), "Hamlet");
}

TEST_F(PrivateModuleTest, Xep0049_2_3_NothingStoredReturnsTheEmptyElement) {
    auto get = ask(*hamlet,
                   "<iq xmlns='jabber:client' from='hamlet@example.org/denmark' "
                   "type='get' id='g'><query xmlns='jabber:iq:private'>"
                   "<storage xmlns='storage:bookmarks'/></query></iq>");
    EXPECT_EQ(get->attr_or("type"), "result");
    const auto* q = get->child("query", "jabber:iq:private");
    ASSERT_NE(q, nullptr);
    const auto* st = q->child("storage", "storage:bookmarks");
    ASSERT_NE(st, nullptr);
    EXPECT_EQ(st->first_child(), nullptr);
}

TEST_F(PrivateModuleTest, Xep0049_2_3_AnotherUsersDataIsForbidden) {
    auto r = ask(*macbeth,
                 "<iq xmlns='jabber:client' from='macbeth@example.org/castle' "
                 "to='hamlet@example.org' type='set' id='1003'>"
                 "<query xmlns='jabber:iq:private'><exodus xmlns='exodus:prefs'>"
                 "<defaultnick>Macbeth</defaultnick></exodus></query></iq>");
    EXPECT_EQ(error_condition(*r), "forbidden");
    EXPECT_TRUE(h.storage().keyval_.values.empty());
}

TEST_F(PrivateModuleTest, Xep0049_2_3_EmptyQueryAndReservedNamespace) {
    auto empty = ask(*hamlet,
                     "<iq xmlns='jabber:client' from='hamlet@example.org/denmark' "
                     "type='set' id='1004'><query xmlns='jabber:iq:private'/></iq>");
    EXPECT_EQ(error_condition(*empty), "not-acceptable");
    auto reserved = ask(*hamlet,
                        "<iq xmlns='jabber:client' from='hamlet@example.org/denmark' "
                        "type='set' id='1005'><query xmlns='jabber:iq:private'>"
                        "<vCard xmlns='vcard-temp'><FN>Hamlet</FN></vCard></query></iq>");
    EXPECT_EQ(error_condition(*reserved), "not-acceptable");
}

}  // namespace
}  // namespace parley::test
