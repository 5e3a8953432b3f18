// XEP-0484 v0.2 tokens and the HT-* SASL mechanisms (draft-schmaus-kitten-sasl-ht-08 §3).
#include "auth/fast.hpp"

#include <array>

#include "auth/base64.hpp"
#include "auth/crypto.hpp"

namespace parley::auth::fast {

namespace {

struct HashName {
    std::string_view name;
    Hash hash;
};
constexpr std::array<HashName, 2> kHashes{{{"SHA-256", Hash::sha256}, {"SHA-512", Hash::sha512}}};

struct BindingName {
    std::string_view name;
    Binding binding;
};
// draft-schmaus-kitten-sasl-ht §3.1: the channel-binding part of the name.
constexpr std::array<BindingName, 3> kBindings{{{"EXPR", Binding::tls_exporter},
                                                {"ENDP", Binding::tls_server_end_point},
                                                {"NONE", Binding::none}}};

constexpr std::string_view kPrefix = "HT-";

}  // namespace

std::optional<HtMechanism> parse_mechanism(std::string_view name) {
    if (!name.starts_with(kPrefix)) {
        return std::nullopt;
    }
    auto rest = name.substr(kPrefix.size());
    for (const auto& h : kHashes) {
        if (!rest.starts_with(h.name) || rest.size() <= h.name.size() || rest[h.name.size()] != '-') {
            continue;
        }
        auto cb = rest.substr(h.name.size() + 1);
        for (const auto& b : kBindings) {
            if (cb == b.name) {
                return HtMechanism{h.hash, b.binding, std::string(name)};
            }
        }
    }
    return std::nullopt;
}

std::vector<std::string> offered_mechanisms(const ChannelBindings& cb) {
    std::vector<std::string> out;
    if (cb.tls_exporter) {
        out.emplace_back("HT-SHA-256-EXPR");
    }
    if (cb.tls_server_end_point) {
        out.emplace_back("HT-SHA-256-ENDP");
    }
    out.emplace_back("HT-SHA-256-NONE");
    return out;
}

std::optional<std::string> binding_data(const HtMechanism& m, const ChannelBindings& cb) {
    switch (m.binding) {
    case Binding::none:
        return std::string();
    case Binding::tls_exporter:
        return cb.tls_exporter;
    case Binding::tls_server_end_point:
        return cb.tls_server_end_point;
    }
    return std::nullopt;
}

std::optional<InitialResponse> parse_initial_response(std::string_view msg) {
    auto nul = msg.find('\0');
    if (nul == std::string_view::npos || nul == 0 || nul + 1 >= msg.size()) {
        return std::nullopt;
    }
    return InitialResponse{std::string(msg.substr(0, nul)), std::string(msg.substr(nul + 1))};
}

std::string initiator_proof(Hash h, std::string_view token, std::string_view cb_data) {
    std::string data = "Initiator";
    data += cb_data;
    return crypto::hmac(h, token, data);
}

std::string responder_proof(Hash h, std::string_view token, std::string_view cb_data) {
    std::string data = "Responder";
    data += cb_data;
    return crypto::hmac(h, token, data);
}

namespace {

bool matches(const std::optional<Token>& t, const HtMechanism& m, std::string_view proof,
             std::string_view cb_data, std::int64_t now) {
    // XEP-0484 §4.3: a token works only with the mechanism it was issued for;
    // §6.1: and only before it expires.
    if (!t || t->mechanism != m.name || t->expiry <= now) {
        return false;
    }
    return crypto::equal_ct(initiator_proof(m.hash, t->secret, cb_data), proof);
}

}  // namespace

Match verify(const TokenSlots& slots, const HtMechanism& m, std::string_view proof,
             std::string_view cb_data, std::int64_t now) {
    if (matches(slots.next, m, proof, cb_data, now)) {
        return Match::next;
    }
    if (matches(slots.current, m, proof, cb_data, now)) {
        return Match::current;
    }
    return Match::none;
}

TokenSlots after_use(TokenSlots slots, Match used) {
    if (used == Match::next) {
        slots.current = std::move(slots.next);
        slots.next.reset();
    }
    return slots;
}

const Token& used_token(const TokenSlots& slots, Match used) {
    return used == Match::next ? *slots.next : *slots.current;
}

Token make_token(std::string mechanism, std::int64_t now, std::int64_t lifetime) {
    return Token{base64_encode(crypto::random_bytes(32)), std::move(mechanism), now + lifetime};
}

bool due_for_rotation(const Token& t, std::int64_t now, std::int64_t rotate_before) {
    return t.expiry - now < rotate_before;
}

}  // namespace parley::auth::fast
