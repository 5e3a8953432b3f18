#include "core/tls.hpp"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <filesystem>

namespace parley {

namespace fs = std::filesystem;
namespace ssl = boost::asio::ssl;

namespace {

std::string openssl_error() {
    unsigned long e = ERR_get_error();
    if (e == 0) {
        return "unknown OpenSSL error";
    }
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    ERR_clear_error();
    return buf;
}

std::string fingerprint(const std::string& cert_path) {
    FILE* f = std::fopen(cert_path.c_str(), "r");
    if (!f) {
        return "?";
    }
    X509* x = PEM_read_X509(f, nullptr, nullptr, nullptr);
    std::fclose(f);
    if (!x) {
        return "?";
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    X509_digest(x, EVP_sha256(), md, &n);
    X509_free(x);
    std::string out;
    for (unsigned i = 0; i < n; ++i) {
        out += fmt::format("{}{:02X}", i ? ":" : "", md[i]);
    }
    return out;
}

// RFC 6066 §3 SNI: hand the handshake to the context of the requested host.
int on_servername(SSL* ssl, int*, void* arg) {
    auto* contexts = static_cast<std::map<std::string, std::unique_ptr<ssl::context>>*>(arg);
    const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    if (name) {
        auto it = contexts->find(name);
        if (it != contexts->end()) {
            SSL_set_SSL_CTX(ssl, it->second->native_handle());
        }
    }
    return SSL_TLSEXT_ERR_OK;
}

Result<std::unique_ptr<ssl::context>> make_context(const Config& config, ssl::context::method method,
                                                   const std::string& cert_path,
                                                   const std::string& key_path) {
    auto ctx = std::make_unique<ssl::context>(method);
    SSL_CTX* native = ctx->native_handle();
    SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
    SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                                    SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);
    if (!SSL_CTX_set_cipher_list(native, config.tls_ciphers.c_str())) {
        return fail(fmt::format("{}: tls.ciphers: no usable cipher in '{}'", config.source,
                                config.tls_ciphers));
    }
    if (SSL_CTX_use_certificate_chain_file(native, cert_path.c_str()) != 1) {
        return fail(fmt::format("cannot load the certificate {}: {} (is it a PEM file?)",
                                cert_path, openssl_error()));
    }
    if (SSL_CTX_use_PrivateKey_file(native, key_path.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(native) != 1) {
        return fail(fmt::format("cannot load the private key {}: {} (does it match {}?)", key_path,
                                openssl_error(), cert_path));
    }
    return ctx;
}

}  // namespace

SSL_CTX* TlsContexts::client_context(std::string_view host) const {
    auto it = client_contexts_.find(host);
    return it == client_contexts_.end() ? nullptr : it->second->native_handle();
}

Result<void> generate_self_signed(const std::string& host, const std::string& cert_path,
                                  const std::string& key_path) {
    EVP_PKEY* key = EVP_RSA_gen(2048);
    if (!key) {
        return fail("cannot generate an RSA key: " + openssl_error());
    }
    X509* x = X509_new();
    X509_set_version(x, 2);
    unsigned char serial[16];
    RAND_bytes(serial, sizeof serial);
    serial[0] &= 0x7f;
    BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
    BN_free(bn);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 60L * 60 * 24 * 365 * 10);
    X509_set_pubkey(x, key);
    X509_NAME* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("Parley self-signed"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(host.c_str()), -1, -1, 0);
    X509_set_issuer_name(x, name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
    std::string san = "DNS:" + host + ",DNS:*." + host;
    for (auto [nid, value] : {std::pair{NID_subject_alt_name, san.c_str()},
                              std::pair{NID_basic_constraints, "critical,CA:FALSE"},
                              std::pair{NID_ext_key_usage, "serverAuth,clientAuth"}}) {
        X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
        if (ext) {
            X509_add_ext(x, ext, -1);
            X509_EXTENSION_free(ext);
        }
    }
    if (!X509_sign(x, key, EVP_sha256())) {
        X509_free(x);
        EVP_PKEY_free(key);
        return fail("cannot sign the certificate: " + openssl_error());
    }
    Result<void> result;
    FILE* kf = std::fopen(key_path.c_str(), "w");
    FILE* cf = kf ? std::fopen(cert_path.c_str(), "w") : nullptr;
    if (!kf || !cf) {
        result = fail(fmt::format("cannot write {}: is the data directory writable?",
                                  kf ? cert_path : key_path));
    } else {
        fs::permissions(key_path, fs::perms::owner_read | fs::perms::owner_write);
        PEM_write_PrivateKey(kf, key, nullptr, nullptr, 0, nullptr, nullptr);
        PEM_write_X509(cf, x);
    }
    if (kf) {
        std::fclose(kf);
    }
    if (cf) {
        std::fclose(cf);
    }
    X509_free(x);
    EVP_PKEY_free(key);
    return result;
}

Result<std::unique_ptr<TlsContexts>> TlsContexts::create(const Config& config) {
    auto out = std::make_unique<TlsContexts>();
    for (const auto& host : config.hosts) {
        CertInfo info;
        info.host = host;
        std::string key_path;
        if (!config.tls_certificate.empty()) {
            info.path = config.tls_certificate;
            key_path = config.tls_key;
        } else {
            auto dir = fs::path(config.data_dir) / "certs";
            std::error_code ec;
            fs::create_directories(dir, ec);
            info.path = (dir / (host + ".crt")).string();
            key_path = (dir / (host + ".key")).string();
            if (!fs::exists(info.path) || !fs::exists(key_path)) {
                auto r = generate_self_signed(host, info.path, key_path);
                if (!r) {
                    return fail(r.error());
                }
                info.generated = true;
            }
        }
        auto ctx = make_context(config, ssl::context::tls_server, info.path, key_path);
        if (!ctx) {
            return fail(ctx.error());
        }
        // s2s peers are asked for a client certificate (RFC 6120 §13.7.2.1) per
        // connection (TcpTransport::Handshake::request_peer_certificate); a
        // session id context must be set for that (OpenSSL refuses to resume
        // sessions of a verifying server without one).
        static constexpr unsigned char kSidContext[] = "parley";
        SSL_CTX_set_session_id_context((*ctx)->native_handle(), kSidContext, sizeof kSidContext - 1);
        auto client = make_context(config, ssl::context::tls_client, info.path, key_path);
        if (!client) {
            return fail(client.error());
        }
        info.sha256 = fingerprint(info.path);
        out->certs_.push_back(info);
        out->contexts_.emplace(host, std::move(*ctx));
        out->client_contexts_.emplace(host, std::move(*client));
    }
    // SNI on the first host's context (the one handshakes start with).
    auto* def = out->contexts_.begin()->second->native_handle();
    SSL_CTX_set_tlsext_servername_callback(def, on_servername);
    SSL_CTX_set_tlsext_servername_arg(def, &out->contexts_);
    return out;
}

}  // namespace parley
