// Server side of SASL (RFC 6120 §6, RFC 4422) as a synchronous state machine
// per mechanism, so that tests can drive it with literal messages and the
// session can fetch credentials from storage asynchronously between steps.
//
// The session calls step() with each decoded client message (the initial
// response first, "" when the client sent none or sent "="). When the
// mechanism needs the user's stored keys it answers need_credentials with the
// normalized username; the session looks them up and calls credentials().
// One Mechanism object per authentication attempt; not thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/credentials.hpp"

namespace parley::auth {

// RFC 6120 §6.5 failure conditions.
enum class SaslFailure {
    aborted,
    account_disabled,
    credentials_expired,
    encryption_required,
    incorrect_encoding,
    invalid_authzid,
    invalid_mechanism,
    malformed_request,
    mechanism_too_weak,
    not_authorized,
    temporary_auth_failure,
};
std::string_view to_string(SaslFailure f);  // the element name, e.g. "not-authorized"

struct SaslStep {
    enum class Kind { challenge, success, failure, need_credentials };
    Kind kind = Kind::failure;
    std::string data;      // challenge: to send; success: additional data (may be empty)
    std::string username;  // need_credentials and success: the normalized localpart
    std::string authzid;   // success: the requested authorization identity, if any
    SaslFailure failure = SaslFailure::not_authorized;
    std::string text;      // failure: why, for the log (never the password)
};

// Channel binding data of the TLS connection (RFC 5929, RFC 9266).
struct ChannelBindings {
    std::optional<std::string> tls_exporter;          // RFC 9266, TLS 1.3 only
    std::optional<std::string> tls_server_end_point;  // RFC 5929 §4
    bool any() const { return tls_exporter || tls_server_end_point; }
};

class Mechanism {
public:
    virtual ~Mechanism() = default;
    virtual SaslStep step(std::string_view client_message) = 0;
    // Answer to need_credentials; nullopt when the user does not exist (the
    // mechanism must still fail as for a wrong password, not reveal it).
    virtual SaslStep credentials(const std::optional<Credentials>& creds) = 0;
};

// Mechanism names offered on a stream, strongest first. PLAIN only when
// `secure` (TLS); -PLUS variants only when bindings are available.
std::vector<std::string> offered_mechanisms(bool secure, const ChannelBindings& cb);

// Creates a mechanism by name ("SCRAM-SHA-256", "SCRAM-SHA-1-PLUS", "PLAIN"...),
// or nullptr when the name is unknown or not offered under these conditions.
std::unique_ptr<Mechanism> make_mechanism(std::string_view name, bool secure,
                                          const ChannelBindings& cb);

// Test hook: a SCRAM mechanism whose server nonce part is `server_nonce`
// instead of 24 random bytes in base64, to reproduce the RFC 5802 §5 and
// RFC 7677 §3 examples. `plus` selects the -PLUS variant (channel binding with
// `cb`). Never use outside tests: a fixed nonce defeats replay protection.
std::unique_ptr<Mechanism> make_scram_for_test(Hash h, bool plus, const ChannelBindings& cb,
                                               std::string server_nonce);

}  // namespace parley::auth
