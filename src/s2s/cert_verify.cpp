// RFC 6125 §6 identity checks and chain validation for s2s peers
// (RFC 6120 §13.7.1.2, §13.7.2).
#include "s2s/cert_verify.hpp"

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "s2s/domain_name.hpp"

namespace parley::s2s {

namespace {

constexpr std::string_view kSrvServices[] = {"_xmpp-server", "_xmpps-server"};

std::string_view view(const ASN1_STRING* s) {
    if (s == nullptr) {
        return {};
    }
    return {reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
            static_cast<std::size_t>(ASN1_STRING_length(s))};
}

// An IA5String identifier usable as an ASCII name: no NUL (the classic
// "good.example\0.evil.example" trick), nothing outside printable ASCII.
std::optional<std::string> ascii_identifier(std::string_view s) {
    if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) {
            const auto u = static_cast<unsigned char>(c);
            return u > 0x20 && u < 0x7f;
        })) {
        return std::nullopt;
    }
    return lower_ascii(s);
}

// A UTF-8 domain (XmppAddr, CN) in A-label form; a '*' left-most label is
// kept as is so that a CN-ID can carry the same wildcard as a DNS-ID.
std::optional<std::string> utf8_domain_identifier(std::string_view s) {
    if (s.size() > 2 && s.substr(0, 2) == "*.") {
        auto rest = to_ascii_domain(s.substr(2));
        return rest ? std::optional<std::string>("*." + *rest) : std::nullopt;
    }
    return to_ascii_domain(s);
}

std::string openssl_error() {
    const unsigned long e = ERR_get_error();
    ERR_clear_error();
    if (e == 0) {
        return "unknown OpenSSL error";
    }
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    return buf;
}

std::string subject_of(X509* cert) {
    if (cert == nullptr) {
        return "?";
    }
    char buf[256];
    X509_NAME_oneline(X509_get_subject_name(cert), buf, sizeof buf);
    return buf;
}

struct SanMatches {
    bool dns_id = false;
    bool srv_id = false;
    bool xmpp_addr = false;
};

void match_other_name(const OTHERNAME* other, std::string_view reference, SanMatches& m) {
    if (other == nullptr || other->type_id == nullptr || other->value == nullptr) {
        return;
    }
    const int nid = OBJ_obj2nid(other->type_id);
    const ASN1_TYPE* value = other->value;
    if (nid == NID_SRVName && value->type == V_ASN1_IA5STRING) {
        auto id = ascii_identifier(view(value->value.ia5string));
        m.srv_id = m.srv_id || (id && srv_id_matches(*id, reference));
    } else if (nid == NID_XmppAddr && value->type == V_ASN1_UTF8STRING) {
        const std::string_view jid = view(value->value.utf8string);
        // A server's XmppAddr is a bare domain; a user JID never names a server.
        if (jid.find_first_of(std::string_view("@/\0", 3)) != std::string_view::npos) {
            return;
        }
        auto id = to_ascii_domain(jid);
        m.xmpp_addr = m.xmpp_addr || (id && *id == reference);
    }
}

SanMatches match_subject_alt_names(const GENERAL_NAMES* names, std::string_view reference) {
    SanMatches m;
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
        const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
        if (name->type == GEN_DNS) {
            auto id = ascii_identifier(view(name->d.dNSName));
            m.dns_id = m.dns_id || (id && dns_id_matches(*id, reference));
        } else if (name->type == GEN_OTHERNAME) {
            match_other_name(name->d.otherName, reference, m);
        }
    }
    return m;
}

// RFC 6125 §6.4.4 / §2.3.1: the most specific (last) CN of the subject.
bool common_name_matches(X509* cert, std::string_view reference) {
    const X509_NAME* subject = X509_get_subject_name(cert);
    int last = -1;
    for (int i = X509_NAME_get_index_by_NID(subject, NID_commonName, -1); i >= 0;
         i = X509_NAME_get_index_by_NID(subject, NID_commonName, i)) {
        last = i;
    }
    if (last < 0) {
        return false;
    }
    const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, last));
    unsigned char* utf8 = nullptr;
    const int len = ASN1_STRING_to_UTF8(&utf8, data);
    if (len < 0) {
        return false;
    }
    const std::string cn(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(len));
    OPENSSL_free(utf8);
    auto id = cn.find('\0') == std::string::npos ? utf8_domain_identifier(cn) : std::nullopt;
    return id && dns_id_matches(*id, reference);
}

CertProblem classify(int err) {
    switch (err) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
        return CertProblem::expired;
    case X509_V_ERR_CERT_NOT_YET_VALID:
        return CertProblem::not_yet_valid;
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        return CertProblem::self_signed;
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
        return CertProblem::unknown_ca;
    default:
        return CertProblem::invalid;
    }
}

}  // namespace

std::string_view identity_match_name(IdentityMatch m) {
    switch (m) {
    case IdentityMatch::none:
        return "none";
    case IdentityMatch::dns_id:
        return "DNS-ID";
    case IdentityMatch::srv_id:
        return "SRV-ID";
    case IdentityMatch::xmpp_addr:
        return "XmppAddr";
    case IdentityMatch::common_name:
        return "CN-ID";
    }
    return "none";
}

std::string_view cert_problem_name(CertProblem p) {
    switch (p) {
    case CertProblem::no_certificate:
        return "no-certificate";
    case CertProblem::expired:
        return "expired";
    case CertProblem::not_yet_valid:
        return "not-yet-valid";
    case CertProblem::self_signed:
        return "self-signed";
    case CertProblem::unknown_ca:
        return "unknown-ca";
    case CertProblem::name_mismatch:
        return "name-mismatch";
    case CertProblem::invalid:
        return "invalid";
    }
    return "invalid";
}

bool dns_id_matches(std::string_view presented, std::string_view reference) {
    if (presented.empty() || reference.empty()) {
        return false;
    }
    if (presented.find('*') == std::string_view::npos) {
        return iequals_ascii(presented, reference);
    }
    // RFC 6125 §6.4.3 rule 1: '*' only in the left-most label; rule 3 (a '*'
    // inside a label, e.g. "f*.example.com" or "xn--*.example") is refused.
    if (presented.size() < 3 || presented.substr(0, 2) != "*.") {
        return false;
    }
    const std::string_view rest = presented.substr(2);
    // No further '*', and at least two labels under the wildcard: "*.com" would
    // claim a whole TLD (RFC 6125 §7.2).
    if (rest.find('*') != std::string_view::npos || rest.find('.') == std::string_view::npos ||
        rest.front() == '.' || rest.back() == '.') {
        return false;
    }
    // Rule 2: the wildcard stands for exactly one non-empty label.
    const auto dot = reference.find('.');
    if (dot == std::string_view::npos || dot == 0) {
        return false;
    }
    return iequals_ascii(reference.substr(dot + 1), rest);
}

bool srv_id_matches(std::string_view presented, std::string_view reference) {
    // RFC 4985 §2: SRVName is "_Service.Name"; RFC 6125 §6.5.1 compares the
    // service case-insensitively and the name as a DNS domain name.
    const auto dot = presented.find('.');
    if (dot == std::string_view::npos || reference.empty()) {
        return false;
    }
    const std::string_view service = presented.substr(0, dot);
    const bool xmpp_server =
        std::any_of(std::begin(kSrvServices), std::end(kSrvServices),
                    [&](std::string_view s) { return iequals_ascii(s, service); });
    return xmpp_server && iequals_ascii(presented.substr(dot + 1), reference);
}

IdentityMatch match_identity(X509* cert, std::string_view domain, const IdentityOptions& options) {
    if (cert == nullptr) {
        return IdentityMatch::none;
    }
    const auto reference = to_ascii_domain(domain);
    if (!reference) {
        return IdentityMatch::none;
    }
    if (X509_get_ext_by_NID(cert, NID_subject_alt_name, -1) < 0) {
        const bool cn = options.allow_common_name && common_name_matches(cert, *reference);
        return cn ? IdentityMatch::common_name : IdentityMatch::none;
    }
    // A subjectAltName that does not decode matches nothing (and, being
    // present, rules the CN out as well).
    auto* names = static_cast<GENERAL_NAMES*>(
        X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
    if (names == nullptr) {
        ERR_clear_error();
        return IdentityMatch::none;
    }
    const SanMatches m = match_subject_alt_names(names, *reference);
    GENERAL_NAMES_free(names);
    if (m.dns_id) {
        return IdentityMatch::dns_id;
    }
    if (m.srv_id) {
        return IdentityMatch::srv_id;
    }
    return m.xmpp_addr ? IdentityMatch::xmpp_addr : IdentityMatch::none;
}

Result<TrustStore> TrustStore::system_default() {
    TrustStore t = empty();
    if (X509_STORE_set_default_paths(t.native()) != 1) {
        return fail("cannot load the system CA certificates: " + openssl_error());
    }
    return t;
}

Result<TrustStore> TrustStore::from_ca_file(const std::string& path) {
    TrustStore t = empty();
    if (X509_STORE_load_file(t.native(), path.c_str()) != 1) {
        return fail("cannot load CA file " + path + ": " + openssl_error());
    }
    return t;
}

TrustStore TrustStore::empty() {
    X509_STORE* s = X509_STORE_new();
    if (s == nullptr) {
        std::abort();  // STYLE.md b.8: out of memory is a "cannot happen"
    }
    return TrustStore(s);
}

Result<void> TrustStore::add(X509* ca) {
    if (ca == nullptr || X509_STORE_add_cert(store_.get(), ca) != 1) {
        return fail("cannot add CA certificate to the trust store: " + openssl_error());
    }
    return {};
}

Result<void, CertError> verify_chain(const TrustStore& trust, X509* leaf,
                                     STACK_OF(X509) * untrusted, const ChainOptions& chain) {
    if (leaf == nullptr) {
        return fail(CertError{CertProblem::no_certificate, "the peer presented no certificate"});
    }
    std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(),
                                                                         X509_STORE_CTX_free);
    if (!ctx || X509_STORE_CTX_init(ctx.get(), trust.native(), leaf, untrusted) != 1) {
        return fail(CertError{CertProblem::invalid, "cannot verify: " + openssl_error()});
    }
    if (chain.at_time) {
        X509_STORE_CTX_set_time(ctx.get(), 0, *chain.at_time);
    }
    if (X509_verify_cert(ctx.get()) == 1) {
        return {};
    }
    const int err = X509_STORE_CTX_get_error(ctx.get());
    const int depth = X509_STORE_CTX_get_error_depth(ctx.get());
    X509* where = X509_STORE_CTX_get_current_cert(ctx.get());
    ERR_clear_error();
    const CertProblem problem = classify(err);
    std::string message(cert_problem_name(problem));
    message += ": ";
    message += X509_verify_cert_error_string(err);
    message += " (depth " + std::to_string(depth) + ", " + subject_of(where) + ")";
    return fail(CertError{problem, std::move(message)});
}

Result<IdentityMatch, CertError> verify_peer(const TrustStore& trust, X509* leaf,
                                             STACK_OF(X509) * untrusted, std::string_view domain,
                                             const IdentityOptions& identity,
                                             const ChainOptions& chain) {
    auto chain_ok = verify_chain(trust, leaf, untrusted, chain);
    if (!chain_ok) {
        return fail(chain_ok.error());
    }
    const IdentityMatch m = match_identity(leaf, domain, identity);
    if (m == IdentityMatch::none) {
        return fail(CertError{CertProblem::name_mismatch,
                              "name-mismatch: the certificate (" + subject_of(leaf) +
                                  ") is not valid for " + std::string(domain)});
    }
    return m;
}

}  // namespace parley::s2s
