// RFC 6125 §6 identity checks (as profiled by RFC 6120 §13.7.1.2) and chain
// validation, on certificates built in memory with OpenSSL.
#include "s2s/cert_verify.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace parley::s2s {
namespace {

struct Free {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
    void operator()(X509* p) const { X509_free(p); }
    void operator()(STACK_OF(X509) * p) const { sk_X509_free(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Free>;
using X509Ptr = std::unique_ptr<X509, Free>;
using StackPtr = std::unique_ptr<STACK_OF(X509), Free>;

constexpr long kDay = 24L * 3600;

struct San {
    enum class Kind { dns, srv, xmpp_addr, uri } kind;
    std::string value;  // may hold a NUL
};

San dns(std::string v) { return {San::Kind::dns, std::move(v)}; }
San srv(std::string v) { return {San::Kind::srv, std::move(v)}; }
San xmpp(std::string v) { return {San::Kind::xmpp_addr, std::move(v)}; }
San uri(std::string v) { return {San::Kind::uri, std::move(v)}; }

struct Spec {
    std::string cn;          // empty: no CN
    std::vector<San> sans;   // empty: no subjectAltName extension at all
    long not_before = -kDay;  // seconds from now
    long not_after = 30 * kDay;
    bool ca = false;
};

KeyPtr new_key() { return KeyPtr(EVP_EC_gen("P-256")); }

ASN1_STRING* string_of(int type, const std::string& v) {
    ASN1_STRING* s = ASN1_STRING_type_new(type);
    ASN1_STRING_set(s, v.data(), static_cast<int>(v.size()));
    return s;
}

GENERAL_NAME* other_name(int nid, int type, const std::string& v) {
    ASN1_TYPE* value = ASN1_TYPE_new();
    ASN1_TYPE_set(value, type, string_of(type, v));
    GENERAL_NAME* g = GENERAL_NAME_new();
    GENERAL_NAME_set0_othername(g, OBJ_nid2obj(nid), value);
    return g;
}

GENERAL_NAME* general_name(const San& san) {
    switch (san.kind) {
    case San::Kind::dns:
    case San::Kind::uri: {
        GENERAL_NAME* g = GENERAL_NAME_new();
        GENERAL_NAME_set0_value(g, san.kind == San::Kind::dns ? GEN_DNS : GEN_URI,
                                string_of(V_ASN1_IA5STRING, san.value));
        return g;
    }
    case San::Kind::srv:  // RFC 4985: id-on-dnsSRV, IA5String
        return other_name(NID_SRVName, V_ASN1_IA5STRING, san.value);
    case San::Kind::xmpp_addr:  // RFC 6120 §13.7.1.4: id-on-xmppAddr, UTF8String
        return other_name(NID_XmppAddr, V_ASN1_UTF8STRING, san.value);
    }
    return nullptr;
}

void add_conf_ext(X509* x, X509* issuer, int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, x, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    ASSERT_NE(ext, nullptr) << value;
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
}

// A certificate for `key`, signed by issuer/issuer_key (self-signed if null).
X509Ptr make_cert(const Spec& spec, EVP_PKEY* key, X509* issuer = nullptr,
                  EVP_PKEY* issuer_key = nullptr) {
    X509Ptr x(X509_new());
    X509_set_version(x.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x.get()),
                     static_cast<long>(std::random_device{}() & 0x7fffffff));
    X509_gmtime_adj(X509_getm_notBefore(x.get()), spec.not_before);
    X509_gmtime_adj(X509_getm_notAfter(x.get()), spec.not_after);
    X509_set_pubkey(x.get(), key);
    X509_NAME* name = X509_get_subject_name(x.get());
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("Parley tests"), -1, -1, 0);
    if (!spec.cn.empty()) {
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(spec.cn.c_str()), -1,
                                   -1, 0);
    }
    X509* signer = issuer != nullptr ? issuer : x.get();
    X509_set_issuer_name(x.get(), X509_get_subject_name(signer));
    add_conf_ext(x.get(), signer, NID_subject_key_identifier, "hash");
    if (spec.ca) {
        add_conf_ext(x.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
        add_conf_ext(x.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_conf_ext(x.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
    }
    if (!spec.sans.empty()) {
        GENERAL_NAMES* names = sk_GENERAL_NAME_new_null();
        for (const San& san : spec.sans) {
            sk_GENERAL_NAME_push(names, general_name(san));
        }
        X509_add1_ext_i2d(x.get(), NID_subject_alt_name, names, 0, X509V3_ADD_DEFAULT);
        GENERAL_NAMES_free(names);
    }
    EXPECT_GT(X509_sign(x.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256()), 0);
    return x;
}

X509Ptr cert_with(std::vector<San> sans, std::string cn = "") {
    KeyPtr key = new_key();
    Spec spec;
    spec.sans = std::move(sans);
    spec.cn = std::move(cn);
    return make_cert(spec, key.get());
}

IdentityMatch match(const X509Ptr& cert, std::string_view domain, IdentityOptions o = {}) {
    return match_identity(cert.get(), domain, o);
}

// --- DNS-ID (RFC 6125 §6.4.1) -------------------------------------------------

TEST(CertIdentity, Rfc6125_6_4_1_DnsIdExactMatch) {
    X509Ptr c = cert_with({dns("example.com")});
    EXPECT_EQ(match(c, "example.com"), IdentityMatch::dns_id);
    EXPECT_EQ(match(c, "example.net"), IdentityMatch::none);
    EXPECT_EQ(match(c, "www.example.com"), IdentityMatch::none);
    EXPECT_EQ(match(c, "com"), IdentityMatch::none);
}

TEST(CertIdentity, Rfc6125_6_4_1_CaseInsensitiveAscii) {
    X509Ptr c = cert_with({dns("Example.COM")});
    EXPECT_EQ(match(c, "example.com"), IdentityMatch::dns_id);
    EXPECT_EQ(match(c, "EXAMPLE.com"), IdentityMatch::dns_id);
}

TEST(CertIdentity, Rfc6125_6_4_1_AnyOfSeveralDnsIds) {
    X509Ptr c = cert_with({dns("a.example"), dns("b.example"), uri("xmpp:c.example")});
    EXPECT_EQ(match(c, "b.example"), IdentityMatch::dns_id);
    EXPECT_EQ(match(c, "c.example"), IdentityMatch::none);  // URI-IDs are not XMPP identities
}

TEST(CertIdentity, Rfc6120_3_2_TrailingDotOfReferenceIgnored) {
    X509Ptr c = cert_with({dns("example.com")});
    EXPECT_EQ(match(c, "example.com."), IdentityMatch::dns_id);
}

TEST(CertIdentity, Rfc6125_6_4_2_IdnComparedAsALabels) {
    X509Ptr c = cert_with({dns("xn--bcher-kva.example")});
    EXPECT_EQ(match(c, "bücher.example"), IdentityMatch::dns_id);  // JID domains are U-labels
    EXPECT_EQ(match(c, "xn--bcher-kva.example"), IdentityMatch::dns_id);
    EXPECT_EQ(match(c, "bucher.example"), IdentityMatch::none);
}

TEST(CertIdentity, Rfc6125_6_4_1_EmbeddedNulNeverMatches) {
    // "example.com\0.evil.example": a CA could sign this for evil.example.
    X509Ptr c = cert_with({dns(std::string("example.com\0.evil.example", 26))});
    EXPECT_EQ(match(c, "example.com"), IdentityMatch::none);
    EXPECT_EQ(match(c, "evil.example"), IdentityMatch::none);
}

TEST(CertIdentity, Rfc5280_4_2_1_6_NonAsciiDnsNameIgnored) {
    X509Ptr c = cert_with({dns("bücher.example")});  // dNSName must hold A-labels
    EXPECT_EQ(match(c, "bücher.example"), IdentityMatch::none);
}

// --- Wildcards (RFC 6125 §6.4.3) ----------------------------------------------

TEST(CertIdentity, Rfc6125_6_4_3_WildcardMatchesOneLeftMostLabel) {
    X509Ptr c = cert_with({dns("*.example.com")});
    EXPECT_EQ(match(c, "a.example.com"), IdentityMatch::dns_id);
    EXPECT_EQ(match(c, "xmpp.example.com"), IdentityMatch::dns_id);
}

TEST(CertIdentity, Rfc6125_6_4_3_WildcardDoesNotMatchParentDomain) {
    X509Ptr c = cert_with({dns("*.example.com")});
    EXPECT_EQ(match(c, "example.com"), IdentityMatch::none);
}

TEST(CertIdentity, Rfc6125_6_4_3_WildcardDoesNotMatchTwoLabels) {
    X509Ptr c = cert_with({dns("*.example.com")});
    EXPECT_EQ(match(c, "a.b.example.com"), IdentityMatch::none);
}

TEST(CertIdentity, Rfc6125_6_4_3_WildcardMatchesWholeALabel) {
    X509Ptr c = cert_with({dns("*.example.com")});
    EXPECT_EQ(match(c, "xn--bcher-kva.example.com"), IdentityMatch::dns_id);
    EXPECT_EQ(match(c, "bücher.example.com"), IdentityMatch::dns_id);
}

TEST(CertIdentity, Rfc6125_6_4_3_PartialWildcardsRefused) {
    EXPECT_EQ(match(cert_with({dns("f*.example.com")}), "foo.example.com"), IdentityMatch::none);
    EXPECT_EQ(match(cert_with({dns("*o.example.com")}), "foo.example.com"), IdentityMatch::none);
    EXPECT_EQ(match(cert_with({dns("b*z.example.com")}), "buzz.example.com"), IdentityMatch::none);
    // Never inside an A-label.
    EXPECT_EQ(match(cert_with({dns("xn--*.example.com")}), "xn--bcher-kva.example.com"),
              IdentityMatch::none);
}

TEST(CertIdentity, Rfc6125_6_4_3_WildcardOnlyLeftMost) {
    EXPECT_EQ(match(cert_with({dns("a.*.example.com")}), "a.b.example.com"), IdentityMatch::none);
    EXPECT_EQ(match(cert_with({dns("*.*.example.com")}), "a.b.example.com"), IdentityMatch::none);
}

TEST(CertIdentity, Rfc6125_7_2_WildcardOverTopLevelDomainRefused) {
    EXPECT_EQ(match(cert_with({dns("*.com")}), "example.com"), IdentityMatch::none);
    EXPECT_EQ(match(cert_with({dns("*")}), "example"), IdentityMatch::none);
}

TEST(CertIdentity, Rfc6125_6_4_3_DnsIdMatcherRules) {
    EXPECT_TRUE(dns_id_matches("*.example.com", "a.example.com"));
    EXPECT_FALSE(dns_id_matches("*.example.com", ".example.com"));
    EXPECT_FALSE(dns_id_matches("*.example.com", "example.com"));
    EXPECT_FALSE(dns_id_matches("*.example.com.", "a.example.com."));
    EXPECT_FALSE(dns_id_matches("", "example.com"));
    EXPECT_FALSE(dns_id_matches("example.com", ""));
}

// --- SRV-ID (RFC 6125 §6.5.1, RFC 4985) ---------------------------------------

TEST(CertIdentity, Rfc6120_13_7_1_2_SrvIdXmppServer) {
    X509Ptr c = cert_with({srv("_xmpp-server.example.com")});
    EXPECT_EQ(match(c, "example.com"), IdentityMatch::srv_id);
    EXPECT_EQ(match(c, "other.example"), IdentityMatch::none);
}

TEST(CertIdentity, Xep0368_3_SrvIdXmppsServer) {
    X509Ptr c = cert_with({srv("_xmpps-server.example.com")});
    EXPECT_EQ(match(c, "example.com"), IdentityMatch::srv_id);
}

TEST(CertIdentity, Rfc6125_6_5_1_SrvIdServiceMustBeXmppServer) {
    EXPECT_EQ(match(cert_with({srv("_xmpp-client.example.com")}), "example.com"),
              IdentityMatch::none);
    EXPECT_EQ(match(cert_with({srv("_imap.example.com")}), "example.com"), IdentityMatch::none);
    EXPECT_EQ(match(cert_with({srv("example.com")}), "example.com"), IdentityMatch::none);
}

TEST(CertIdentity, Rfc6125_6_5_1_SrvIdCaseInsensitive) {
    EXPECT_EQ(match(cert_with({srv("_XMPP-Server.Example.com")}), "example.com"),
              IdentityMatch::srv_id);
}

TEST(CertIdentity, Rfc6125_6_5_1_SrvIdMatcherRules) {
    EXPECT_TRUE(srv_id_matches("_xmpp-server.example.com", "example.com"));
    EXPECT_FALSE(srv_id_matches("_xmpp-server.example.com", "a.example.com"));
    EXPECT_FALSE(srv_id_matches("_xmpp-server", "example.com"));
    EXPECT_FALSE(srv_id_matches("_xmpp-server.", "example.com"));
}

// --- XmppAddr (RFC 6120 §13.7.1.4) ---------------------------------------------

TEST(CertIdentity, Rfc6120_13_7_1_4_XmppAddrDomain) {
    X509Ptr c = cert_with({xmpp("example.com")});
    EXPECT_EQ(match(c, "example.com"), IdentityMatch::xmpp_addr);
    EXPECT_EQ(match(c, "EXAMPLE.COM"), IdentityMatch::xmpp_addr);
    EXPECT_EQ(match(c, "a.example.com"), IdentityMatch::none);
}

TEST(CertIdentity, Rfc6120_13_7_1_4_XmppAddrUtf8ComparedAsALabels) {
    X509Ptr c = cert_with({xmpp("bücher.example")});
    EXPECT_EQ(match(c, "xn--bcher-kva.example"), IdentityMatch::xmpp_addr);
    EXPECT_EQ(match(c, "bücher.example"), IdentityMatch::xmpp_addr);
}

TEST(CertIdentity, Rfc6120_13_7_1_4_XmppAddrOfAUserIsNotAServer) {
    EXPECT_EQ(match(cert_with({xmpp("user@example.com")}), "example.com"), IdentityMatch::none);
    EXPECT_EQ(match(cert_with({xmpp("example.com/resource")}), "example.com"),
              IdentityMatch::none);
}

TEST(CertIdentity, Rfc6120_13_7_1_4_XmppAddrHasNoWildcards) {
    EXPECT_EQ(match(cert_with({xmpp("*.example.com")}), "a.example.com"), IdentityMatch::none);
}

TEST(CertIdentity, Rfc6125_6_4_DnsIdReportedBeforeOtherTypes) {
    X509Ptr c = cert_with({xmpp("example.com"), srv("_xmpp-server.example.com"),
                           dns("example.com")});
    EXPECT_EQ(match(c, "example.com"), IdentityMatch::dns_id);
}

// --- No match, CN-ID (RFC 6125 §6.4.4) ------------------------------------------

TEST(CertIdentity, Rfc6125_6_6_NoMatchingIdentifier) {
    X509Ptr c = cert_with({dns("other.example"), srv("_xmpp-server.other.example"),
                           xmpp("other.example")},
                          "example.com");
    EXPECT_EQ(match(c, "example.com"), IdentityMatch::none);
    EXPECT_EQ(match(c, "example.com", IdentityOptions{.allow_common_name = true}),
              IdentityMatch::none);  // a subjectAltName exists: the CN is never consulted
}

TEST(CertIdentity, Rfc6125_6_4_4_CommonNameOffByDefault) {
    X509Ptr c = cert_with({}, "example.com");
    EXPECT_EQ(match(c, "example.com"), IdentityMatch::none);
}

TEST(CertIdentity, Rfc6125_6_4_4_CommonNameFallbackWhenEnabledAndNoSan) {
    X509Ptr c = cert_with({}, "example.com");
    const IdentityOptions cn{.allow_common_name = true};
    EXPECT_EQ(match(c, "example.com", cn), IdentityMatch::common_name);
    EXPECT_EQ(match(c, "Example.Com", cn), IdentityMatch::common_name);
    EXPECT_EQ(match(c, "other.example", cn), IdentityMatch::none);
}

TEST(CertIdentity, Rfc6125_6_4_4_CommonNameFollowsWildcardRules) {
    X509Ptr c = cert_with({}, "*.example.com");
    const IdentityOptions cn{.allow_common_name = true};
    EXPECT_EQ(match(c, "a.example.com", cn), IdentityMatch::common_name);
    EXPECT_EQ(match(c, "example.com", cn), IdentityMatch::none);
    EXPECT_EQ(match(c, "a.b.example.com", cn), IdentityMatch::none);
}

TEST(CertIdentity, Rfc6125_6_4_4_CommonNameNotUsedWithAnyOtherSan) {
    // Stricter than §6.4.4 on purpose: any subjectAltName, even one of a type
    // XMPP does not use, rules the CN out.
    X509Ptr c = cert_with({uri("https://example.com/")}, "example.com");
    EXPECT_EQ(match(c, "example.com", IdentityOptions{.allow_common_name = true}),
              IdentityMatch::none);
}

TEST(CertIdentity, Rfc6125_6_4_4_CommonNameIdnComparedAsALabels) {
    X509Ptr c = cert_with({}, "bücher.example");
    EXPECT_EQ(match(c, "xn--bcher-kva.example", IdentityOptions{.allow_common_name = true}),
              IdentityMatch::common_name);
}

TEST(CertIdentity, NullCertificateOrUnusableDomainMatchesNothing) {
    EXPECT_EQ(match_identity(nullptr, "example.com"), IdentityMatch::none);
    X509Ptr c = cert_with({dns("example.com")});
    EXPECT_EQ(match(c, ""), IdentityMatch::none);
    EXPECT_EQ(match(c, "example..com"), IdentityMatch::none);
}

// --- Chain validation (RFC 6120 §13.7.2) ------------------------------------------

class CertChain : public ::testing::Test {
protected:
    void SetUp() override {
        Spec ca_spec;
        ca_spec.cn = "Parley Test Root CA";
        ca_spec.ca = true;
        ca_spec.not_after = 365 * kDay;
        ca_key_ = new_key();
        ca_ = make_cert(ca_spec, ca_key_.get());
        trust_ = TrustStore::empty();
        ASSERT_TRUE(trust_.add(ca_.get()));
    }

    X509Ptr leaf(std::vector<San> sans, long not_before = -kDay, long not_after = 30 * kDay,
                 X509* issuer = nullptr, EVP_PKEY* issuer_key = nullptr) {
        Spec spec;
        spec.sans = std::move(sans);
        spec.not_before = not_before;
        spec.not_after = not_after;
        leaf_key_ = new_key();
        return make_cert(spec, leaf_key_.get(), issuer != nullptr ? issuer : ca_.get(),
                         issuer_key != nullptr ? issuer_key : ca_key_.get());
    }

    KeyPtr ca_key_;
    X509Ptr ca_;
    KeyPtr leaf_key_;
    TrustStore trust_ = TrustStore::empty();
};

TEST_F(CertChain, Rfc6120_13_7_2_GoodCertificateVerifies) {
    X509Ptr c = leaf({dns("example.com")});
    EXPECT_TRUE(verify_chain(trust_, c.get(), nullptr));
    auto peer = verify_peer(trust_, c.get(), nullptr, "example.com");
    ASSERT_TRUE(peer) << peer.error().message;
    EXPECT_EQ(*peer, IdentityMatch::dns_id);
}

TEST_F(CertChain, Rfc5280_6_1_3_ExpiredCertificate) {
    X509Ptr c = leaf({dns("example.com")}, -10 * kDay, -kDay);
    auto r = verify_chain(trust_, c.get(), nullptr);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().problem, CertProblem::expired);
    EXPECT_NE(r.error().message.find("expired"), std::string::npos) << r.error().message;
}

TEST_F(CertChain, Rfc5280_6_1_3_NotYetValidCertificate) {
    X509Ptr c = leaf({dns("example.com")}, kDay, 10 * kDay);
    auto r = verify_chain(trust_, c.get(), nullptr);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().problem, CertProblem::not_yet_valid);
}

TEST_F(CertChain, VerifiesAtAGivenTime) {
    X509Ptr c = leaf({dns("example.com")});
    const std::time_t later = std::time(nullptr) + 60 * kDay;
    auto r = verify_chain(trust_, c.get(), nullptr, ChainOptions{.at_time = later});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().problem, CertProblem::expired);
}

TEST_F(CertChain, Rfc6120_13_7_2_CertificateFromAnotherCa) {
    Spec other_spec;
    other_spec.cn = "Some Other CA";
    other_spec.ca = true;
    KeyPtr other_key = new_key();
    X509Ptr other_ca = make_cert(other_spec, other_key.get());
    X509Ptr c = leaf({dns("example.com")}, -kDay, 30 * kDay, other_ca.get(), other_key.get());
    auto r = verify_chain(trust_, c.get(), nullptr);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().problem, CertProblem::unknown_ca);
    // Even when the peer sends its CA along: that CA is not trusted.
    StackPtr sent(sk_X509_new_null());
    sk_X509_push(sent.get(), other_ca.get());
    auto r2 = verify_chain(trust_, c.get(), sent.get());
    ASSERT_FALSE(r2);
    EXPECT_EQ(r2.error().problem, CertProblem::unknown_ca);
}

TEST_F(CertChain, Rfc6120_13_7_2_SelfSignedCertificate) {
    KeyPtr key = new_key();
    Spec spec;
    spec.sans = {dns("example.com")};
    X509Ptr c = make_cert(spec, key.get());
    auto r = verify_chain(trust_, c.get(), nullptr);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().problem, CertProblem::self_signed);
    EXPECT_NE(r.error().message.find("self-signed"), std::string::npos) << r.error().message;
}

TEST_F(CertChain, Rfc6125_6_6_NameMismatchAfterGoodChain) {
    X509Ptr c = leaf({dns("example.com")});
    auto r = verify_peer(trust_, c.get(), nullptr, "example.net");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().problem, CertProblem::name_mismatch);
    EXPECT_NE(r.error().message.find("example.net"), std::string::npos) << r.error().message;
}

TEST_F(CertChain, ChainProblemReportedBeforeNameMismatch) {
    X509Ptr c = leaf({dns("example.com")}, -10 * kDay, -kDay);
    auto r = verify_peer(trust_, c.get(), nullptr, "example.net");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().problem, CertProblem::expired);
}

TEST_F(CertChain, IntermediateFromThePeerCompletesTheChain) {
    Spec inter_spec;
    inter_spec.cn = "Parley Test Intermediate";
    inter_spec.ca = true;
    KeyPtr inter_key = new_key();
    X509Ptr inter = make_cert(inter_spec, inter_key.get(), ca_.get(), ca_key_.get());
    X509Ptr c = leaf({srv("_xmpp-server.example.com")}, -kDay, 30 * kDay, inter.get(),
                     inter_key.get());
    auto without = verify_chain(trust_, c.get(), nullptr);
    ASSERT_FALSE(without);
    EXPECT_EQ(without.error().problem, CertProblem::unknown_ca);
    StackPtr sent(sk_X509_new_null());
    sk_X509_push(sent.get(), inter.get());
    auto peer = verify_peer(trust_, c.get(), sent.get(), "example.com");
    ASSERT_TRUE(peer) << peer.error().message;
    EXPECT_EQ(*peer, IdentityMatch::srv_id);
}

TEST_F(CertChain, NoCertificate) {
    auto r = verify_peer(trust_, nullptr, nullptr, "example.com");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().problem, CertProblem::no_certificate);
}

TEST_F(CertChain, TrustStoreFromCaFile) {
    const std::filesystem::path path =
        std::filesystem::path(::testing::TempDir()) / "parley_s2s_test_ca.pem";
    FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    PEM_write_X509(f, ca_.get());
    std::fclose(f);
    auto store = TrustStore::from_ca_file(path.string());
    std::filesystem::remove(path);
    ASSERT_TRUE(store) << store.error().message;
    X509Ptr c = leaf({xmpp("example.com")});
    auto peer = verify_peer(*store, c.get(), nullptr, "example.com");
    ASSERT_TRUE(peer) << peer.error().message;
    EXPECT_EQ(*peer, IdentityMatch::xmpp_addr);
}

TEST(TrustStore, MissingCaFileIsAnError) {
    auto store = TrustStore::from_ca_file("/nonexistent/parley-ca.pem");
    ASSERT_FALSE(store);
    EXPECT_NE(store.error().message.find("/nonexistent/parley-ca.pem"), std::string::npos);
}

TEST(TrustStore, SystemDefaultDoesNotTrustATestCa) {
    auto store = TrustStore::system_default();
    ASSERT_TRUE(store) << store.error().message;
    KeyPtr key = new_key();
    Spec ca_spec;
    ca_spec.cn = "Untrusted Test CA";
    ca_spec.ca = true;
    X509Ptr ca = make_cert(ca_spec, key.get());
    KeyPtr leaf_key = new_key();
    Spec spec;
    spec.sans = {dns("example.com")};
    X509Ptr c = make_cert(spec, leaf_key.get(), ca.get(), key.get());
    auto r = verify_chain(*store, c.get(), nullptr);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().problem, CertProblem::unknown_ca);
}

TEST(CertProblem, NamesAreStable) {
    EXPECT_EQ(cert_problem_name(CertProblem::expired), "expired");
    EXPECT_EQ(cert_problem_name(CertProblem::unknown_ca), "unknown-ca");
    EXPECT_EQ(cert_problem_name(CertProblem::name_mismatch), "name-mismatch");
    EXPECT_EQ(identity_match_name(IdentityMatch::srv_id), "SRV-ID");
}

}  // namespace
}  // namespace parley::s2s
