// MucStore conformance suite (XEP-0045 persistent rooms), run against every backend.

#include <gtest/gtest.h>

#include "unit/storage/storage_fixture.hpp"

namespace parley::storage::test {
namespace {

constexpr const char* kService = "conference.example.org";
constexpr const char* kRoom = "coven@conference.example.org";

MucRoom room(std::string jid, std::string config = "persistent=1\n") {
    MucRoom r;
    r.jid = std::move(jid);
    r.config = std::move(config);
    return r;
}

class MucStoreTest : public StorageTest {};

TEST_P(MucStoreTest, Rooms_EmptyService) { EXPECT_TRUE(run(muc().rooms(kService)).empty()); }

TEST_P(MucStoreTest, Put_ThenRoomsReturnsRoomWithAffiliations) {
    MucRoom r = room(kRoom, "name=The Coven\n");
    r.subject = "Fire Burn and Cauldron Bubble!";
    r.affiliations = {{"crone1@example.org", "owner", "", ""},
                      {"hag66@example.org", "member", "thirdwitch", ""},
                      {"example.net", "outcast", "", "Treason"}};
    run(muc().put(r));
    auto rooms = run(muc().rooms(kService));
    ASSERT_EQ(rooms.size(), 1u);
    EXPECT_EQ(rooms[0].jid, kRoom);
    EXPECT_EQ(rooms[0].config, "name=The Coven\n");
    EXPECT_EQ(rooms[0].subject, "Fire Burn and Cauldron Bubble!");
    ASSERT_EQ(rooms[0].affiliations.size(), 3u);  // sorted by JID
    EXPECT_EQ(rooms[0].affiliations[0].jid, "crone1@example.org");
    EXPECT_EQ(rooms[0].affiliations[0].affiliation, "owner");
    EXPECT_EQ(rooms[0].affiliations[1].jid, "example.net");
    EXPECT_EQ(rooms[0].affiliations[1].reason, "Treason");
    EXPECT_EQ(rooms[0].affiliations[2].nick, "thirdwitch");
}

TEST_P(MucStoreTest, Put_ReplacesConfigAndWholeAffiliationList) {
    MucRoom r = room(kRoom);
    r.affiliations = {{"crone1@example.org", "owner", "", ""},
                      {"hag66@example.org", "member", "", ""}};
    run(muc().put(r));
    r.config = "persistent=1\nname=Renamed\n";
    r.affiliations = {{"crone1@example.org", "owner", "", ""}};
    run(muc().put(r));
    auto rooms = run(muc().rooms(kService));
    ASSERT_EQ(rooms.size(), 1u);
    EXPECT_EQ(rooms[0].config, "persistent=1\nname=Renamed\n");
    ASSERT_EQ(rooms[0].affiliations.size(), 1u);
    EXPECT_EQ(rooms[0].affiliations[0].jid, "crone1@example.org");
}

TEST_P(MucStoreTest, Rooms_OnlyThoseOfTheServiceSorted) {
    run(muc().put(room("b@conference.example.org")));
    run(muc().put(room("a@conference.example.org")));
    run(muc().put(room("a@chat.example.net")));
    auto rooms = run(muc().rooms(kService));
    ASSERT_EQ(rooms.size(), 2u);
    EXPECT_EQ(rooms[0].jid, "a@conference.example.org");
    EXPECT_EQ(rooms[1].jid, "b@conference.example.org");
}

TEST_P(MucStoreTest, Remove_DeletesRoomAndAffiliations) {
    MucRoom r = room(kRoom);
    r.affiliations = {{"crone1@example.org", "owner", "", ""}};
    run(muc().put(r));
    EXPECT_TRUE(run(muc().remove(kRoom)));
    EXPECT_FALSE(run(muc().remove(kRoom)));
    EXPECT_TRUE(run(muc().rooms(kService)).empty());
    // A room of the same name starts with no affiliations left over.
    run(muc().put(room(kRoom)));
    EXPECT_TRUE(run(muc().rooms(kService))[0].affiliations.empty());
}

TEST_P(MucStoreTest, Put_SurvivesReopen) {
    MucRoom r = room(kRoom);
    r.affiliations = {{"crone1@example.org", "owner", "", ""}};
    run(muc().put(r));
    reopen();
    auto rooms = run(muc().rooms(kService));
    ASSERT_EQ(rooms.size(), 1u);
    EXPECT_EQ(rooms[0].affiliations.size(), 1u);
}

PARLEY_STORAGE_SUITE(MucStoreTest);

}  // namespace
}  // namespace parley::storage::test
