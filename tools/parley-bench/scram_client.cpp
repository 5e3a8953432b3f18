#include "parley-bench/scram_client.hpp"

#include <charconv>

#include "auth/base64.hpp"
#include "auth/crypto.hpp"

namespace parley::bench {

namespace crypto = auth::crypto;

namespace {

constexpr int kMaxIterations = 1'000'000;  // a server asking for more is broken or hostile

// RFC 5802 §5.1: ',' and '=' in a username are written "=2C" and "=3D".
std::string saslname(std::string_view name) {
    std::string out;
    for (char c : name) {
        if (c == ',') {
            out += "=2C";
        } else if (c == '=') {
            out += "=3D";
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace

std::optional<std::string_view> scram_attribute(std::string_view msg, char name) {
    while (!msg.empty()) {
        auto comma = msg.find(',');
        auto attr = msg.substr(0, comma);
        if (attr.size() >= 2 && attr[0] == name && attr[1] == '=') {
            return attr.substr(2);
        }
        if (comma == std::string_view::npos) {
            break;
        }
        msg.remove_prefix(comma + 1);
    }
    return std::nullopt;
}

const ScramCache::Keys& ScramCache::keys(auth::Hash h, std::string_view password,
                                         std::string_view salt, int iterations) {
    std::string key;
    key.reserve(password.size() + salt.size() + 16);
    key += static_cast<char>('0' + static_cast<int>(h));
    key += std::to_string(iterations);
    key += '\0';
    key += salt;
    key += '\0';
    key += password;
    auto it = map_.find(key);
    if (it == map_.end()) {
        ++derivations_;
        std::string salted = crypto::pbkdf2(h, password, salt, iterations);
        Keys k{crypto::hmac(h, salted, "Client Key"), crypto::hmac(h, salted, "Server Key")};
        it = map_.emplace(std::move(key), std::move(k)).first;
    }
    return it->second;
}

ScramClient::ScramClient(auth::Hash hash, std::string_view username, std::string_view password,
                         ScramCache& cache, std::string nonce)
    : hash_(hash),
      username_(saslname(username)),
      password_(auth::prepare_password(password).value_or(std::string(password))),
      cache_(cache),
      nonce_(nonce.empty() ? auth::base64_encode(crypto::random_bytes(24)) : std::move(nonce)) {}

std::string ScramClient::first() const { return "n,,n=" + username_ + ",r=" + nonce_; }

std::optional<std::string> ScramClient::final(std::string_view server_first, std::string* error) {
    auto r = scram_attribute(server_first, 'r');
    auto s = scram_attribute(server_first, 's');
    auto i = scram_attribute(server_first, 'i');
    if (!r || !s || !i) {
        *error = "server-first-message lacks r=, s= or i=: '" + std::string(server_first) + "'";
        return std::nullopt;
    }
    if (r->size() <= nonce_.size() || r->substr(0, nonce_.size()) != nonce_) {
        *error = "the server nonce does not extend ours (RFC 5802 §5.1)";
        return std::nullopt;
    }
    auto salt = auth::base64_decode(*s);
    int iterations = 0;
    auto [end, ec] = std::from_chars(i->data(), i->data() + i->size(), iterations);
    if (!salt || ec != std::errc() || end != i->data() + i->size() || iterations < 1 ||
        iterations > kMaxIterations) {
        *error = "bad salt or iteration count in '" + std::string(server_first) + "'";
        return std::nullopt;
    }
    const auto& keys = cache_.keys(hash_, password_, *salt, iterations);
    // "biws" is base64("n,,"): no channel binding, no authzid.
    std::string without_proof = "c=biws,r=" + std::string(*r);
    auth_message_ = "n=" + username_ + ",r=" + nonce_ + "," + std::string(server_first) + "," +
                    without_proof;
    std::string stored_key = crypto::digest(hash_, keys.client_key);
    std::string signature = crypto::hmac(hash_, stored_key, auth_message_);
    server_signature_ = crypto::hmac(hash_, keys.server_key, auth_message_);
    return without_proof + ",p=" +
           auth::base64_encode(crypto::xor_bytes(keys.client_key, signature));
}

bool ScramClient::verify(std::string_view server_final, std::string* error) const {
    if (auto e = scram_attribute(server_final, 'e')) {
        *error = "server-final-message carries error '" + std::string(*e) + "'";
        return false;
    }
    auto v = scram_attribute(server_final, 'v');
    auto sig = v ? auth::base64_decode(*v) : std::nullopt;
    if (!sig || server_signature_.empty() || !crypto::equal_ct(*sig, server_signature_)) {
        *error = "the server's signature (v=) is wrong: the server does not know the password "
                 "(RFC 5802 §5.1)";
        return false;
    }
    return true;
}

}  // namespace parley::bench
