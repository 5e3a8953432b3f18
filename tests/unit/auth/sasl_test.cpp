// RFC 6120 §6: mechanisms offered and chosen, failure condition names.
#include "auth/sasl.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace parley::auth {
namespace {

using Names = std::vector<std::string>;

ChannelBindings some_bindings() {
    ChannelBindings cb;
    cb.tls_server_end_point = std::string(32, 'e');
    return cb;
}

TEST(Sasl, Rfc6120_6_5_FailureConditionNames) {
    EXPECT_EQ(to_string(SaslFailure::aborted), "aborted");
    EXPECT_EQ(to_string(SaslFailure::account_disabled), "account-disabled");
    EXPECT_EQ(to_string(SaslFailure::credentials_expired), "credentials-expired");
    EXPECT_EQ(to_string(SaslFailure::encryption_required), "encryption-required");
    EXPECT_EQ(to_string(SaslFailure::incorrect_encoding), "incorrect-encoding");
    EXPECT_EQ(to_string(SaslFailure::invalid_authzid), "invalid-authzid");
    EXPECT_EQ(to_string(SaslFailure::invalid_mechanism), "invalid-mechanism");
    EXPECT_EQ(to_string(SaslFailure::malformed_request), "malformed-request");
    EXPECT_EQ(to_string(SaslFailure::mechanism_too_weak), "mechanism-too-weak");
    EXPECT_EQ(to_string(SaslFailure::not_authorized), "not-authorized");
    EXPECT_EQ(to_string(SaslFailure::temporary_auth_failure), "temporary-auth-failure");
}

TEST(Sasl, OfferedMechanismsInsecureWithoutBindings) {
    EXPECT_EQ(offered_mechanisms(false, {}),
              (Names{"SCRAM-SHA-512", "SCRAM-SHA-256", "SCRAM-SHA-1"}));
}

TEST(Sasl, OfferedMechanismsSecureWithoutBindings) {
    EXPECT_EQ(offered_mechanisms(true, {}),
              (Names{"SCRAM-SHA-512", "SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"}));
}

TEST(Sasl, OfferedMechanismsSecureWithBindings) {
    EXPECT_EQ(offered_mechanisms(true, some_bindings()),
              (Names{"SCRAM-SHA-512-PLUS", "SCRAM-SHA-256-PLUS", "SCRAM-SHA-1-PLUS",
                     "SCRAM-SHA-512", "SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"}));
}

TEST(Sasl, OfferedMechanismsInsecureWithBindings) {
    ChannelBindings exporter_only;
    exporter_only.tls_exporter = std::string(32, 'x');
    EXPECT_EQ(offered_mechanisms(false, exporter_only),
              (Names{"SCRAM-SHA-512-PLUS", "SCRAM-SHA-256-PLUS", "SCRAM-SHA-1-PLUS",
                     "SCRAM-SHA-512", "SCRAM-SHA-256", "SCRAM-SHA-1"}));
}

TEST(Sasl, MakeMechanismCreatesEveryOfferedMechanism) {
    for (bool secure : {false, true}) {
        for (const ChannelBindings& cb : {ChannelBindings{}, some_bindings()}) {
            for (const auto& name : offered_mechanisms(secure, cb)) {
                EXPECT_NE(make_mechanism(name, secure, cb), nullptr) << name;
            }
        }
    }
}

TEST(Sasl, Rfc6120_6_4_2_MakeMechanismRefusesWhatIsNotOffered) {
    EXPECT_EQ(make_mechanism("PLAIN", false, some_bindings()), nullptr);
    EXPECT_EQ(make_mechanism("SCRAM-SHA-256-PLUS", true, {}), nullptr);
    EXPECT_EQ(make_mechanism("SCRAM-SHA-1-PLUS", true, {}), nullptr);
    EXPECT_EQ(make_mechanism("DIGEST-MD5", true, some_bindings()), nullptr);
    EXPECT_EQ(make_mechanism("scram-sha-256", true, some_bindings()), nullptr);
    EXPECT_EQ(make_mechanism("SCRAM-SHA-384", true, some_bindings()), nullptr);
    EXPECT_EQ(make_mechanism("-PLUS", true, some_bindings()), nullptr);
    EXPECT_EQ(make_mechanism("PLAIN-PLUS", true, some_bindings()), nullptr);
    EXPECT_EQ(make_mechanism("", true, some_bindings()), nullptr);
}

}  // namespace
}  // namespace parley::auth
