#include "core/config.hpp"

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
