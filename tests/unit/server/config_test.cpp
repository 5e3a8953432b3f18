#include "core/config.hpp"
#include "core/module.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace parley {
namespace {

class ConfigFile : public ::testing::Test {
protected:
    std::string write(const std::string& text) {
        path_ = std::filesystem::temp_directory_path() /
                ("parley-config-" + std::to_string(::getpid()) + ".toml");
        std::ofstream(path_) << text;
        return path_.string();
    }
    void TearDown() override { std::filesystem::remove(path_); }
    std::filesystem::path path_;
};

TEST_F(ConfigFile, DefaultsMatchDesign) {
    auto c = default_config();
    EXPECT_EQ(c.hosts, std::vector<std::string>{"localhost"});
    EXPECT_EQ(c.c2s.port, 5222);
    EXPECT_EQ(c.c2s_direct_tls.port, 5223);
    EXPECT_TRUE(c.require_encryption);
    EXPECT_EQ(c.max_stanza_size, 256u * 1024);
    EXPECT_EQ(c.sqlite_file(), "./data/parley.sqlite");
}

TEST_F(ConfigFile, ReadsSettings) {
    auto c = load_config(write(R"(
hosts = ["Example.ORG"]
data_dir = "/tmp/x"
[c2s]
port = 15222
require_encryption = false
[modules.offline]
max_messages = 7
[modules.register]
allow_registration = true
[components]
secrets = { "gw.example.org" = "pw" }
)"));
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->hosts, std::vector<std::string>{"example.org"});  // normalized
    EXPECT_EQ(c->c2s.port, 15222);
    EXPECT_FALSE(c->require_encryption);
    EXPECT_EQ(ModuleConfig(c->module_settings.at("offline")).get_int("max_messages", 0), 7);
    EXPECT_TRUE(ModuleConfig(c->module_settings.at("register")).get_bool("allow_registration", false));
    ASSERT_EQ(c->components.size(), 1u);
    EXPECT_EQ(c->components[0].domain, "gw.example.org");
}

TEST_F(ConfigFile, UnknownSettingNamesItsLine) {
    auto c = load_config(write("hosts = [\"a.example\"]\n\n[c2s]\nprot = 5\n"));
    ASSERT_FALSE(c);
    EXPECT_NE(c.error().message.find(":4: unknown setting 'c2s.prot'"), std::string::npos)
        << c.error().message;
}

TEST_F(ConfigFile, SyntaxErrorNamesItsLine) {
    auto c = load_config(write("hosts = [\"a.example\"\nworkers = 2\n"));
    ASSERT_FALSE(c);
    EXPECT_NE(c.error().message.find(".toml:"), std::string::npos) << c.error().message;
}

TEST_F(ConfigFile, WrongTypeIsExplained) {
    auto c = load_config(write("workers = \"two\"\n"));
    ASSERT_FALSE(c);
    EXPECT_NE(c.error().message.find(":1: setting 'workers' must be a non-negative whole number"),
              std::string::npos)
        << c.error().message;
}

TEST_F(ConfigFile, InvalidHostIsRefused) {
    auto c = load_config(write("hosts = [\"bad host\"]\n"));
    ASSERT_FALSE(c);
    EXPECT_NE(c.error().message.find("not a valid domain"), std::string::npos);
}

TEST_F(ConfigFile, UnknownModuleSettingNamesItsLine) {
    auto c = load_config(write("[modules.offline]\nmax_messages = 5\nmax_mesages = 5\n"));
    ASSERT_FALSE(c);
    EXPECT_NE(c.error().message.find(":3: unknown setting 'modules.offline.max_mesages'"),
              std::string::npos)
        << c.error().message;
}

TEST_F(ConfigFile, UnknownModuleTableNamesItsLine) {
    auto c = load_config(write("hosts = [\"a.example\"]\n[modules.offlin]\nmax_messages = 5\n"));
    ASSERT_FALSE(c);
    EXPECT_NE(c.error().message.find("unknown module 'modules.offlin'"), std::string::npos)
        << c.error().message;
}

TEST_F(ConfigFile, MissingFileIsExplained) {
    auto c = load_config("/nonexistent/parley.toml");
    ASSERT_FALSE(c);
    EXPECT_NE(c.error().message.find("/nonexistent/parley.toml"), std::string::npos);
}

}  // namespace
}  // namespace parley

namespace parley {
namespace {

TEST_F(ConfigFile, S2sDefaultsRequireCertificates) {
    // DESIGN.md "Security defaults": certificate verification, dialback only
    // where the operator allows it; RFC 6120 §14.7 port 5269.
    auto c = default_config();
    EXPECT_EQ(c.s2s.listener.port, 5269);
    EXPECT_EQ(c.s2s.direct_tls.port, 0);
    EXPECT_EQ(c.s2s.default_auth, S2sAuth::certificate);
    EXPECT_EQ(c.s2s.auth_for("anywhere.example"), S2sAuth::certificate);
    EXPECT_TRUE(c.s2s.routes.empty());
}

TEST_F(ConfigFile, S2sRoutesAndPerDomainPolicy) {
    auto c = load_config(write(R"(
[s2s]
port = 15269
direct_tls_port = 15270
auth = "dialback"
connect_timeout = 3
routes = { "B.Test" = "127.0.0.1:5300", "c.test" = "tls://[::1]:5301", "d.test" = "relay.d.test" }
domains = { "legacy.test" = "insecure", "bank.test" = "certificate" }
)"));
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->s2s.listener.port, 15269);
    EXPECT_EQ(c->s2s.direct_tls.port, 15270);
    EXPECT_EQ(c->s2s.connect_timeout, 3u);
    EXPECT_EQ(c->s2s.auth_for("other.test"), S2sAuth::dialback);
    EXPECT_EQ(c->s2s.auth_for("legacy.test"), S2sAuth::insecure);
    EXPECT_EQ(c->s2s.auth_for("bank.test"), S2sAuth::certificate);
    // Domains are normalized (RFC 7622 §3.2); a route without a port uses 5269.
    ASSERT_EQ(c->s2s.routes.size(), 3u);
    const auto& b = c->s2s.routes.at("b.test");
    EXPECT_EQ(b.host, "127.0.0.1");
    EXPECT_EQ(b.port, 5300);
    EXPECT_FALSE(b.direct_tls);
    const auto& d = c->s2s.routes.at("c.test");
    EXPECT_EQ(d.host, "::1");
    EXPECT_EQ(d.port, 5301);
    EXPECT_TRUE(d.direct_tls);
    EXPECT_EQ(c->s2s.routes.at("d.test").port, 5269);
}

TEST_F(ConfigFile, S2sBadValuesSayWhatIsWrong) {
    auto bad_auth = load_config(write("[s2s]\nauth = \"trust-me\"\n"));
    ASSERT_FALSE(bad_auth);
    EXPECT_NE(bad_auth.error().message.find("s2s.auth"), std::string::npos) << bad_auth.error().message;
    EXPECT_NE(bad_auth.error().message.find("\"dialback\""), std::string::npos);

    auto bad_port = load_config(write("[s2s]\nroutes = { \"b.test\" = \"host:99999\" }\n"));
    ASSERT_FALSE(bad_port);
    EXPECT_NE(bad_port.error().message.find(":2: s2s.routes.\"b.test\""), std::string::npos)
        << bad_port.error().message;

    auto bad_policy = load_config(write("[s2s]\ndomains = { \"b.test\" = 1 }\n"));
    ASSERT_FALSE(bad_policy);
    EXPECT_NE(bad_policy.error().message.find("string value"), std::string::npos);

    auto unknown = load_config(write("[s2s]\nprot = 1\n"));
    ASSERT_FALSE(unknown);
    EXPECT_NE(unknown.error().message.find("unknown setting 's2s.prot'"), std::string::npos);
}

}  // namespace
}  // namespace parley

namespace parley {
namespace {

TEST(ModuleConfigTest, GetListSplitsOnCommasAndTrims) {
    ModuleConfig c(ModuleConfig::Values{{"a", " mailto:x@y , xmpp:z@w,, "}, {"b", ""}});
    EXPECT_EQ(c.get_list("a"), (std::vector<std::string>{"mailto:x@y", "xmpp:z@w"}));
    EXPECT_TRUE(c.get_list("b").empty());
    EXPECT_TRUE(c.get_list("missing").empty());
}

class HttpConfigFile : public ::testing::Test {
protected:
    std::string write(const std::string& text) {
        // One file per test: ctest runs the tests of this suite in parallel.
        path_ = ::testing::TempDir() + "/parley_http_config_" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".toml";
        std::ofstream(path_) << text;
        return path_;
    }
    std::string path_;
};

TEST_F(HttpConfigFile, DefaultsAndBaseUrl) {
    Config c = default_config();
    EXPECT_EQ(c.http.https.port, 5281);
    EXPECT_EQ(c.http.http.port, 0);
    EXPECT_EQ(c.http.http.bind, "127.0.0.1");
    EXPECT_EQ(c.http.base_url("example.org"), "https://example.org:5281");
    c.http.external_url = "https://upload.example.org/";
    EXPECT_EQ(c.http.base_url("example.org"), "https://upload.example.org");
}

TEST_F(HttpConfigFile, ReadsSettingsAndRefusesUnknownOnesWithTheirLine) {
    auto c = load_config(write("[http]\nport = 8443\nhttp_port = 8080\nexternal_url = "
                               "\"https://files.example.org\"\nbody_timeout = 5\n"));
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->http.https.port, 8443);
    EXPECT_EQ(c->http.http.port, 8080);
    EXPECT_EQ(c->http.body_timeout, 5u);
    auto bad = load_config(write("[http]\nport = 1\nprot = 2\n"));
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find(":3: unknown setting 'http.prot'"), std::string::npos)
        << bad.error().message;
    auto url = load_config(write("[http]\nexternal_url = \"ftp://x\"\n"));
    ASSERT_FALSE(url);
}

TEST_F(HttpConfigFile, ModuleSettingsOfUploadAndProxyAreChecked) {
    auto ok = load_config(write("[modules.upload]\nmax_file_size = 10\n[modules.proxy65]\nport = 7777\n"));
    ASSERT_TRUE(ok) << ok.error().message;
    auto bad = load_config(write("[modules.upload]\nmax_filesize = 10\n"));
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("unknown setting 'modules.upload.max_filesize'"),
              std::string::npos);
}

}  // namespace
}  // namespace parley
