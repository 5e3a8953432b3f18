// Channel bindings from OpenSSL: tls-server-end-point (RFC 5929 §4.1) and
// tls-exporter (RFC 9266 §2), on in-memory certificates and a TLS handshake
// over a BIO pair.
#include "auth/tls_binding.hpp"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>
#include <optional>
#include <string>

#include "auth/credentials.hpp"
#include "auth/sasl.hpp"
#include "unit/auth/scram_client.hpp"

namespace parley::auth {
namespace {

struct Free {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
    void operator()(X509* p) const { X509_free(p); }
    void operator()(SSL_CTX* p) const { SSL_CTX_free(p); }
    void operator()(SSL* p) const { SSL_free(p); }
    void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Free>;
using X509Ptr = std::unique_ptr<X509, Free>;
using CtxPtr = std::unique_ptr<SSL_CTX, Free>;
using SslPtr = std::unique_ptr<SSL, Free>;

KeyPtr ec_key() { return KeyPtr(EVP_EC_gen("P-256")); }

X509Ptr unsigned_cert(EVP_PKEY* key) {
    X509Ptr x(X509_new());
    X509_set_version(x.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(x.get()), 0);
    X509_gmtime_adj(X509_getm_notAfter(x.get()), 3600);
    X509_set_pubkey(x.get(), key);
    X509_NAME* name = X509_get_subject_name(x.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
    X509_set_issuer_name(x.get(), name);
    return x;
}

X509Ptr self_signed(EVP_PKEY* key, const EVP_MD* md) {
    X509Ptr x = unsigned_cert(key);
    EXPECT_GT(X509_sign(x.get(), key, md), 0);
    return x;
}

std::string x509_digest(X509* x, const EVP_MD* md) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EXPECT_EQ(X509_digest(x, md, out, &len), 1);
    return std::string(reinterpret_cast<const char*>(out), len);
}

TEST(TlsBinding, Rfc5929_4_1_Sha256SignatureUsesSha256) {
    KeyPtr key = ec_key();
    X509Ptr x = self_signed(key.get(), EVP_sha256());
    auto h = tls_server_end_point(x.get());
    ASSERT_TRUE(h.has_value());
    EXPECT_EQ(h->size(), 32u);
    EXPECT_EQ(*h, x509_digest(x.get(), EVP_sha256()));
}

TEST(TlsBinding, Rfc5929_4_1_Sha384SignatureUsesSha384) {
    KeyPtr key = ec_key();
    X509Ptr x = self_signed(key.get(), EVP_sha384());
    auto h = tls_server_end_point(x.get());
    ASSERT_TRUE(h.has_value());
    EXPECT_EQ(*h, x509_digest(x.get(), EVP_sha384()));
    EXPECT_EQ(h->size(), 48u);
}

TEST(TlsBinding, Rfc5929_4_1_Sha1SignatureUsesSha256) {
    KeyPtr key = ec_key();
    X509Ptr x = self_signed(key.get(), EVP_sha1());
    auto h = tls_server_end_point(x.get());
    ASSERT_TRUE(h.has_value());
    EXPECT_EQ(*h, x509_digest(x.get(), EVP_sha256()));
    EXPECT_NE(*h, x509_digest(x.get(), EVP_sha1()) + std::string(12, '\0'));
}

TEST(TlsBinding, Rfc5929_4_1_RsaPssUsesItsParameterDigest) {
    KeyPtr key(EVP_RSA_gen(2048));
    ASSERT_NE(key, nullptr);
    X509Ptr x = unsigned_cert(key.get());
    std::unique_ptr<EVP_MD_CTX, Free> mctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;
    ASSERT_EQ(EVP_DigestSignInit(mctx.get(), &pctx, EVP_sha512(), nullptr, key.get()), 1);
    ASSERT_GT(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 0);
    ASSERT_GT(X509_sign_ctx(x.get(), mctx.get()), 0);
    auto h = tls_server_end_point(x.get());
    ASSERT_TRUE(h.has_value());
    EXPECT_EQ(*h, x509_digest(x.get(), EVP_sha512()));
}

TEST(TlsBinding, Rfc5929_4_1_Ed25519HasNoEndPointBinding) {
    KeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    ASSERT_NE(key, nullptr);
    X509Ptr x = self_signed(key.get(), nullptr);
    EXPECT_EQ(tls_server_end_point(x.get()), std::nullopt);
}

TEST(TlsBinding, NullInputsGiveNothing) {
    EXPECT_EQ(tls_server_end_point(nullptr), std::nullopt);
    EXPECT_FALSE(channel_bindings(nullptr).any());
}

// A client and a server SSL connected through a BIO pair, handshaken.
class Handshake {
public:
    Handshake(int max_version) {
        key_ = ec_key();
        cert_ = self_signed(key_.get(), EVP_sha256());
        server_ctx_.reset(SSL_CTX_new(TLS_server_method()));
        client_ctx_.reset(SSL_CTX_new(TLS_client_method()));
        SSL_CTX_use_certificate(server_ctx_.get(), cert_.get());
        SSL_CTX_use_PrivateKey(server_ctx_.get(), key_.get());
        SSL_CTX_set_max_proto_version(server_ctx_.get(), max_version);
        server_.reset(SSL_new(server_ctx_.get()));
        client_.reset(SSL_new(client_ctx_.get()));
        BIO* s = nullptr;
        BIO* c = nullptr;
        BIO_new_bio_pair(&s, 0, &c, 0);
        SSL_set_bio(server_.get(), s, s);
        SSL_set_bio(client_.get(), c, c);
        SSL_set_accept_state(server_.get());
        SSL_set_connect_state(client_.get());
    }

    bool run() {
        bool client_done = false;
        bool server_done = false;
        for (int i = 0; i < 50 && !(client_done && server_done); ++i) {
            if (!client_done && !step(client_.get(), client_done)) {
                return false;
            }
            if (!server_done && !step(server_.get(), server_done)) {
                return false;
            }
        }
        return client_done && server_done;
    }

    SSL* server() { return server_.get(); }
    SSL* client() { return client_.get(); }

private:
    static bool step(SSL* ssl, bool& done) {
        int rc = SSL_do_handshake(ssl);
        if (rc == 1) {
            done = true;
            return true;
        }
        int err = SSL_get_error(ssl, rc);
        return err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE;
    }

    KeyPtr key_;
    X509Ptr cert_;
    CtxPtr server_ctx_;
    CtxPtr client_ctx_;
    SslPtr server_;
    SslPtr client_;
};

std::string client_exporter(SSL* client) {
    unsigned char out[32];
    const char label[] = "EXPORTER-Channel-Binding";
    EXPECT_EQ(SSL_export_keying_material(client, out, sizeof out, label, sizeof label - 1,
                                         nullptr, 0, 0),
              1);
    return std::string(reinterpret_cast<const char*>(out), sizeof out);
}

TEST(TlsBinding, Rfc9266_2_Tls13GivesBothBindingsEqualOnBothEnds) {
    Handshake hs(TLS1_3_VERSION);
    ASSERT_TRUE(hs.run());
    ASSERT_EQ(SSL_version(hs.server()), TLS1_3_VERSION);
    ChannelBindings cb = channel_bindings(hs.server());
    ASSERT_TRUE(cb.tls_exporter.has_value());
    EXPECT_EQ(cb.tls_exporter->size(), 32u);
    EXPECT_EQ(*cb.tls_exporter, client_exporter(hs.client()));
    ASSERT_TRUE(cb.tls_server_end_point.has_value());
    EXPECT_EQ(cb.tls_server_end_point,
              tls_server_end_point(SSL_get0_peer_certificate(hs.client())));
}

TEST(TlsBinding, Rfc9266_3_Tls12GivesOnlyServerEndPoint) {
    Handshake hs(TLS1_2_VERSION);
    ASSERT_TRUE(hs.run());
    ASSERT_EQ(SSL_version(hs.server()), TLS1_2_VERSION);
    ChannelBindings cb = channel_bindings(hs.server());
    EXPECT_FALSE(cb.tls_exporter.has_value());
    ASSERT_TRUE(cb.tls_server_end_point.has_value());
    EXPECT_EQ(cb.tls_server_end_point,
              tls_server_end_point(SSL_get0_peer_certificate(hs.client())));
}

TEST(TlsBinding, ScramPlusOverRealHandshake) {
    Handshake hs(TLS1_3_VERSION);
    ASSERT_TRUE(hs.run());
    ChannelBindings cb = channel_bindings(hs.server());
    Credentials creds = derive_credentials("pencil", 64).value();
    for (const char* type : {"tls-exporter", "tls-server-end-point"}) {
        std::string cb_data = std::string_view(type) == "tls-exporter"
                                  ? client_exporter(hs.client())
                                  : *tls_server_end_point(SSL_get0_peer_certificate(hs.client()));
        auto m = make_mechanism("SCRAM-SHA-256-PLUS", true, cb);
        ASSERT_NE(m, nullptr);
        std::string gs2 = std::string("p=") + type + ",,";
        std::string bare = "n=user,r=nonce";
        ASSERT_EQ(m->step(gs2 + bare).kind, SaslStep::Kind::need_credentials);
        SaslStep first = m->credentials(creds);
        ASSERT_EQ(first.kind, SaslStep::Kind::challenge);
        auto final = testing::scram_client_final(Hash::sha256, "pencil", gs2, cb_data, bare,
                                                 first.data);
        SaslStep s = m->step(final.message);
        EXPECT_EQ(s.kind, SaslStep::Kind::success) << type << ": " << s.text;
        EXPECT_EQ(s.data, final.expected_success);
    }
}

}  // namespace
}  // namespace parley::auth
