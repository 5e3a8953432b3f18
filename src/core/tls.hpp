// TLS contexts for the listeners (RFC 6120 §5, §13.8; XEP-0368): one OpenSSL
// context per virtual host, chosen by SNI, TLS 1.2 or newer with a modern
// cipher list. When no certificate is configured, a self-signed one per host
// is generated on first start under data_dir/certs and reused afterwards.
// Built at start-up; read-only (and shared by all workers) afterwards.
#pragma once

#include <boost/asio/ssl/context.hpp>

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "core/config.hpp"
#include "core/result.hpp"

namespace parley {

class TlsContexts {
public:
    static Result<std::unique_ptr<TlsContexts>> create(const Config& config);

    // The context handshakes start with; its SNI callback switches to the
    // requested host's context.
    boost::asio::ssl::context& default_context() { return *contexts_.begin()->second; }

    // A context for connecting to other servers (s2s, RFC 6120 §5.4.3.2 as
    // the initiating entity) that presents `host`'s certificate as the TLS
    // client certificate; the peer's certificate is checked after the
    // handshake (s2s/cert_verify), not by OpenSSL. nullptr for an unknown host.
    SSL_CTX* client_context(std::string_view host) const;

    struct CertInfo {
        std::string host;
        std::string path;
        std::string sha256;  // fingerprint, "AB:CD:..."
        bool generated = false;
    };
    const std::vector<CertInfo>& certificates() const { return certs_; }

private:
    std::map<std::string, std::unique_ptr<boost::asio::ssl::context>> contexts_;
    std::map<std::string, std::unique_ptr<boost::asio::ssl::context>, std::less<>> client_contexts_;
    std::vector<CertInfo> certs_;
};

// Writes a new self-signed RSA-2048 certificate and key for `host` (SAN
// DNS:host and, for XMPP, the same name) as PEM files. Exposed for tests.
Result<void> generate_self_signed(const std::string& host, const std::string& cert_path,
                                  const std::string& key_path);

}  // namespace parley
