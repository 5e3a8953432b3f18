// Channel-binding data from an OpenSSL server connection.
#pragma once

#include <openssl/ssl.h>

#include "auth/sasl.hpp"

namespace parley::auth {

// tls-exporter (RFC 9266 §2: 32 bytes, label "EXPORTER-Channel-Binding", empty
// context) when the connection is TLS 1.3, and tls-server-end-point (RFC 5929
// §4.1: hash of our certificate, SHA-256 for MD5/SHA-1 signatures) always.
ChannelBindings channel_bindings(SSL* ssl);

}  // namespace parley::auth
