// SASL in XMPP (RFC 6120 §6): mechanism selection (§6.3.3 mechanisms
// offered, §6.4.2 mechanism chosen) and the failure conditions of §6.5.
#include "auth/sasl.hpp"

#include <utility>

#include "auth/crypto.hpp"
#include "auth/mechanisms.hpp"

namespace parley::auth {

namespace {

struct ScramName {
    std::string_view name;
    Hash hash;
};

// Strongest first (RFC 6120 §6.3.3: the server lists them in order of preference).
constexpr ScramName kScram[] = {
    {"SCRAM-SHA-512", Hash::sha512},
    {"SCRAM-SHA-256", Hash::sha256},
    {"SCRAM-SHA-1", Hash::sha1},
};

constexpr std::string_view kPlusSuffix = "-PLUS";

}  // namespace

std::string_view to_string(SaslFailure f) {
    switch (f) {
    case SaslFailure::aborted:
        return "aborted";
    case SaslFailure::account_disabled:
        return "account-disabled";
    case SaslFailure::credentials_expired:
        return "credentials-expired";
    case SaslFailure::encryption_required:
        return "encryption-required";
    case SaslFailure::incorrect_encoding:
        return "incorrect-encoding";
    case SaslFailure::invalid_authzid:
        return "invalid-authzid";
    case SaslFailure::invalid_mechanism:
        return "invalid-mechanism";
    case SaslFailure::malformed_request:
        return "malformed-request";
    case SaslFailure::mechanism_too_weak:
        return "mechanism-too-weak";
    case SaslFailure::not_authorized:
        return "not-authorized";
    case SaslFailure::temporary_auth_failure:
        return "temporary-auth-failure";
    }
    return "not-authorized";
}

std::vector<std::string> offered_mechanisms(bool secure, const ChannelBindings& cb) {
    std::vector<std::string> out;
    if (cb.any()) {
        for (const auto& s : kScram) {
            out.push_back(std::string(s.name) + std::string(kPlusSuffix));
        }
    }
    for (const auto& s : kScram) {
        out.emplace_back(s.name);
    }
    // RFC 6120 §13.8.3 / RFC 4616 §4: PLAIN only under TLS.
    if (secure) {
        out.emplace_back("PLAIN");
    }
    return out;
}

std::unique_ptr<Mechanism> make_mechanism(std::string_view name, bool secure,
                                          const ChannelBindings& cb) {
    if (name == "PLAIN") {
        return secure ? detail::make_plain() : nullptr;
    }
    bool plus = name.ends_with(kPlusSuffix);
    if (plus) {
        if (!cb.any()) {
            return nullptr;
        }
        name.remove_suffix(kPlusSuffix.size());
    }
    for (const auto& s : kScram) {
        if (name == s.name) {
            return detail::make_scram(s.hash, plus, cb, {});
        }
    }
    return nullptr;
}

std::unique_ptr<Mechanism> make_scram_for_test(Hash h, bool plus, const ChannelBindings& cb,
                                               std::string server_nonce) {
    return detail::make_scram(h, plus, cb, std::move(server_nonce));
}

namespace detail {

ScramKeys fake_keys(Hash h, std::string_view username) {
    // The one function-local static of auth/ (STYLE.md b.7 exception): the
    // key must outlive every attempt and be the same for all of them, else the
    // fake salt of a username would change between attempts and betray it.
    // Initialisation is thread-safe (C++11 magic statics).
    static const std::string kKey = crypto::random_bytes(32);
    std::string seed(hash_name(h));
    seed += '\0';
    seed += username;
    ScramKeys k;
    k.salt = crypto::hmac(Hash::sha256, kKey, "salt" + seed).substr(0, 16);
    k.iterations = kDefaultIterations;
    k.stored_key = crypto::hmac(h, kKey, "stored-key" + seed);
    k.server_key = crypto::hmac(h, kKey, "server-key" + seed);
    return k;
}

}  // namespace detail

}  // namespace parley::auth
