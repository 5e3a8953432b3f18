// Channel-binding data from an OpenSSL server connection.
#pragma once

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <optional>
#include <string>

#include "auth/sasl.hpp"

namespace parley::auth {

// tls-exporter (RFC 9266 §2: 32 bytes, label "EXPORTER-Channel-Binding", empty
// context) when the connection is TLS 1.3, and tls-server-end-point (RFC 5929
// §4.1: hash of our certificate, SHA-256 for MD5/SHA-1 signatures) always.
// Call it once the handshake is complete. A null `ssl` gives no bindings.
ChannelBindings channel_bindings(SSL* ssl);

// The tls-server-end-point data of a certificate (RFC 5929 §4.1): its hash
// with the digest of its signature algorithm, or SHA-256 when that digest is
// MD5 or SHA-1. nullopt when the signature algorithm uses no single digest
// (e.g. Ed25519), for which RFC 5929 leaves the binding undefined. Exposed so
// that a client (or a test) can compute it from the peer certificate.
std::optional<std::string> tls_server_end_point(X509* cert);

}  // namespace parley::auth
