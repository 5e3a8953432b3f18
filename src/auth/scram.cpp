// SCRAM server (RFC 5802 §3 algorithm, §5 exchange, §6 channel binding, §7
// grammar), with the SHA-256 and SHA-512 variants of RFC 7677 and the channel
// binding types tls-server-end-point (RFC 5929 §4) and tls-exporter (RFC 9266).
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/base64.hpp"
#include "auth/crypto.hpp"
#include "auth/mechanisms.hpp"
#include "xmpp/jid.hpp"

namespace parley::auth::detail {

namespace {

// RFC 5802 §5.1: "a sequence of random printable ASCII characters excluding ','".
constexpr std::size_t kServerNonceBytes = 24;

std::vector<std::string_view> split_commas(std::string_view s) {
    std::vector<std::string_view> out;
    for (;;) {
        std::size_t comma = s.find(',');
        out.push_back(s.substr(0, comma));
        if (comma == std::string_view::npos) {
            return out;
        }
        s.remove_prefix(comma + 1);
    }
}

// attr-val = ALPHA "=" value (RFC 5802 §7); true if `a` is "<name>=...".
bool has_attr(std::string_view a, char name) {
    return a.size() >= 2 && a[0] == name && a[1] == '=';
}

bool is_attr_val(std::string_view a) {
    return a.size() >= 2 && ((a[0] >= 'a' && a[0] <= 'z') || (a[0] >= 'A' && a[0] <= 'Z')) &&
           a[1] == '=';
}

// saslname (RFC 5802 §7): "=2C" stands for ',' and "=3D" for '='; any other
// '=' is an error, and so is an empty name or a NUL.
std::optional<std::string> decode_saslname(std::string_view s) {
    if (s.empty()) {
        return std::nullopt;
    }
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\0') {
            return std::nullopt;
        }
        if (s[i] != '=') {
            out += s[i];
        } else if (s.substr(i, 3) == "=2C") {
            out += ',';
            i += 2;
        } else if (s.substr(i, 3) == "=3D") {
            out += '=';
            i += 2;
        } else {
            return std::nullopt;
        }
    }
    return out;
}

// c-nonce (RFC 5802 §7): printable = %x21-2B / %x2D-7E.
bool is_valid_nonce(std::string_view s) {
    if (s.empty()) {
        return false;
    }
    for (char c : s) {
        if (c < 0x21 || c > 0x7e || c == ',') {
            return false;
        }
    }
    return true;
}

class ScramMechanism final : public Mechanism {
public:
    ScramMechanism(Hash h, bool plus, ChannelBindings cb, std::string server_nonce)
        : hash_(h), plus_(plus), cb_(std::move(cb)), server_nonce_(std::move(server_nonce)) {}

    SaslStep step(std::string_view client_message) override {
        switch (state_) {
        case State::start:
            if (client_message.empty()) {
                // RFC 6120 §6.4.2: no initial response; SCRAM is client-first,
                // so ask for it with an empty challenge.
                state_ = State::empty_challenge_sent;
                return challenge({});
            }
            return client_first(client_message);
        case State::empty_challenge_sent:
            return client_first(client_message);
        case State::server_first_sent:
            return client_final(client_message);
        case State::need_credentials:
            return fail(SaslFailure::malformed_request, "message while credentials are pending");
        case State::done:
            break;
        }
        return fail(SaslFailure::malformed_request, "message after the exchange ended");
    }

    SaslStep credentials(const std::optional<Credentials>& creds) override;

private:
    enum class State { start, empty_challenge_sent, need_credentials, server_first_sent, done };

    SaslStep fail(SaslFailure f, std::string text) {
        state_ = State::done;
        return failure(f, std::move(text));
    }

    SaslStep client_first(std::string_view msg);
    SaslStep client_final(std::string_view msg);
    // Applies the channel-binding rules of RFC 5802 §6 to the gs2-cbind-flag;
    // returns a failure, or nullopt when the flag is acceptable.
    std::optional<SaslStep> check_cbind_flag(std::string_view flag);

    Hash hash_;
    bool plus_;
    ChannelBindings cb_;
    std::string server_nonce_;
    State state_ = State::start;

    std::string gs2_header_;         // as received, e.g. "p=tls-exporter,,"
    std::string cb_data_;            // the binding the client asked for ("" without)
    std::string client_first_bare_;  // client-first-message-bare, as received
    std::string client_nonce_;
    std::string username_;           // normalized localpart
    std::string authzid_;            // decoded, possibly empty
    std::string nonce_;              // client nonce + server nonce
    std::string server_first_;
    ScramKeys keys_;
    bool unknown_user_ = false;
};

std::optional<SaslStep> ScramMechanism::check_cbind_flag(std::string_view flag) {
    if (flag.starts_with("p=")) {
        std::string_view name = flag.substr(2);
        if (!plus_) {
            // RFC 5802 §6: "p" is only for the -PLUS mechanisms.
            return fail(SaslFailure::malformed_request, "channel binding in a non-PLUS mechanism");
        }
        if (name == "tls-exporter" && cb_.tls_exporter) {
            cb_data_ = *cb_.tls_exporter;
        } else if (name == "tls-server-end-point" && cb_.tls_server_end_point) {
            cb_data_ = *cb_.tls_server_end_point;
        } else {
            return fail(SaslFailure::malformed_request, "unsupported channel binding type");
        }
        return std::nullopt;
    }
    if (flag != "n" && flag != "y") {
        return fail(SaslFailure::malformed_request, "bad gs2-cbind-flag");
    }
    if (plus_) {
        return fail(SaslFailure::malformed_request, "-PLUS mechanism without channel binding");
    }
    if (flag == "y" && cb_.any()) {
        // RFC 5802 §6: the client supports binding but believes we do not,
        // although we offered -PLUS: someone stripped it (downgrade attack).
        return fail(SaslFailure::not_authorized, "channel binding downgrade detected");
    }
    return std::nullopt;
}

SaslStep ScramMechanism::client_first(std::string_view msg) {
    // gs2-header = gs2-cbind-flag "," [ authzid ] ","
    std::size_t c1 = msg.find(',');
    std::size_t c2 = c1 == std::string_view::npos ? c1 : msg.find(',', c1 + 1);
    if (c2 == std::string_view::npos) {
        return fail(SaslFailure::malformed_request, "no gs2-header");
    }
    if (auto f = check_cbind_flag(msg.substr(0, c1))) {
        return *f;
    }
    std::string_view authzid = msg.substr(c1 + 1, c2 - c1 - 1);
    if (!authzid.empty()) {
        auto decoded = has_attr(authzid, 'a') ? decode_saslname(authzid.substr(2)) : std::nullopt;
        if (!decoded) {
            return fail(SaslFailure::malformed_request, "bad authzid");
        }
        authzid_ = std::move(*decoded);
    }
    gs2_header_ = std::string(msg.substr(0, c2 + 1));
    client_first_bare_ = std::string(msg.substr(c2 + 1));

    // client-first-message-bare = [reserved-mext ","] username "," nonce ["," extensions]
    auto attrs = split_commas(client_first_bare_);
    if (has_attr(attrs[0], 'm')) {
        // RFC 5802 §5.1: an "m" attribute MUST cause authentication failure.
        return fail(SaslFailure::malformed_request, "unsupported mandatory extension");
    }
    if (attrs.size() < 2 || !has_attr(attrs[0], 'n') || !has_attr(attrs[1], 'r')) {
        return fail(SaslFailure::malformed_request, "client-first-message needs n= and r=");
    }
    for (std::size_t i = 2; i < attrs.size(); ++i) {
        if (!is_attr_val(attrs[i])) {
            return fail(SaslFailure::malformed_request, "bad extension attribute");
        }
    }
    auto username = decode_saslname(attrs[0].substr(2));
    if (!username) {
        return fail(SaslFailure::malformed_request, "bad username encoding");
    }
    client_nonce_ = std::string(attrs[1].substr(2));
    if (!is_valid_nonce(client_nonce_)) {
        return fail(SaslFailure::malformed_request, "bad client nonce");
    }
    // RFC 6120 §6.3.8 / RFC 7622 §3.3: the authcid of XMPP is a localpart,
    // compared in its UsernameCaseMapped form.
    auto normalized = xmpp::normalize_localpart(*username);
    if (!normalized) {
        return fail(SaslFailure::not_authorized, "username is not a valid localpart");
    }
    username_ = std::move(*normalized);
    state_ = State::need_credentials;
    return need_credentials(username_);
}

SaslStep ScramMechanism::credentials(const std::optional<Credentials>& creds) {
    if (state_ != State::need_credentials) {
        return fail(SaslFailure::malformed_request, "credentials() out of turn");
    }
    const ScramKeys* keys = creds ? &creds->for_hash(hash_) : nullptr;
    std::size_t size = crypto::digest_size(hash_);
    if (keys && keys->iterations > 0 && !keys->salt.empty() && keys->stored_key.size() == size &&
        keys->server_key.size() == size) {
        keys_ = *keys;
    } else {
        // Unknown user, or no keys for this hash: carry on with fake keys and
        // fail at the end, exactly as for a wrong password.
        unknown_user_ = true;
        keys_ = fake_keys(hash_, username_);
    }
    if (server_nonce_.empty()) {
        server_nonce_ = base64_encode(crypto::random_bytes(kServerNonceBytes));
    }
    nonce_ = client_nonce_ + server_nonce_;
    // server-first-message = [reserved-mext ","] nonce "," salt "," iteration-count
    server_first_ = "r=" + nonce_ + ",s=" + base64_encode(keys_.salt) +
                    ",i=" + std::to_string(keys_.iterations);
    state_ = State::server_first_sent;
    return challenge(server_first_);
}

SaslStep ScramMechanism::client_final(std::string_view msg) {
    // client-final-message = channel-binding "," nonce ["," extensions] "," proof
    auto attrs = split_commas(msg);
    if (attrs.size() < 3 || !has_attr(attrs[0], 'c') || !has_attr(attrs[1], 'r') ||
        !has_attr(attrs.back(), 'p')) {
        return fail(SaslFailure::malformed_request, "client-final-message needs c=, r= and p=");
    }
    for (std::size_t i = 2; i + 1 < attrs.size(); ++i) {
        if (!is_attr_val(attrs[i])) {
            return fail(SaslFailure::malformed_request, "bad extension attribute");
        }
    }
    auto cbind_input = base64_decode(attrs[0].substr(2));
    auto proof = base64_decode(attrs.back().substr(2));
    if (!cbind_input || !proof) {
        return fail(SaslFailure::malformed_request, "bad base64 in c= or p=");
    }
    if (proof->size() != crypto::digest_size(hash_)) {
        return fail(SaslFailure::malformed_request, "proof has the wrong length");
    }
    // RFC 5802 §6: c= is base64(gs2-header [cbind-data]); the header must be
    // the one of the client-first-message, the data ours.
    if (!crypto::equal_ct(*cbind_input, gs2_header_ + cb_data_)) {
        return fail(SaslFailure::not_authorized, "channel binding mismatch");
    }
    if (attrs[1].substr(2) != nonce_) {
        return fail(SaslFailure::not_authorized, "nonce mismatch");
    }
    // RFC 5802 §3: AuthMessage, ClientSignature, ClientKey, ServerSignature.
    std::string_view without_proof = msg.substr(0, msg.size() - attrs.back().size() - 1);
    std::string auth_message = client_first_bare_;
    auth_message += ',';
    auth_message += server_first_;
    auth_message += ',';
    auth_message += without_proof;
    std::string client_signature = crypto::hmac(hash_, keys_.stored_key, auth_message);
    std::string client_key = crypto::xor_bytes(*proof, client_signature);
    bool proof_ok = crypto::equal_ct(crypto::digest(hash_, client_key), keys_.stored_key);
    if (unknown_user_) {
        return fail(SaslFailure::not_authorized, "unknown user");
    }
    if (!proof_ok) {
        return fail(SaslFailure::not_authorized, "wrong password");
    }
    std::string server_signature = crypto::hmac(hash_, keys_.server_key, auth_message);
    state_ = State::done;
    SaslStep s;
    s.kind = SaslStep::Kind::success;
    s.data = "v=" + base64_encode(server_signature);  // server-final-message
    s.username = username_;
    s.authzid = authzid_;
    return s;
}

}  // namespace

std::unique_ptr<Mechanism> make_scram(Hash h, bool plus, ChannelBindings cb,
                                      std::string server_nonce) {
    return std::make_unique<ScramMechanism>(h, plus, std::move(cb), std::move(server_nonce));
}

}  // namespace parley::auth::detail
