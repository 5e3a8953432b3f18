// SCRAM server: RFC 5802 §5 example, RFC 7677 §3 example, channel binding
// (RFC 5802 §6, RFC 5929, RFC 9266), failure conditions (RFC 6120 §6.5).
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include "auth/base64.hpp"
#include "auth/credentials.hpp"
#include "auth/sasl.hpp"
#include "unit/auth/scram_client.hpp"

namespace parley::auth {
namespace {

using Kind = SaslStep::Kind;
using testing::scram_attr;
using testing::scram_client_final;

constexpr int kFastIterations = 64;

Credentials credentials_from(Hash h, std::string_view password, std::string_view b64_salt,
                             int iterations) {
    Credentials c;
    ScramKeys k = derive_keys(h, password, base64_decode(b64_salt).value(), iterations);
    switch (h) {
    case Hash::sha1:
        c.sha1 = k;
        break;
    case Hash::sha256:
        c.sha256 = k;
        break;
    case Hash::sha512:
        c.sha512 = k;
        break;
    }
    return c;
}

const Credentials& pencil() {
    static const Credentials c = derive_credentials("pencil", kFastIterations).value();
    return c;
}

ChannelBindings fake_bindings() {
    ChannelBindings cb;
    cb.tls_exporter = std::string(32, '\x11');
    cb.tls_server_end_point = std::string("\x00\x01\x02\x03", 4) + std::string(28, '\xee');
    return cb;
}

// Runs client-first + credentials; returns the server-first-message.
std::string server_first(Mechanism& m, std::string_view client_first,
                         const std::optional<Credentials>& creds) {
    SaslStep s = m.step(client_first);
    EXPECT_EQ(s.kind, Kind::need_credentials) << s.text;
    EXPECT_EQ(s.username, "user");
    SaslStep c = m.credentials(creds);
    EXPECT_EQ(c.kind, Kind::challenge) << c.text;
    return c.data;
}

void expect_failure(const SaslStep& s, SaslFailure f) {
    EXPECT_EQ(s.kind, Kind::failure);
    EXPECT_EQ(to_string(s.failure), to_string(f)) << s.text;
}

// Full exchange with the given gs2 header; returns the final step.
SaslStep exchange(Mechanism& m, Hash h, std::string_view password, std::string_view gs2,
                  std::string_view cb_data,
                  const std::optional<Credentials>& creds = pencil()) {
    std::string bare = "n=user,r=clientnonce123";
    std::string first = server_first(m, std::string(gs2) + bare, creds);
    auto final = scram_client_final(h, password, gs2, cb_data, bare, first);
    SaslStep s = m.step(final.message);
    if (s.kind == Kind::success) {
        EXPECT_EQ(s.data, final.expected_success);
    }
    return s;
}

TEST(Scram, Rfc5802_5_Sha1Example) {
    auto m = make_scram_for_test(Hash::sha1, false, {}, "3rfcNHYJY1ZVvWVs7j");
    SaslStep s = m->step("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL");
    ASSERT_EQ(s.kind, Kind::need_credentials);
    EXPECT_EQ(s.username, "user");
    s = m->credentials(credentials_from(Hash::sha1, "pencil", "QSXCR+Q6sek8bf92", 4096));
    ASSERT_EQ(s.kind, Kind::challenge);
    EXPECT_EQ(s.data, "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096");
    s = m->step("c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
                "p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=");
    ASSERT_EQ(s.kind, Kind::success) << s.text;
    EXPECT_EQ(s.data, "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=");
    EXPECT_EQ(s.username, "user");
    EXPECT_EQ(s.authzid, "");
}

TEST(Scram, Rfc7677_3_Sha256Example) {
    auto m = make_scram_for_test(Hash::sha256, false, {}, "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");
    SaslStep s = m->step("n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
    ASSERT_EQ(s.kind, Kind::need_credentials);
    s = m->credentials(credentials_from(Hash::sha256, "pencil", "W22ZaJ0SNY7soEsUEjb6gQ==", 4096));
    ASSERT_EQ(s.kind, Kind::challenge);
    EXPECT_EQ(s.data, "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                      "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
    s = m->step("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
    ASSERT_EQ(s.kind, Kind::success) << s.text;
    EXPECT_EQ(s.data, "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
    EXPECT_EQ(s.username, "user");
}

TEST(Scram, Rfc5802_5_Sha1ExampleWithWrongProofFails) {
    auto m = make_scram_for_test(Hash::sha1, false, {}, "3rfcNHYJY1ZVvWVs7j");
    ASSERT_EQ(m->step("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL").kind, Kind::need_credentials);
    ASSERT_EQ(m->credentials(credentials_from(Hash::sha1, "pencil2", "QSXCR+Q6sek8bf92", 4096))
                  .kind,
              Kind::challenge);
    expect_failure(m->step("c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
                           "p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts="),
                   SaslFailure::not_authorized);
}

TEST(Scram, AllHashesSucceedWithRandomServerNonce) {
    for (const char* name : {"SCRAM-SHA-1", "SCRAM-SHA-256", "SCRAM-SHA-512"}) {
        auto m = make_mechanism(name, false, {});
        ASSERT_NE(m, nullptr) << name;
        Hash h = std::string_view(name) == "SCRAM-SHA-1"     ? Hash::sha1
                 : std::string_view(name) == "SCRAM-SHA-256" ? Hash::sha256
                                                             : Hash::sha512;
        std::string bare = "n=user,r=abcdef";
        std::string first = server_first(*m, "n,," + bare, pencil());
        // r= starts with the client nonce, then 24 random bytes in base64.
        std::string r = scram_attr(first, 'r');
        ASSERT_EQ(r.rfind("abcdef", 0), 0u) << first;
        EXPECT_EQ(r.size(), 6u + 32u);
        EXPECT_EQ(r.find(','), std::string::npos);
        EXPECT_EQ(scram_attr(first, 'i'), std::to_string(kFastIterations));
        auto final = scram_client_final(h, "pencil", "n,,", "", bare, first);
        SaslStep s = m->step(final.message);
        ASSERT_EQ(s.kind, Kind::success) << name << ": " << s.text;
        EXPECT_EQ(s.data, final.expected_success);
        EXPECT_EQ(s.username, "user");
    }
}

TEST(Scram, ServerNoncesDiffer) {
    auto a = make_mechanism("SCRAM-SHA-256", false, {});
    auto b = make_mechanism("SCRAM-SHA-256", false, {});
    EXPECT_NE(server_first(*a, "n,,n=user,r=abc", pencil()),
              server_first(*b, "n,,n=user,r=abc", pencil()));
}

TEST(Scram, Rfc6120_6_5_10_WrongPasswordIsNotAuthorized) {
    auto m = make_mechanism("SCRAM-SHA-256", false, {});
    expect_failure(exchange(*m, Hash::sha256, "wrong", "n,,", ""), SaslFailure::not_authorized);
}

TEST(Scram, UnknownUserGetsNormalChallengeThenNotAuthorized) {
    std::string salts[2];
    for (auto& salt : salts) {
        auto m = make_mechanism("SCRAM-SHA-256", false, {});
        std::string first = server_first(*m, "n,,n=user,r=abc", std::nullopt);
        ASSERT_EQ(scram_attr(first, 'r').rfind("abc", 0), 0u);
        salt = scram_attr(first, 's');
        EXPECT_EQ(base64_decode(salt).value_or("").size(), 16u) << first;
        EXPECT_EQ(scram_attr(first, 'i'), std::to_string(kDefaultIterations));
        // Even the right password for some account cannot succeed.
        auto final = scram_client_final(Hash::sha256, "pencil", "n,,", "", "n=user,r=abc", first);
        expect_failure(m->step(final.message), SaslFailure::not_authorized);
    }
    // The fake salt is stable for a username, as a real one would be.
    EXPECT_EQ(salts[0], salts[1]);
}

TEST(Scram, UserWithoutKeysForThisHashIsNotAuthorized) {
    Credentials c = pencil();
    c.sha512 = ScramKeys{};
    auto m = make_mechanism("SCRAM-SHA-512", false, {});
    expect_failure(exchange(*m, Hash::sha512, "pencil", "n,,", "", c),
                   SaslFailure::not_authorized);
}

TEST(Scram, Rfc6120_6_4_2_NoInitialResponseGetsEmptyChallenge) {
    auto m = make_mechanism("SCRAM-SHA-1", false, {});
    SaslStep s = m->step("");
    ASSERT_EQ(s.kind, Kind::challenge);
    EXPECT_EQ(s.data, "");
    EXPECT_EQ(exchange(*m, Hash::sha1, "pencil", "n,,", "").kind, Kind::success);
}

TEST(Scram, SecondEmptyResponseIsMalformed) {
    auto m = make_mechanism("SCRAM-SHA-1", false, {});
    ASSERT_EQ(m->step("").kind, Kind::challenge);
    expect_failure(m->step(""), SaslFailure::malformed_request);
}

TEST(Scram, Rfc5802_5_1_AuthzidIsDecodedAndReturned) {
    auto m = make_mechanism("SCRAM-SHA-256", false, {});
    SaslStep s = exchange(*m, Hash::sha256, "pencil", "n,a=juliet=2Cx=3Dy@example.com,", "");
    ASSERT_EQ(s.kind, Kind::success) << s.text;
    EXPECT_EQ(s.authzid, "juliet,x=y@example.com");
    EXPECT_EQ(s.username, "user");
}

TEST(Scram, Rfc5802_6_ChannelBindingTlsExporter) {
    ChannelBindings cb = fake_bindings();
    auto m = make_mechanism("SCRAM-SHA-256-PLUS", true, cb);
    ASSERT_NE(m, nullptr);
    SaslStep s = exchange(*m, Hash::sha256, "pencil", "p=tls-exporter,,", *cb.tls_exporter);
    EXPECT_EQ(s.kind, Kind::success) << s.text;
}

TEST(Scram, Rfc5929_4_ChannelBindingTlsServerEndPoint) {
    ChannelBindings cb = fake_bindings();
    auto m = make_mechanism("SCRAM-SHA-512-PLUS", true, cb);
    ASSERT_NE(m, nullptr);
    SaslStep s = exchange(*m, Hash::sha512, "pencil", "p=tls-server-end-point,a=user@example,",
                          *cb.tls_server_end_point);
    EXPECT_EQ(s.kind, Kind::success) << s.text;
    EXPECT_EQ(s.authzid, "user@example");
}

TEST(Scram, Rfc5802_6_ChannelBindingDataMismatchFails) {
    ChannelBindings cb = fake_bindings();
    auto m = make_mechanism("SCRAM-SHA-1-PLUS", true, cb);
    // The client saw other TLS keys (a man in the middle).
    expect_failure(exchange(*m, Hash::sha1, "pencil", "p=tls-exporter,,", std::string(32, 'x')),
                   SaslFailure::not_authorized);
}

TEST(Scram, Rfc5802_6_ChannelBindingOfTheOtherTypeFails) {
    ChannelBindings cb = fake_bindings();
    auto m = make_mechanism("SCRAM-SHA-256-PLUS", true, cb);
    expect_failure(exchange(*m, Hash::sha256, "pencil", "p=tls-exporter,,",
                            *cb.tls_server_end_point),
                   SaslFailure::not_authorized);
}

TEST(Scram, Rfc5802_6_Gs2HeaderInCMustMatchClientFirst) {
    auto m = make_mechanism("SCRAM-SHA-256", false, {});
    std::string bare = "n=user,r=abc";
    std::string first = server_first(*m, "n,," + bare, pencil());
    // The proof is computed over the client's own c=, which claims another header.
    auto final = scram_client_final(Hash::sha256, "pencil", "n,a=admin,", "", bare, first);
    expect_failure(m->step(final.message), SaslFailure::not_authorized);
}

TEST(Scram, Rfc5802_6_YFlagWhenPlusWasOfferedIsDowngrade) {
    auto m = make_mechanism("SCRAM-SHA-256", true, fake_bindings());
    expect_failure(m->step("y,,n=user,r=abc"), SaslFailure::not_authorized);
}

TEST(Scram, Rfc5802_6_YFlagWithoutBindingsIsAccepted) {
    auto m = make_mechanism("SCRAM-SHA-256", true, {});
    EXPECT_EQ(exchange(*m, Hash::sha256, "pencil", "y,,", "").kind, Kind::success);
}

TEST(Scram, Rfc5802_6_NFlagInNonPlusAcceptedEvenWithBindings) {
    auto m = make_mechanism("SCRAM-SHA-256", true, fake_bindings());
    EXPECT_EQ(exchange(*m, Hash::sha256, "pencil", "n,,", "").kind, Kind::success);
}

TEST(Scram, Rfc5802_6_PlusWithoutPFlagFails) {
    for (const char* gs2 : {"n,,", "y,,"}) {
        auto m = make_mechanism("SCRAM-SHA-256-PLUS", true, fake_bindings());
        SaslStep s = m->step(std::string(gs2) + "n=user,r=abc");
        expect_failure(s, SaslFailure::malformed_request);
    }
}

TEST(Scram, Rfc5802_6_PFlagInNonPlusFails) {
    auto m = make_mechanism("SCRAM-SHA-256", true, fake_bindings());
    expect_failure(m->step("p=tls-exporter,,n=user,r=abc"), SaslFailure::malformed_request);
}

TEST(Scram, Rfc5802_6_UnavailableOrUnknownBindingTypeFails) {
    ChannelBindings only_end_point;
    only_end_point.tls_server_end_point = std::string(32, 'e');
    auto m = make_mechanism("SCRAM-SHA-256-PLUS", true, only_end_point);
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->step("p=tls-exporter,,n=user,r=abc").kind, Kind::failure);
    m = make_mechanism("SCRAM-SHA-256-PLUS", true, fake_bindings());
    EXPECT_EQ(m->step("p=tls-unique,,n=user,r=abc").kind, Kind::failure);
}

TEST(Scram, Rfc6120_6_5_8_MalformedClientFirst) {
    const char* malformed[] = {
        "n,,r=abc",                 // no n=
        "n,,n=user",                // no r=
        "n,,r=abc,n=user",          // wrong order
        "n,,n=us=41er,r=abc",       // bad =XX escape
        "n,,n=user=,r=abc",         // lone '='
        "n,,n=us=2cer,r=abc",       // escapes are upper case
        "n,,n=,r=abc",              // empty username
        "n,,n=user,r=",             // empty nonce
        "n,,n=user,r=a\x01" "b",    // non-printable nonce
        "n,,m=ext,n=user,r=abc",    // RFC 5802 §5.1 reserved m=
        "n=user,r=abc",             // no gs2 header
        "n,n=user,r=abc",           // truncated gs2 header
        "x,,n=user,r=abc",          // bad cbind flag
        "n,b=authzid,n=user,r=abc", // authzid must be a=
        "n,a=,n=user,r=abc",        // empty authzid
        "n,a=x=2,n=user,r=abc",     // bad escape in authzid
        "n,,n=user,r=abc,bad",      // bad extension
    };
    for (const char* msg : malformed) {
        auto m = make_mechanism("SCRAM-SHA-256", false, {});
        SaslStep s = m->step(msg);
        EXPECT_EQ(s.kind, Kind::failure) << msg;
        EXPECT_EQ(to_string(s.failure), "malformed-request") << msg << ": " << s.text;
    }
}

TEST(Scram, UnknownExtensionAfterNonceIsIgnored) {
    auto m = make_mechanism("SCRAM-SHA-256", false, {});
    std::string bare = "n=user,r=abc,x=future";
    std::string first = server_first(*m, "n,," + bare, pencil());
    auto final = scram_client_final(Hash::sha256, "pencil", "n,,", "", bare, first);
    EXPECT_EQ(m->step(final.message).kind, Kind::success);
}

class ScramFinal : public ::testing::Test {
protected:
    void SetUp() override {
        m_ = make_mechanism("SCRAM-SHA-256", false, {});
        first_ = server_first(*m_, "n,,n=user,r=abc", pencil());
        nonce_ = scram_attr(first_, 'r');
        good_ = scram_client_final(Hash::sha256, "pencil", "n,,", "", "n=user,r=abc", first_)
                    .message;
    }
    std::unique_ptr<Mechanism> m_;
    std::string first_;
    std::string nonce_;
    std::string good_;
};

TEST_F(ScramFinal, Rfc6120_6_5_8_BadBase64InC) {
    expect_failure(m_->step("c=biws!,r=" + nonce_ + ",p=" + scram_attr(good_, 'p')),
                   SaslFailure::malformed_request);
}

TEST_F(ScramFinal, Rfc6120_6_5_8_BadBase64InP) {
    expect_failure(m_->step("c=biws,r=" + nonce_ + ",p=abc"), SaslFailure::malformed_request);
}

TEST_F(ScramFinal, ProofOfWrongLength) {
    expect_failure(m_->step("c=biws,r=" + nonce_ + ",p=" + base64_encode("short")),
                   SaslFailure::malformed_request);
}

TEST_F(ScramFinal, MissingAttributes) {
    expect_failure(m_->step("c=biws,r=" + nonce_), SaslFailure::malformed_request);
}

TEST_F(ScramFinal, ProofNotLast) {
    expect_failure(m_->step("c=biws,p=" + scram_attr(good_, 'p') + ",r=" + nonce_),
                   SaslFailure::malformed_request);
}

TEST_F(ScramFinal, NonceMismatch) {
    std::string bad = good_;
    bad.replace(bad.find(nonce_), nonce_.size(), nonce_ + "x");
    expect_failure(m_->step(bad), SaslFailure::not_authorized);
}

TEST_F(ScramFinal, GoodProofSucceedsOnceThenEverythingFails) {
    EXPECT_EQ(m_->step(good_).kind, Kind::success);
    EXPECT_EQ(m_->step(good_).kind, Kind::failure);
    EXPECT_EQ(m_->step("").kind, Kind::failure);
    EXPECT_EQ(m_->credentials(pencil()).kind, Kind::failure);
}

TEST_F(ScramFinal, AfterFailureEverythingFails) {
    std::string bad = good_;
    std::size_t i = bad.find(",p=") + 3;
    bad[i] = bad[i] == 'A' ? 'B' : 'A';
    expect_failure(m_->step(bad), SaslFailure::not_authorized);
    EXPECT_EQ(m_->step(good_).kind, Kind::failure);
}

TEST(Scram, CredentialsOutOfTurnFails) {
    auto m = make_mechanism("SCRAM-SHA-256", false, {});
    EXPECT_EQ(m->credentials(pencil()).kind, Kind::failure);
    EXPECT_EQ(m->step("n,,n=user,r=abc").kind, Kind::failure);
}

TEST(Scram, StepWhileCredentialsPendingFails) {
    auto m = make_mechanism("SCRAM-SHA-256", false, {});
    ASSERT_EQ(m->step("n,,n=user,r=abc").kind, Kind::need_credentials);
    EXPECT_EQ(m->step("n,,n=user,r=abc").kind, Kind::failure);
    EXPECT_EQ(m->credentials(pencil()).kind, Kind::failure);
}

}  // namespace
}  // namespace parley::auth
