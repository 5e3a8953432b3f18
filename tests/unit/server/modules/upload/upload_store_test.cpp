// XEP-0363 slots and files: signed slot URLs, file names, Range parsing
// (RFC 9110 §14.1.2), the file store's commit, quota accounting and expiry.
#include "modules/upload/upload_store.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "modules/upload/upload_service.hpp"

namespace parley::mod::upload {
namespace {

namespace fs = std::filesystem;

Slot sample() {
    Slot s;
    s.id = new_slot_id();
    s.filename = "très cool.jpg";
    s.size = 23456;
    s.content_type = "image/jpeg";
    s.owner = "juliet@capulet.lit";
    s.expires = 1700000000;
    return s;
}

TEST(UploadSlot, Xep0363_4_SignedQueryVerifiesAndCarriesTheTerms) {
    const Slot s = sample();
    const auto q = sign_query(s, "key");
    auto back = verify_query(s.id, s.filename, q, "key");
    ASSERT_TRUE(back);
    EXPECT_EQ(back->owner, s.owner);
    EXPECT_EQ(back->size, s.size);
    EXPECT_EQ(back->content_type, s.content_type);
    EXPECT_EQ(back->expires, s.expires);
}

TEST(UploadSlot, AnyChangedTermOrKeyFailsVerification) {
    const Slot s = sample();
    const auto q = sign_query(s, "key");
    EXPECT_FALSE(verify_query(s.id, s.filename, q, "other key"));
    EXPECT_FALSE(verify_query(new_slot_id(), s.filename, q, "key"));
    EXPECT_FALSE(verify_query(s.id, "other.jpg", q, "key"));
    std::string bigger = q;
    bigger.replace(bigger.find("l=23456"), 7, "l=99999");
    EXPECT_FALSE(verify_query(s.id, s.filename, bigger, "key"));
    std::string later = q;
    later.replace(later.find("e=1700000000"), 12, "e=1800000000");
    EXPECT_FALSE(verify_query(s.id, s.filename, later, "key"));
    EXPECT_FALSE(verify_query(s.id, s.filename, "o=x&l=1", "key"));
}

TEST(UploadSlot, IdsAreUnguessableBase64Url) {
    const auto a = new_slot_id();
    EXPECT_TRUE(valid_slot_id(a));
    EXPECT_NE(a, new_slot_id());
    EXPECT_FALSE(valid_slot_id("../../../../etc/passwd"));
    EXPECT_FALSE(valid_slot_id(".tmp"));
}

TEST(UploadSlot, FileNamesCannotEscapeOrHide) {
    EXPECT_EQ(sanitize_filename("a/b\\c"), "a_b_c");
    EXPECT_EQ(sanitize_filename(".."), "_.");
    EXPECT_EQ(sanitize_filename("x\ny"), "x_y");
    EXPECT_EQ(sanitize_filename(std::string(300, 'a')).size(), 200u);
    // Cut on a UTF-8 boundary: 199 ASCII bytes then a two-byte 'é'.
    EXPECT_EQ(sanitize_filename(std::string(199, 'a') + "é").size(), 199u);
}

TEST(UploadRange, Rfc9110_14_1_2_Forms) {
    auto r = parse_range("bytes=10-19", 100);
    EXPECT_EQ(r.kind, ByteRange::Kind::range);
    EXPECT_EQ(r.begin, 10u);
    EXPECT_EQ(r.end, 20u);
    r = parse_range("bytes=90-", 100);
    EXPECT_EQ(r.begin, 90u);
    EXPECT_EQ(r.end, 100u);
    r = parse_range("bytes=-5", 100);
    EXPECT_EQ(r.begin, 95u);
    EXPECT_EQ(r.end, 100u);
    r = parse_range("bytes=-500", 100);
    EXPECT_EQ(r.begin, 0u);
    r = parse_range("bytes=50-5000", 100);
    EXPECT_EQ(r.end, 100u);
    EXPECT_EQ(parse_range("bytes=100-", 100).kind, ByteRange::Kind::unsatisfiable);
    EXPECT_EQ(parse_range("bytes=-0", 100).kind, ByteRange::Kind::unsatisfiable);
    // Ignored (the whole file is served): other units, several ranges, nonsense.
    EXPECT_EQ(parse_range("items=1-2", 100).kind, ByteRange::Kind::none);
    EXPECT_EQ(parse_range("bytes=1-2,5-6", 100).kind, ByteRange::Kind::none);
    EXPECT_EQ(parse_range("bytes=9-3", 100).kind, ByteRange::Kind::none);
    EXPECT_EQ(parse_range("bytes=x-", 100).kind, ByteRange::Kind::none);
}

TEST(UploadMeta, RoundTrips) {
    StoredFile f{"romeo@montague.lit", "audio/ogg", "voice note.ogg", 1234, 1700000000};
    auto back = parse_meta(write_meta(f));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->owner, f.owner);
    EXPECT_EQ(back->content_type, f.content_type);
    EXPECT_EQ(back->filename, f.filename);
    EXPECT_EQ(back->size, f.size);
    EXPECT_EQ(back->created, f.created);
    EXPECT_FALSE(parse_meta("garbage"));
}

class FileStoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("parley-upload-" + new_slot_id());
    }
    void TearDown() override { fs::remove_all(dir_); }

    std::string add(FileStore& store, const std::string& owner, std::uint64_t size, std::int64_t created) {
        Slot s;
        s.id = new_slot_id();
        s.owner = owner;
        s.size = size;
        auto temp = store.make_temp(s.id);
        EXPECT_TRUE(temp);
        std::ofstream(fs::path(*temp) / "data") << std::string(size, 'x');
        auto r = store.commit(*temp, s, {owner, "application/octet-stream", "f", size, created});
        EXPECT_TRUE(r);
        return s.id;
    }

    fs::path dir_;
};

TEST_F(FileStoreTest, QuotaUsageSurvivesReopenAndSweepRemovesOldThenOversize) {
    {
        auto store = FileStore::open({dir_.string(), 0, 100, 250});
        ASSERT_TRUE(store);
        add(**store, "a@x", 100, 1000);
        add(**store, "a@x", 100, 2000);
        add(**store, "b@x", 100, 2050);
        EXPECT_EQ((*store)->usage("a@x"), 200u);
    }
    auto store = FileStore::open({dir_.string(), 0, 100, 250});
    ASSERT_TRUE(store);
    EXPECT_EQ((*store)->usage("a@x"), 200u);
    EXPECT_EQ((*store)->total(), 300u);
    // At 2060: the file of 1000 is too old; the rest (200) fits in 250.
    EXPECT_EQ((*store)->sweep(2060), 1u);
    EXPECT_EQ((*store)->usage("a@x"), 100u);
    EXPECT_EQ((*store)->total(), 200u);
}

TEST_F(FileStoreTest, ASlotIsCommittedOnce) {
    auto store = FileStore::open({dir_.string(), 0, 0, 0});
    ASSERT_TRUE(store);
    Slot s;
    s.id = new_slot_id();
    s.owner = "a@x";
    s.size = 1;
    for (int i = 0; i < 2; ++i) {
        auto temp = (*store)->make_temp(s.id);
        ASSERT_TRUE(temp);
        std::ofstream(fs::path(*temp) / "data") << "x";
        auto r = (*store)->commit(*temp, s, {"a@x", "t", "f", 1, 1});
        EXPECT_EQ(r.ok(), i == 0);
        if (!r) {
            (*store)->discard(*temp);
        }
    }
    EXPECT_EQ((*store)->usage("a@x"), 1u);
}

}  // namespace
}  // namespace parley::mod::upload
