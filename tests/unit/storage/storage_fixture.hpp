// The fixture of the storage conformance suites (STYLE.md b.5, b.10): every
// suite is a TEST_P over backends(), written against the abstract interfaces
// and opened through open_storage() on a fresh temporary database.
// To add a backend, add its name to backends() (and what options() needs).
#pragma once

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "storage/stores.hpp"
#include "unit/storage/run_sync.hpp"

namespace parley::storage::test {

inline std::vector<std::string> backends() { return {"sqlite"}; }

// A fresh directory under the system temp dir, removed with its contents.
class TempDir {
public:
    TempDir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "parley-storage-XXXXXX");
        if (mkdtemp(tmpl.data()) == nullptr) {
            throw std::runtime_error("mkdtemp failed for " + tmpl);
        }
        path_ = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

class StorageTest : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override { open(); }
    void TearDown() override { storage_.reset(); }

    StorageOptions options() const {
        StorageOptions opts;
        opts.backend = GetParam();
        opts.sqlite_path = (dir_.path() / "parley.sqlite").string();
        return opts;
    }

    void open() {
        auto r = open_storage(options());
        ASSERT_TRUE(r.ok()) << r.error().message;
        storage_ = std::move(r).value();
    }

    // Closes the database and opens it again: what a server restart sees.
    void reopen() {
        storage_.reset();
        open();
    }

    // Awaits a store call; a store error fails the test with its message.
    template <class T>
    T run(Task<T> task) {
        auto r = run_sync(ioc_, std::move(task));
        if (!r.ok()) {
            throw std::runtime_error("store error: " + r.error().message);
        }
        return std::move(r).value();
    }

    AccountStore& accounts() { return storage_->accounts(); }
    RosterStore& roster() { return storage_->roster(); }
    OfflineStore& offline() { return storage_->offline(); }
    KeyValStore& keyval() { return storage_->keyval(); }
    MucStore& muc() { return storage_->muc(); }
    ArchiveStore& archive() { return storage_->archive(); }
    PubSubStore& pubsub() { return storage_->pubsub(); }
    FastTokenStore& fast_tokens() { return storage_->fast_tokens(); }

    boost::asio::io_context ioc_;
    TempDir dir_;
    std::unique_ptr<Storage> storage_;  // last: closed before dir_ is removed
};

// Fake key material (no KDF needed): distinct per seed, with NUL and 0xff
// bytes so that BLOB handling is exercised.
inline auth::Credentials fake_credentials(char seed) {
    auto bytes = [&](char tag, std::size_t n) {
        std::string s(n, '\0');
        for (std::size_t i = 0; i < n; ++i) {
            s[i] = static_cast<char>((i % 3 == 0) ? 0 : (seed + tag + static_cast<char>(i)));
        }
        s.back() = static_cast<char>(0xff);
        return s;
    };
    auth::Credentials c;
    c.sha1 = {bytes('a', 16), 4096, bytes('b', 20), bytes('c', 20)};
    c.sha256 = {bytes('d', 16), 5000, bytes('e', 32), bytes('f', 32)};
    c.sha512 = {bytes('g', 16), 10000 + seed, bytes('h', 64), bytes('i', 64)};
    return c;
}

inline RosterItem roster_item(std::string jid, std::vector<std::string> groups = {}) {
    RosterItem item;
    item.jid = std::move(jid);
    item.groups = std::move(groups);
    return item;
}

inline void expect_same_keys(const auth::ScramKeys& a, const auth::ScramKeys& b) {
    EXPECT_EQ(a.salt, b.salt);
    EXPECT_EQ(a.iterations, b.iterations);
    EXPECT_EQ(a.stored_key, b.stored_key);
    EXPECT_EQ(a.server_key, b.server_key);
}

inline void expect_same_credentials(const auth::Credentials& a, const auth::Credentials& b) {
    expect_same_keys(a.sha1, b.sha1);
    expect_same_keys(a.sha256, b.sha256);
    expect_same_keys(a.sha512, b.sha512);
}

}  // namespace parley::storage::test

// Instantiates a TEST_P suite over every backend, named after the backend.
#define PARLEY_STORAGE_SUITE(Suite)                                                       \
    INSTANTIATE_TEST_SUITE_P(Backends, Suite,                                             \
                             ::testing::ValuesIn(::parley::storage::test::backends()),    \
                             [](const ::testing::TestParamInfo<std::string>& info) {      \
                                 return info.param;                                       \
                             })
