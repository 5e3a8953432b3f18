// Channel bindings of a TLS connection: tls-server-end-point (RFC 5929 §4)
// and tls-exporter (RFC 9266 §2).
#include "auth/tls_binding.hpp"

#include <openssl/evp.h>
#include <openssl/objects.h>

namespace parley::auth {

namespace {

// RFC 9266 §2: 32 bytes, label "EXPORTER-Channel-Binding", no context.
constexpr std::size_t kExporterBytes = 32;
constexpr char kExporterLabel[] = "EXPORTER-Channel-Binding";

int signature_digest_nid(X509* cert) {
    int md_nid = NID_undef;
    // X509_get_signature_info understands RSA-PSS, whose digest is in the
    // algorithm parameters rather than in the signature OID.
    if (X509_get_signature_info(cert, &md_nid, nullptr, nullptr, nullptr) == 1) {
        return md_nid;
    }
    int pk_nid = NID_undef;
    if (OBJ_find_sigid_algs(X509_get_signature_nid(cert), &md_nid, &pk_nid) == 1) {
        return md_nid;
    }
    return NID_undef;
}

}  // namespace

std::optional<std::string> tls_server_end_point(X509* cert) {
    if (cert == nullptr) {
        return std::nullopt;
    }
    int md_nid = signature_digest_nid(cert);
    if (md_nid == NID_undef) {
        return std::nullopt;
    }
    // RFC 5929 §4.1: "if the certificate's signatureAlgorithm uses a single
    // hash function and that hash function is either MD5 or SHA-1, then use
    // SHA-256".
    if (md_nid == NID_md5 || md_nid == NID_sha1) {
        md_nid = NID_sha256;
    }
    const EVP_MD* md = EVP_get_digestbynid(md_nid);
    if (md == nullptr) {
        return std::nullopt;
    }
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (X509_digest(cert, md, out, &len) != 1) {
        return std::nullopt;
    }
    return std::string(reinterpret_cast<const char*>(out), len);
}

ChannelBindings channel_bindings(SSL* ssl) {
    ChannelBindings cb;
    if (ssl == nullptr) {
        return cb;
    }
    // RFC 9266 §3: tls-exporter is defined for TLS 1.3 (and for TLS 1.2 only
    // with extended master secret, which we do not rely on).
    if (SSL_version(ssl) == TLS1_3_VERSION) {
        unsigned char out[kExporterBytes];
        if (SSL_export_keying_material(ssl, out, sizeof out, kExporterLabel,
                                       sizeof kExporterLabel - 1, nullptr, 0, 0) == 1) {
            cb.tls_exporter = std::string(reinterpret_cast<const char*>(out), sizeof out);
        }
    }
    cb.tls_server_end_point = tls_server_end_point(SSL_get_certificate(ssl));
    return cb;
}

}  // namespace parley::auth
