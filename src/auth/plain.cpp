// PLAIN server (RFC 4616 §2 message, §4 security: only offered under TLS).
#include <openssl/crypto.h>

#include <string>
#include <string_view>
#include <utility>

#include "auth/mechanisms.hpp"
#include "xmpp/jid.hpp"

namespace parley::auth::detail {

namespace {

class PlainMechanism final : public Mechanism {
public:
    ~PlainMechanism() override { forget_password(); }

    SaslStep step(std::string_view client_message) override {
        switch (state_) {
        case State::start:
            if (client_message.empty()) {
                // RFC 6120 §6.4.2: no initial response; ask for it.
                state_ = State::empty_challenge_sent;
                SaslStep s;
                s.kind = SaslStep::Kind::challenge;
                return s;
            }
            return parse(client_message);
        case State::empty_challenge_sent:
            return parse(client_message);
        case State::need_credentials:
        case State::done:
            break;
        }
        return fail(SaslFailure::malformed_request, "unexpected message");
    }

    SaslStep credentials(const std::optional<Credentials>& creds) override;

private:
    enum class State { start, empty_challenge_sent, need_credentials, done };

    SaslStep fail(SaslFailure f, std::string text) {
        state_ = State::done;
        forget_password();
        return failure(f, std::move(text));
    }

    void forget_password() {
        if (!password_.empty()) {
            OPENSSL_cleanse(password_.data(), password_.size());
            password_.clear();
        }
    }

    SaslStep parse(std::string_view msg);

    State state_ = State::start;
    std::string authzid_;
    std::string username_;
    std::string password_;
};

SaslStep PlainMechanism::parse(std::string_view msg) {
    // message = [authzid] UTF8NUL authcid UTF8NUL passwd (RFC 4616 §2)
    std::size_t n1 = msg.find('\0');
    std::size_t n2 = n1 == std::string_view::npos ? n1 : msg.find('\0', n1 + 1);
    if (n2 == std::string_view::npos || msg.find('\0', n2 + 1) != std::string_view::npos) {
        return fail(SaslFailure::malformed_request, "PLAIN message needs exactly two NULs");
    }
    std::string_view authcid = msg.substr(n1 + 1, n2 - n1 - 1);
    std::string_view password = msg.substr(n2 + 1);
    // authcid = 1*SAFE, passwd = 1*SAFE: both are required.
    if (authcid.empty() || password.empty()) {
        return fail(SaslFailure::malformed_request, "empty authcid or password");
    }
    auto normalized = xmpp::normalize_localpart(authcid);
    if (!normalized) {
        return fail(SaslFailure::not_authorized, "authcid is not a valid localpart");
    }
    authzid_ = std::string(msg.substr(0, n1));
    username_ = std::move(*normalized);
    password_ = std::string(password);
    state_ = State::need_credentials;
    return need_credentials(username_);
}

SaslStep PlainMechanism::credentials(const std::optional<Credentials>& creds) {
    if (state_ != State::need_credentials) {
        return fail(SaslFailure::malformed_request, "credentials() out of turn");
    }
    // Prefer the SHA-256 keys; accounts created before them only have SHA-1.
    // An unknown user is checked against fake keys so that it costs the same.
    Hash h = Hash::sha256;
    ScramKeys keys;
    if (creds) {
        if (creds->sha256.stored_key.empty()) {
            h = Hash::sha1;
        }
        keys = creds->for_hash(h);
    } else {
        keys = fake_keys(h, username_);
    }
    bool ok = check_password(keys, h, password_);
    forget_password();
    if (!creds) {
        return fail(SaslFailure::not_authorized, "unknown user");
    }
    if (!ok) {
        return fail(SaslFailure::not_authorized, "wrong password");
    }
    state_ = State::done;
    SaslStep s;
    s.kind = SaslStep::Kind::success;
    s.username = username_;
    s.authzid = authzid_;
    return s;
}

}  // namespace

std::unique_ptr<Mechanism> make_plain() { return std::make_unique<PlainMechanism>(); }

}  // namespace parley::auth::detail
