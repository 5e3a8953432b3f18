// Peer certificate checks for server-to-server streams: chain validation
// against a trust store (RFC 6120 §13.7.2) and the service identity check of
// RFC 6125 §6 as profiled for XMPP servers by RFC 6120 §13.7.1.2.
//
// Identity: the reference identifier is the peer's XMPP domain (the domain the
// stream is for, never the SRV target or an IP address: RFC 6120 §13.7.2.1,
// XEP-0368 §3). It matches, in A-label form and ASCII case-insensitively:
//   - a DNS-ID (subjectAltName dNSName; RFC 6125 §6.4.1), where '*' is allowed
//     only as the whole left-most label and stands for exactly one label
//     (§6.4.3 rules 1-2). The partial wildcards of rule 3 are refused, as
//     RFC 9525 (which obsoletes RFC 6125) requires, so a wildcard is never
//     part of an A-label;
//   - an SRV-ID (otherName id-on-dnsSRV, RFC 4985) "_xmpp-server.<domain>" or,
//     for XEP-0368 direct TLS, "_xmpps-server.<domain>" (RFC 6125 §6.5.1);
//   - an XmppAddr (otherName id-on-xmppAddr 1.3.6.1.5.5.7.8.5, a UTF8String;
//     RFC 6120 §13.7.1.4) equal to the domain;
//   - optionally the subject's most specific CN (RFC 6125 §6.4.4), but only if
//     the certificate has no subjectAltName extension at all. Off by default.
//
// Everything here is a pure function of its arguments; a TrustStore is
// read-only once built and may be shared by all threads.
#pragma once

#include <openssl/x509.h>

#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace parley::s2s {

// Which presented identifier matched (for logs and metrics).
enum class IdentityMatch { none, dns_id, srv_id, xmpp_addr, common_name };

std::string_view identity_match_name(IdentityMatch m);  // "none", "DNS-ID", ...

struct IdentityOptions {
    // RFC 6125 §6.4.4: accept a CN-ID when the certificate has no
    // subjectAltName. Legacy only; RFC 9525 drops it.
    bool allow_common_name = false;
};

// The identity check of a certificate for `domain` (U-label or A-label form).
// An unusable domain or a null certificate gives IdentityMatch::none.
IdentityMatch match_identity(X509* cert, std::string_view domain,
                             const IdentityOptions& options = {});

// The matching rules on their own, on ASCII (A-label) strings; exposed for
// tests. `reference` must already be in the form to_ascii_domain() returns.
bool dns_id_matches(std::string_view presented, std::string_view reference);
bool srv_id_matches(std::string_view presented, std::string_view reference);

// Why a certificate was refused; tests and the stream code switch on
// `problem`, `message` is for logs and the stream error's <text/>.
enum class CertProblem {
    no_certificate,  // the peer sent none
    expired,         // a certificate in the chain is past its notAfter
    not_yet_valid,   // ... or before its notBefore
    self_signed,     // the peer's own certificate is self-signed and not trusted
    unknown_ca,      // the chain does not lead to a trusted CA
    name_mismatch,   // valid chain, but not issued for the domain
    invalid,         // anything else OpenSSL refuses (bad signature, bad extension...)
};

struct CertError {
    CertProblem problem;
    std::string message;
};

std::string_view cert_problem_name(CertProblem p);  // "expired", "unknown-ca", ...

// The CAs that s2s peers' certificates must chain to.
class TrustStore {
public:
    // OpenSSL's default locations (SSL_CERT_FILE / SSL_CERT_DIR, else the
    // system bundle, on Debian /etc/ssl/certs).
    static Result<TrustStore> system_default();
    // A PEM file of one or more CA certificates (a private federation).
    static Result<TrustStore> from_ca_file(const std::string& path);
    // An empty store; add() CAs to it (tests, programmatic set-ups).
    static TrustStore empty();

    Result<void> add(X509* ca);

    X509_STORE* native() const { return store_.get(); }

private:
    struct Free {
        void operator()(X509_STORE* s) const { X509_STORE_free(s); }
    };
    explicit TrustStore(X509_STORE* s) : store_(s, Free{}) {}

    std::shared_ptr<X509_STORE> store_;  // X509_STORE locks internally for lookups
};

struct ChainOptions {
    // Verify as of this time instead of now (tests, diagnostics).
    std::optional<std::time_t> at_time;
};

// Validates `leaf` up to a CA in `trust`, using `untrusted` (the rest of what
// the peer sent; may be null) as intermediates. No key-usage/purpose check:
// s2s certificates are presented both as TLS servers and as TLS clients, and
// many carry only serverAuth.
Result<void, CertError> verify_chain(const TrustStore& trust, X509* leaf,
                                     STACK_OF(X509) * untrusted, const ChainOptions& chain = {});

// verify_chain() then match_identity(); the match that succeeded, or the
// first problem found (a chain problem before a name mismatch).
Result<IdentityMatch, CertError> verify_peer(const TrustStore& trust, X509* leaf,
                                             STACK_OF(X509) * untrusted, std::string_view domain,
                                             const IdentityOptions& identity = {},
                                             const ChainOptions& chain = {});

}  // namespace parley::s2s
