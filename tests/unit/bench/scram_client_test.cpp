// parley-bench's SCRAM client (RFC 5802 §3, §5) against the RFC 7677 §3 and
// RFC 5802 §5 examples, and against Parley's own server-side mechanism.
#include <gtest/gtest.h>

#include "auth/base64.hpp"
#include "auth/sasl.hpp"
#include "parley-bench/scram_client.hpp"

namespace parley::bench {
namespace {

TEST(ScramClient, Rfc7677_3_Sha256Example) {
    ScramCache cache;
    ScramClient c(auth::Hash::sha256, "user", "pencil", cache, "rOprNGfwEbeRWgbNEkqO");
    EXPECT_EQ(c.first(), "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
    std::string error;
    auto final = c.final("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                         "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
                         &error);
    ASSERT_TRUE(final.has_value()) << error;
    EXPECT_EQ(*final, "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                      "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
    EXPECT_TRUE(c.verify("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", &error)) << error;
}

TEST(ScramClient, Rfc5802_5_Sha1Example) {
    ScramCache cache;
    ScramClient c(auth::Hash::sha1, "user", "pencil", cache, "fyko+d2lbbFgONRv9qkxdawL");
    std::string error;
    auto final = c.final("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
                         &error);
    ASSERT_TRUE(final.has_value()) << error;
    EXPECT_EQ(*final,
              "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=");
    EXPECT_TRUE(c.verify("v=rmF9pqV8S7suAoZWja4dJRkFsKQ=", &error)) << error;
}

TEST(ScramClient, Rfc5802_5_1_RejectsAWrongServerSignature) {
    ScramCache cache;
    ScramClient c(auth::Hash::sha256, "user", "pencil", cache, "rOprNGfwEbeRWgbNEkqO");
    std::string error;
    ASSERT_TRUE(c.final("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                        "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
                        &error));
    EXPECT_FALSE(c.verify("v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", &error));
    EXPECT_NE(error.find("signature"), std::string::npos);
    EXPECT_FALSE(c.verify("e=invalid-proof", &error));
    EXPECT_NE(error.find("invalid-proof"), std::string::npos);
}

TEST(ScramClient, Rfc5802_5_1_RejectsANonceThatDoesNotExtendOurs) {
    ScramCache cache;
    ScramClient c(auth::Hash::sha256, "user", "pencil", cache, "abc");
    std::string error;
    EXPECT_FALSE(c.final("r=xyzdef,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", &error));
    EXPECT_FALSE(c.final("r=abc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", &error));  // nothing added
    EXPECT_FALSE(c.final("r=abcdef,s=W22ZaJ0SNY7soEsUEjb6gQ==", &error));      // no i=
    EXPECT_FALSE(c.final("r=abcdef,s=!!!,i=4096", &error));                    // bad base64
    EXPECT_FALSE(c.final("r=abcdef,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0", &error));
    EXPECT_FALSE(c.final("r=abcdef,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=99999999", &error));
}

TEST(ScramClient, Rfc5802_5_1_EscapesCommaAndEqualsInTheUsername) {
    ScramCache cache;
    ScramClient c(auth::Hash::sha256, "a,b=c", "pencil", cache, "n0nce");
    EXPECT_EQ(c.first(), "n,,n=a=2Cb=3Dc,r=n0nce");
}

TEST(ScramClient, CacheDerivesOncePerSaltAndIterations) {
    ScramCache cache;
    std::string error;
    for (int i = 0; i < 3; ++i) {
        ScramClient c(auth::Hash::sha256, "user", "pencil", cache);
        auto nonce = c.first().substr(c.first().find("r=") + 2);
        ASSERT_TRUE(c.final("r=" + nonce + "srv,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", &error));
    }
    EXPECT_EQ(cache.derivations(), 1u);
    ScramClient other(auth::Hash::sha256, "user", "pencil", cache);
    auto nonce = other.first().substr(other.first().find("r=") + 2);
    ASSERT_TRUE(other.final("r=" + nonce + "srv,s=QSXCR+Q6sek8bf92,i=4096", &error));
    EXPECT_EQ(cache.derivations(), 2u);
}

TEST(ScramClient, LogsInToParleysOwnMechanism) {
    for (auto [h, name] : {std::pair{auth::Hash::sha1, "SCRAM-SHA-1"},
                           std::pair{auth::Hash::sha256, "SCRAM-SHA-256"}}) {
        auto creds = auth::derive_credentials("correct horse", 4096).value();
        auto server = auth::make_mechanism(name, false, {});
        ASSERT_TRUE(server) << name;
        ScramCache cache;
        ScramClient client(h, "alice", "correct horse", cache);
        auto step = server->step(client.first());
        ASSERT_EQ(step.kind, auth::SaslStep::Kind::need_credentials);
        EXPECT_EQ(step.username, "alice");
        step = server->credentials(creds);
        ASSERT_EQ(step.kind, auth::SaslStep::Kind::challenge);
        std::string error;
        auto final = client.final(step.data, &error);
        ASSERT_TRUE(final) << error;
        step = server->step(*final);
        ASSERT_EQ(step.kind, auth::SaslStep::Kind::success) << step.text;
        EXPECT_TRUE(client.verify(step.data, &error)) << error;
    }
}

TEST(ScramClient, WrongPasswordIsRefusedByTheServer) {
    auto creds = auth::derive_credentials("correct horse", 4096).value();
    auto server = auth::make_mechanism("SCRAM-SHA-256", false, {});
    ScramCache cache;
    ScramClient client(auth::Hash::sha256, "alice", "wrong horse", cache);
    ASSERT_EQ(server->step(client.first()).kind, auth::SaslStep::Kind::need_credentials);
    auto step = server->credentials(creds);
    std::string error;
    auto final = client.final(step.data, &error);
    ASSERT_TRUE(final);
    EXPECT_EQ(server->step(*final).kind, auth::SaslStep::Kind::failure);
}

TEST(ScramAttribute, FindsAttributesByName) {
    EXPECT_EQ(scram_attribute("r=abc,s=salt,i=4096", 's'), "salt");
    EXPECT_EQ(scram_attribute("r=abc,s=salt,i=4096", 'i'), "4096");
    EXPECT_EQ(scram_attribute("r=abc", 'r'), "abc");
    EXPECT_FALSE(scram_attribute("r=abc,s=salt", 'v'));
    EXPECT_FALSE(scram_attribute("", 'r'));
}

}  // namespace
}  // namespace parley::bench
