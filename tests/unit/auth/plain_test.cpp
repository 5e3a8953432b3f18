// PLAIN server (RFC 4616), as used by RFC 6120 §6.
#include <gtest/gtest.h>

#include <string>

#include "auth/credentials.hpp"
#include "auth/sasl.hpp"

namespace parley::auth {
namespace {

using Kind = SaslStep::Kind;
using namespace std::string_literals;

const Credentials& juliet() {
    static const Credentials c = derive_credentials("r0m30myr0m30", 64).value();
    return c;
}

std::unique_ptr<Mechanism> plain() {
    auto m = make_mechanism("PLAIN", true, {});
    EXPECT_NE(m, nullptr);
    return m;
}

SaslStep run(std::string_view message, const std::optional<Credentials>& creds = juliet()) {
    auto m = plain();
    SaslStep s = m->step(message);
    if (s.kind != Kind::need_credentials) {
        return s;
    }
    EXPECT_EQ(s.username, "juliet");
    return m->credentials(creds);
}

TEST(Plain, Rfc6120_6_4_Success) {
    SaslStep s = run("\0juliet\0r0m30myr0m30"s);
    ASSERT_EQ(s.kind, Kind::success) << s.text;
    EXPECT_EQ(s.username, "juliet");
    EXPECT_EQ(s.authzid, "");
    EXPECT_EQ(s.data, "");
}

TEST(Plain, Rfc4616_2_AuthzidIsReturned) {
    SaslStep s = run("juliet@example.com\0juliet\0r0m30myr0m30"s);
    ASSERT_EQ(s.kind, Kind::success) << s.text;
    EXPECT_EQ(s.authzid, "juliet@example.com");
}

TEST(Plain, WrongPasswordIsNotAuthorized) {
    SaslStep s = run("\0juliet\0wrong"s);
    EXPECT_EQ(s.kind, Kind::failure);
    EXPECT_EQ(s.failure, SaslFailure::not_authorized);
    EXPECT_EQ(s.text.find("wrong\0"s), std::string::npos);
}

TEST(Plain, UnknownUserIsNotAuthorized) {
    SaslStep s = run("\0juliet\0r0m30myr0m30"s, std::nullopt);
    EXPECT_EQ(s.kind, Kind::failure);
    EXPECT_EQ(s.failure, SaslFailure::not_authorized);
}

TEST(Plain, FallsBackToSha1Keys) {
    Credentials c = juliet();
    c.sha256 = ScramKeys{};
    c.sha512 = ScramKeys{};
    EXPECT_EQ(run("\0juliet\0r0m30myr0m30"s, c).kind, Kind::success);
    EXPECT_EQ(run("\0juliet\0wrong"s, c).kind, Kind::failure);
}

TEST(Plain, NoKeysAtAllIsNotAuthorized) {
    SaslStep s = run("\0juliet\0r0m30myr0m30"s, Credentials{});
    EXPECT_EQ(s.kind, Kind::failure);
    EXPECT_EQ(s.failure, SaslFailure::not_authorized);
}

TEST(Plain, Rfc4616_2_MalformedMessages) {
    const std::string malformed[] = {
        "\0\0r0m30myr0m30"s,           // empty authcid
        "\0juliet\0"s,                 // empty password
        "juliet\0r0m30myr0m30"s,       // one NUL
        "julietr0m30myr0m30"s,         // no NUL
        "\0juliet\0r0m30\0myr0m30"s,   // three NULs
    };
    for (const auto& msg : malformed) {
        SaslStep s = run(msg);
        EXPECT_EQ(s.kind, Kind::failure);
        EXPECT_EQ(s.failure, SaslFailure::malformed_request) << s.text;
    }
}

TEST(Plain, Rfc6120_6_4_2_NoInitialResponseGetsEmptyChallenge) {
    auto m = plain();
    SaslStep s = m->step("");
    ASSERT_EQ(s.kind, Kind::challenge);
    EXPECT_EQ(s.data, "");
    ASSERT_EQ(m->step("\0juliet\0r0m30myr0m30"s).kind, Kind::need_credentials);
    EXPECT_EQ(m->credentials(juliet()).kind, Kind::success);
}

TEST(Plain, AnyStepAfterTheEndFails) {
    auto m = plain();
    ASSERT_EQ(m->step("\0juliet\0r0m30myr0m30"s).kind, Kind::need_credentials);
    ASSERT_EQ(m->credentials(juliet()).kind, Kind::success);
    EXPECT_EQ(m->step("\0juliet\0r0m30myr0m30"s).kind, Kind::failure);
    EXPECT_EQ(m->credentials(juliet()).kind, Kind::failure);

    m = plain();
    ASSERT_EQ(m->step("\0juliet\0"s).kind, Kind::failure);
    EXPECT_EQ(m->step("\0juliet\0r0m30myr0m30"s).kind, Kind::failure);
}

TEST(Plain, CredentialsOutOfTurnFails) {
    auto m = plain();
    EXPECT_EQ(m->credentials(juliet()).kind, Kind::failure);
}

}  // namespace
}  // namespace parley::auth
