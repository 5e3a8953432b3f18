// ArchiveStore conformance suite (XEP-0313 archives, XEP-0059 paging), run
// against every backend.

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "unit/storage/storage_fixture.hpp"

namespace parley::storage::test {
namespace {

constexpr const char* kAlice = "alice@example.org";
constexpr const char* kBob = "bob@example.org";
constexpr const char* kCarol = "carol@example.org";
constexpr const char* kRoom = "room@conference.example.org";

ArchiveEntry entry(int n, std::string with, std::int64_t ts, std::string resource = "") {
    ArchiveEntry e;
    e.id = "id-" + std::to_string(n);
    e.timestamp_us = ts;
    e.with = std::move(with);
    e.with_resource = std::move(resource);
    e.outgoing = n % 2 == 0;
    e.stanza = "<message id='m" + std::to_string(n) + "'><body>" + std::to_string(n) +
               "</body></message>";
    return e;
}

std::vector<std::string> ids(const ArchivePage& p) {
    std::vector<std::string> out;
    for (const auto& e : p.items) {
        out.push_back(e.id);
    }
    return out;
}

std::vector<std::string> range(int from, int to) {  // id-from .. id-to, inclusive
    std::vector<std::string> out;
    for (int i = from; i <= to; ++i) {
        out.push_back("id-" + std::to_string(i));
    }
    return out;
}

// Alice's archive: id-1..id-10, alternating bob and carol (odd = bob), one
// second apart from t=1000 s; bob's resources alternate "phone"/"pc".
class ArchiveStoreTest : public StorageTest {
protected:
    void fill() {
        for (int i = 1; i <= 10; ++i) {
            run(archive().append(kAlice, entry(i, i % 2 ? kBob : kCarol, (1000 + i) * 1'000'000LL,
                                               i % 4 == 1 ? "phone" : "pc")));
        }
    }
    ArchivePage page(const ArchiveQuery& q) {
        auto p = run(archive().query(kAlice, q));
        EXPECT_TRUE(p.has_value());
        return p ? *p : ArchivePage{};
    }
};

TEST_P(ArchiveStoreTest, EmptyArchive) {
    auto p = page({});
    EXPECT_TRUE(p.items.empty());
    EXPECT_TRUE(p.complete);
    EXPECT_FALSE(run(archive().ends(kAlice)).has_value());
}

TEST_P(ArchiveStoreTest, Xep0313_3_1_ResultsInArchiveOrderWithEveryField) {
    fill();
    auto p = page({});
    EXPECT_EQ(ids(p), range(1, 10));
    EXPECT_TRUE(p.complete);
    const auto& e = p.items[3];  // id-4
    EXPECT_EQ(e.with, kCarol);
    EXPECT_EQ(e.with_resource, "pc");
    EXPECT_EQ(e.timestamp_us, 1004'000'000LL);
    EXPECT_TRUE(e.outgoing);
    EXPECT_EQ(e.stanza, "<message id='m4'><body>4</body></message>");
}

TEST_P(ArchiveStoreTest, Xep0313_3_1_OrderIsAppendOrderAndTimeNeverGoesBack) {
    run(archive().append(kAlice, entry(1, kBob, 5'000'000)));
    run(archive().append(kAlice, entry(2, kBob, 4'000'000)));  // clock stepped back
    run(archive().append(kAlice, entry(3, kBob, 6'000'000)));
    run(archive().append(kBob, entry(4, kAlice, 1'000'000)));  // per archive
    auto p = page({});
    EXPECT_EQ(ids(p), range(1, 3));
    EXPECT_EQ(p.items[1].timestamp_us, 5'000'000);  // clamped to the newest before it
    EXPECT_EQ(run(archive().query(kBob, {}))->items[0].timestamp_us, 1'000'000);
    // Time bounds are positions.
    ArchiveQuery q;
    q.start_us = 5'000'000;
    q.end_us = 5'000'000;
    EXPECT_EQ(ids(page(q)), range(1, 2));
    q.start_us = 7'000'000;
    q.end_us.reset();
    EXPECT_TRUE(page(q).items.empty());
    q.start_us.reset();
    q.end_us = 4'000'000;
    EXPECT_TRUE(page(q).items.empty());
}

// Write-behind appends (the message path): any later read sees them, in order.
TEST_P(ArchiveStoreTest, AppendSoonIsSeenByEveryLaterCall) {
    std::vector<std::string> failures;
    auto failed = [&](const std::string& why) { failures.push_back(why); };
    for (int i = 1; i <= 5; ++i) {
        ASSERT_TRUE(archive().append_soon(kAlice, entry(i, kBob, i * 1'000'000LL), failed));
    }
    EXPECT_EQ(ids(page({})), range(1, 5));
    ASSERT_TRUE(archive().append_soon(kAlice, entry(6, kBob, 6'000'000), failed));
    EXPECT_EQ(run(archive().ends(kAlice))->second.id, "id-6");
    ASSERT_TRUE(archive().append_soon(kAlice, entry(7, kBob, 7'000'000), failed));
    EXPECT_EQ(run(archive().remove_all(kAlice)), 7u);
    EXPECT_TRUE(failures.empty());
}

TEST_P(ArchiveStoreTest, AppendSoonReportsAFailedWrite) {
    run(archive().append(kAlice, entry(1, kBob, 1'000'000)));
    std::vector<std::string> failures;
    // The same archive id twice: the write is refused (ids are unique per archive).
    ASSERT_TRUE(archive().append_soon(kAlice, entry(1, kBob, 2'000'000),
                                      [&](const std::string& why) { failures.push_back(why); }));
    EXPECT_EQ(ids(page({})), range(1, 1));
    ASSERT_EQ(failures.size(), 1u);
}

TEST_P(ArchiveStoreTest, Xep0313_4_1_2_TimeWindowPagedBothWays) {
    fill();
    ArchiveQuery q;
    q.start_us = 1003'000'000LL;
    q.end_us = 1008'000'000LL;
    q.max = 2;
    EXPECT_EQ(ids(page(q)), range(3, 4));
    q.rsm_after = "id-6";
    auto p = page(q);
    EXPECT_EQ(ids(p), range(7, 8));
    EXPECT_TRUE(p.complete);
    q.rsm_after.reset();
    q.rsm_before = "";
    EXPECT_EQ(ids(page(q)), range(7, 8));
    q.with = kBob;
    EXPECT_EQ(ids(page(q)), (std::vector<std::string>{"id-5", "id-7"}));
}

TEST_P(ArchiveStoreTest, Xep0059_2_1_FirstPageThenAfter) {
    fill();
    ArchiveQuery q;
    q.max = 4;
    auto p1 = page(q);
    EXPECT_EQ(ids(p1), range(1, 4));
    EXPECT_FALSE(p1.complete);
    q.rsm_after = "id-4";
    auto p2 = page(q);
    EXPECT_EQ(ids(p2), range(5, 8));
    EXPECT_FALSE(p2.complete);
    q.rsm_after = "id-8";
    auto p3 = page(q);
    EXPECT_EQ(ids(p3), range(9, 10));
    EXPECT_TRUE(p3.complete);
}

TEST_P(ArchiveStoreTest, Xep0313_4_3_ExactlyFullLastPageIsComplete) {
    fill();
    ArchiveQuery q;
    q.max = 5;
    q.rsm_after = "id-5";
    auto p = page(q);
    EXPECT_EQ(ids(p), range(6, 10));
    EXPECT_TRUE(p.complete);
}

TEST_P(ArchiveStoreTest, Xep0059_2_5_LastPageAndPagingBackwards) {
    fill();
    ArchiveQuery q;
    q.max = 4;
    q.rsm_before = "";
    auto p1 = page(q);
    EXPECT_EQ(ids(p1), range(7, 10));  // still chronological within the page
    EXPECT_FALSE(p1.complete);
    q.rsm_before = "id-7";
    auto p2 = page(q);
    EXPECT_EQ(ids(p2), range(3, 6));
    EXPECT_FALSE(p2.complete);
    q.rsm_before = "id-3";
    auto p3 = page(q);
    EXPECT_EQ(ids(p3), range(1, 2));
    EXPECT_TRUE(p3.complete);
}

TEST_P(ArchiveStoreTest, Xep0313_4_1_1_WithBareJidMatchesEveryResource) {
    fill();
    ArchiveQuery q;
    q.with = kBob;
    EXPECT_EQ(ids(page(q)), (std::vector<std::string>{"id-1", "id-3", "id-5", "id-7", "id-9"}));
    q.with_resource = "phone";
    EXPECT_EQ(ids(page(q)), (std::vector<std::string>{"id-1", "id-5", "id-9"}));
}

TEST_P(ArchiveStoreTest, Xep0313_4_1_1_WithAndPaging) {
    fill();
    ArchiveQuery q;
    q.with = kCarol;
    q.max = 2;
    q.rsm_before = "";
    auto p = page(q);
    EXPECT_EQ(ids(p), (std::vector<std::string>{"id-8", "id-10"}));
    EXPECT_FALSE(p.complete);
    q.rsm_before = "id-8";
    p = page(q);
    EXPECT_EQ(ids(p), (std::vector<std::string>{"id-4", "id-6"}));
    q.rsm_before = "id-4";
    p = page(q);
    EXPECT_EQ(ids(p), (std::vector<std::string>{"id-2"}));
    EXPECT_TRUE(p.complete);
}

TEST_P(ArchiveStoreTest, Xep0313_4_1_2_StartAndEndAreInclusive) {
    fill();
    ArchiveQuery q;
    q.start_us = 1003'000'000LL;
    q.end_us = 1006'000'000LL;
    EXPECT_EQ(ids(page(q)), range(3, 6));
    q.end_us.reset();
    q.start_us = 1009'500'000LL;
    EXPECT_EQ(ids(page(q)), range(10, 10));
}

TEST_P(ArchiveStoreTest, Xep0313_4_1_3_AfterIdAndBeforeIdAreExclusive) {
    fill();
    ArchiveQuery q;
    q.after_id = "id-2";
    q.before_id = "id-6";
    EXPECT_EQ(ids(page(q)), range(3, 5));
    // RSM after on top of after-id: the narrower bound wins.
    q.rsm_after = "id-3";
    EXPECT_EQ(ids(page(q)), range(4, 5));
}

TEST_P(ArchiveStoreTest, Xep0313_4_1_3_Ids) {
    fill();
    ArchiveQuery q;
    q.ids = {"id-7", "id-2"};
    EXPECT_EQ(ids(page(q)), (std::vector<std::string>{"id-2", "id-7"}));
    q.with = kBob;  // other filters still apply
    EXPECT_EQ(ids(page(q)), (std::vector<std::string>{"id-7"}));
}

TEST_P(ArchiveStoreTest, Xep0313_4_1_3_UnknownIdIsNotFound) {
    fill();
    for (int which = 0; which < 5; ++which) {
        ArchiveQuery q;
        switch (which) {
            case 0: q.after_id = "nope"; break;
            case 1: q.before_id = "nope"; break;
            case 2: q.rsm_after = "nope"; break;
            case 3: q.rsm_before = "nope"; break;
            default: q.ids = {"id-1", "nope"}; break;
        }
        EXPECT_FALSE(run(archive().query(kAlice, q)).has_value()) << which;
    }
}

TEST_P(ArchiveStoreTest, Xep0313_6_ArchivesAreSeparate) {
    fill();
    run(archive().append(kBob, entry(11, kAlice, 1'000'000)));
    run(archive().append(kRoom, entry(12, kRoom, 1'000'000, "thirdwitch")));
    // An id of another archive is unknown here.
    ArchiveQuery q;
    q.rsm_after = "id-11";
    EXPECT_FALSE(run(archive().query(kAlice, q)).has_value());
    auto room = run(archive().query(kRoom, {}));
    ASSERT_TRUE(room);
    ASSERT_EQ(room->items.size(), 1u);
    EXPECT_EQ(room->items[0].with_resource, "thirdwitch");
}

TEST_P(ArchiveStoreTest, MaxZeroReturnsNothingAndSaysWhetherMoreExist) {
    ArchiveQuery q;
    q.max = 0;
    EXPECT_TRUE(page(q).complete);
    fill();
    auto p = page(q);
    EXPECT_TRUE(p.items.empty());
    EXPECT_FALSE(p.complete);
}

TEST_P(ArchiveStoreTest, Xep0313_5_Ends) {
    fill();
    auto e = run(archive().ends(kAlice));
    ASSERT_TRUE(e);
    EXPECT_EQ(e->first.id, "id-1");
    EXPECT_EQ(e->first.timestamp_us, 1001'000'000LL);
    EXPECT_EQ(e->second.id, "id-10");
    EXPECT_EQ(e->second.timestamp_us, 1010'000'000LL);
}

TEST_P(ArchiveStoreTest, RemoveAllOnlyThatArchive) {
    fill();
    run(archive().append(kBob, entry(11, kAlice, 1'000'000)));
    EXPECT_EQ(run(archive().remove_all(kAlice)), 10u);
    EXPECT_TRUE(page({}).items.empty());
    EXPECT_EQ(run(archive().query(kBob, {}))->items.size(), 1u);
}

TEST_P(ArchiveStoreTest, Xep0425_ReplaceStanzaKeepsThePlaceOfTheEntry) {
    fill();
    run(archive().append(kRoom, entry(11, kRoom, 1'000'000)));
    EXPECT_TRUE(run(archive().replace_stanza(kAlice, "id-4", "<message id='m4'><retracted/></message>")));
    EXPECT_FALSE(run(archive().replace_stanza(kAlice, "no-such-id", "<x/>")));
    EXPECT_FALSE(run(archive().replace_stanza(kAlice, "id-11", "<x/>")));  // another archive's
    auto all = page({});
    ASSERT_EQ(ids(all), range(1, 10));
    EXPECT_EQ(all.items[3].stanza, "<message id='m4'><retracted/></message>");
    EXPECT_EQ(all.items[3].timestamp_us, 1004 * 1'000'000LL);
    EXPECT_EQ(all.items[3].with, kCarol);
    EXPECT_EQ(all.items[2].stanza, entry(3, kBob, 0).stanza);
    EXPECT_EQ(run(archive().query(kRoom, {}))->items.front().stanza, entry(11, kRoom, 0).stanza);
}

TEST_P(ArchiveStoreTest, AccountRemovalDeletesTheArchive) {
    ASSERT_TRUE(run(accounts().create(kAlice, fake_credentials('a'))));
    fill();
    ASSERT_TRUE(run(accounts().remove(kAlice)));
    EXPECT_TRUE(page({}).items.empty());
}

TEST_P(ArchiveStoreTest, Xep0313_3_2_PurgeDeletesTheOldestOnly) {
    run(archive().append(kAlice, entry(1, kBob, 100)));
    run(archive().append(kAlice, entry(2, kBob, 150)));
    run(archive().append(kAlice, entry(3, kBob, 300)));
    run(archive().append(kAlice, entry(4, kBob, 250)));  // stored as 300: no hole later
    run(archive().append(kBob, entry(5, kAlice, 100)));
    run(archive().append(kCarol, entry(6, kAlice, 500)));
    EXPECT_EQ(run(archive().purge_before(200)), 3u);  // alice 1-2, bob 5
    EXPECT_EQ(ids(page({})), range(3, 4));
    EXPECT_EQ(run(archive().purge_before(301)), 2u);
    EXPECT_TRUE(page({}).items.empty());
    EXPECT_TRUE(run(archive().query(kBob, {}))->items.empty());
    EXPECT_EQ(run(archive().query(kCarol, {}))->items.size(), 1u);
}

TEST_P(ArchiveStoreTest, ConcurrentAppendsAllLandInCallOrder) {
    // Many appends in flight at once (a busy server): each completes, and the
    // archive order is the order of the calls.
    int done = 0;
    for (int i = 1; i <= 50; ++i) {
        boost::asio::co_spawn(
            ioc_,
            [](ArchiveStore& a, ArchiveEntry e, int& done) -> boost::asio::awaitable<void> {
                auto r = co_await a.append(kAlice, e);
                EXPECT_TRUE(r.ok());
                ++done;
            }(archive(), entry(i, kBob, i), done),
            boost::asio::detached);
    }
    ioc_.restart();
    ioc_.run();
    EXPECT_EQ(done, 50);
    ArchiveQuery q;
    q.max = 100;
    EXPECT_EQ(ids(page(q)), range(1, 50));
}

TEST_P(ArchiveStoreTest, SurvivesReopen) {
    fill();
    reopen();
    EXPECT_EQ(ids(page({})), range(1, 10));
}

PARLEY_STORAGE_SUITE(ArchiveStoreTest);

}  // namespace
}  // namespace parley::storage::test
