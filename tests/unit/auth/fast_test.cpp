// XEP-0484 v0.2 token rules and the HT-* mechanisms (draft-schmaus-kitten-sasl-ht-08).
// Expected HMACs were computed independently with Python's hmac module.
#include <gtest/gtest.h>

#include <string>

#include "auth/fast.hpp"

namespace parley::auth::fast {
namespace {

using namespace std::string_literals;

constexpr std::string_view kToken = "WXZzciBwYmFmdmZnZiBqdmd1IGp2eXFhcmZm";  // XEP-0484 §4.2 example

std::string hex(std::string_view bytes) {
    static const char* d = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
        out += d[c >> 4];
        out += d[c & 15];
    }
    return out;
}

TEST(HtMechanism, ParsesTheNamesWeImplement) {
    auto m = parse_mechanism("HT-SHA-256-NONE");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->hash, Hash::sha256);
    EXPECT_EQ(m->binding, Binding::none);
    EXPECT_EQ(parse_mechanism("HT-SHA-256-ENDP")->binding, Binding::tls_server_end_point);
    EXPECT_EQ(parse_mechanism("HT-SHA-512-EXPR")->binding, Binding::tls_exporter);
    EXPECT_EQ(parse_mechanism("HT-SHA-512-EXPR")->hash, Hash::sha512);
    for (auto bad : {"HT-SHA-256", "HT-SHA-256-", "HT-SHA-256-UNIQ", "HT-MD5-NONE", "SCRAM-SHA-256",
                     "ht-sha-256-none", "HT-SHA-256-NONEX"}) {
        EXPECT_FALSE(parse_mechanism(bad)) << bad;
    }
}

TEST(HtMechanism, OffersNoneAlwaysAndBindingsWhenAvailable) {
    EXPECT_EQ(offered_mechanisms({}), std::vector<std::string>{"HT-SHA-256-NONE"});
    ChannelBindings cb{"x", "y"};
    EXPECT_EQ(offered_mechanisms(cb),
              (std::vector<std::string>{"HT-SHA-256-EXPR", "HT-SHA-256-ENDP", "HT-SHA-256-NONE"}));
    EXPECT_FALSE(binding_data(*parse_mechanism("HT-SHA-256-EXPR"), {}));
    EXPECT_EQ(binding_data(*parse_mechanism("HT-SHA-256-ENDP"), cb), "y");
    EXPECT_EQ(binding_data(*parse_mechanism("HT-SHA-256-NONE"), cb), "");
}

TEST(HtMechanism, Proofs_MatchIndependentHmac) {
    EXPECT_EQ(hex(initiator_proof(Hash::sha256, kToken, "")),
              "9097787461a184e0fa84ec00c1381190b6c4d16a8ec4453c7b2ac5e7fcf935ed");
    EXPECT_EQ(hex(responder_proof(Hash::sha256, kToken, "")),
              "4e513409631474863b986c9f3e8c1e27ca29d1d7ab9ed4097e7afd6007bf9c62");
    std::string cb;
    for (int i = 0; i < 32; ++i) {
        cb += static_cast<char>(i);
    }
    EXPECT_EQ(hex(initiator_proof(Hash::sha256, kToken, cb)),
              "0c5745576afeea711960549186a31a65c9f328205ee38b66825b3d4c872b395c");
}

TEST(HtMechanism, InitialResponse_IsAuthcidNulProof) {
    auto r = parse_initial_response("juliet\0PROOF"s);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->authcid, "juliet");
    EXPECT_EQ(r->proof, "PROOF");
    EXPECT_FALSE(parse_initial_response("juliet"));
    EXPECT_FALSE(parse_initial_response("\0PROOF"s));
    EXPECT_FALSE(parse_initial_response("juliet\0"s));
}

class TokenSlotsTest : public ::testing::Test {
protected:
    const HtMechanism none = *parse_mechanism("HT-SHA-256-NONE");
    const HtMechanism endp = *parse_mechanism("HT-SHA-256-ENDP");
    std::string proof(const Token& t) { return initiator_proof(Hash::sha256, t.secret, ""); }
};

TEST_F(TokenSlotsTest, Verify_NextFirstThenCurrent) {
    Token cur{"current", "HT-SHA-256-NONE", 1000};
    Token nxt{"next", "HT-SHA-256-NONE", 2000};
    TokenSlots s{cur, nxt};
    EXPECT_EQ(verify(s, none, proof(nxt), "", 500), Match::next);
    EXPECT_EQ(verify(s, none, proof(cur), "", 500), Match::current);
    EXPECT_EQ(verify(s, none, "wrong", "", 500), Match::none);
    EXPECT_EQ(verify(TokenSlots{}, none, proof(cur), "", 500), Match::none);
}

TEST_F(TokenSlotsTest, Verify_RefusesExpiredTokens) {
    Token t{"t", "HT-SHA-256-NONE", 1000};
    EXPECT_EQ(verify(TokenSlots{t, std::nullopt}, none, proof(t), "", 999), Match::current);
    EXPECT_EQ(verify(TokenSlots{t, std::nullopt}, none, proof(t), "", 1000), Match::none);
}

TEST_F(TokenSlotsTest, Verify_TokenIsBoundToItsMechanism) {
    // XEP-0484 §4.3: a token issued for -ENDP must not work with -NONE.
    Token t{"t", "HT-SHA-256-ENDP", 1000};
    EXPECT_EQ(verify(TokenSlots{t, std::nullopt}, none, proof(t), "", 1), Match::none);
    EXPECT_EQ(verify(TokenSlots{t, std::nullopt}, endp, initiator_proof(Hash::sha256, "t", "cb"), "cb", 1),
              Match::current);
}

TEST_F(TokenSlotsTest, AfterUse_NextBecomesCurrent_OldOneGone) {
    // §4.4: using the new token invalidates the older one.
    Token cur{"current", "HT-SHA-256-NONE", 1000};
    Token nxt{"next", "HT-SHA-256-NONE", 2000};
    auto s = after_use(TokenSlots{cur, nxt}, Match::next);
    ASSERT_TRUE(s.current);
    EXPECT_EQ(s.current->secret, "next");
    EXPECT_FALSE(s.next);
    EXPECT_EQ(verify(s, none, proof(cur), "", 1), Match::none);
    // Using the current one while a new one is pending keeps both (§4.4:
    // the new token may not have reached the client).
    auto kept = after_use(TokenSlots{cur, nxt}, Match::current);
    EXPECT_TRUE(kept.current && kept.next);
}

TEST_F(TokenSlotsTest, MakeToken_RandomWithExpiry) {
    auto a = make_token("HT-SHA-256-NONE", 100, 50);
    auto b = make_token("HT-SHA-256-NONE", 100, 50);
    EXPECT_NE(a.secret, b.secret);
    EXPECT_EQ(a.secret.size(), 44u);  // 32 bytes in base64
    EXPECT_EQ(a.expiry, 150);
    EXPECT_FALSE(due_for_rotation(a, 100, 10));
    EXPECT_TRUE(due_for_rotation(a, 141, 10));
}

}  // namespace
}  // namespace parley::auth::fast
