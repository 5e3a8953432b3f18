// XEP-0388 v0.4 §2 (authenticate, challenge/response, success, failure) and
// XEP-0386 v1.0 §2.2 (bind request), §3.1 (resource identifiers).
#include "stream/sasl2.hpp"

#include <cctype>

#include "auth/base64.hpp"
#include "auth/crypto.hpp"
#include "stream/stream_util.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/ns.hpp"

namespace parley::sasl2 {

namespace {

constexpr std::size_t kMaxTag = 32;  // a client name, not a sentence

std::string without_whitespace(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        if (!std::isspace(static_cast<unsigned char>(c))) {
            out += c;
        }
    }
    return out;
}

std::optional<std::string> decode(std::string_view text) {
    return auth::base64_decode(without_whitespace(text));
}

std::string base64url(std::string_view bytes) {
    auto s = auth::base64_encode(bytes);
    for (auto& c : s) {
        c = c == '+' ? '-' : c == '/' ? '_' : c;
    }
    while (!s.empty() && s.back() == '=') {
        s.pop_back();
    }
    return s;
}

}  // namespace

std::variant<Authenticate, ParseError> parse_authenticate(const xml::Element& el) {
    Authenticate a;
    a.mechanism = std::string(el.attr_or("mechanism"));
    if (a.mechanism.empty()) {
        return ParseError{auth::SaslFailure::invalid_mechanism, "no mechanism (XEP-0388 §2.3)"};
    }
    if (const auto* ir = el.child("initial-response", kNs)) {
        a.initial_response = decode(ir->text());
        if (!a.initial_response) {
            return ParseError{auth::SaslFailure::incorrect_encoding, "initial response is not base64"};
        }
    }
    if (const auto* ua = el.child("user-agent", kNs)) {
        a.user_agent_id = std::string(ua->attr_or("id"));
        a.software = ua->child_text("software", kNs).value_or("");
        a.device = ua->child_text("device", kNs).value_or("");
    }
    if (const auto* b = el.child("bind", kBindNs)) {
        BindRequest req;
        req.tag = b->child_text("tag", kBindNs).value_or("");
        for (const auto* c : b->children()) {
            if (c->ns() != kBindNs) {
                req.features.push_back(c);
            }
        }
        a.bind = std::move(req);
    }
    a.resume = el.child("resume", ns::sm);
    if (const auto* rt = el.child("request-token", kFastNs)) {
        a.request_token = std::string(rt->attr_or("mechanism"));
    }
    if (const auto* f = el.child("fast", kFastNs)) {
        a.fast = true;
        const auto inv = f->attr_or("invalidate");
        a.fast_invalidate = inv == "true" || inv == "1";
    }
    return a;
}

std::optional<std::string> decode_payload(const xml::Element& el) { return decode(el.text()); }

xml::ElementPtr challenge(std::string_view data) {
    auto e = xml::Element::make("challenge", std::string(kNs));
    if (!data.empty()) {
        e->add_text(auth::base64_encode(data));
    }
    return e;
}

xml::ElementPtr failure(auth::SaslFailure f, std::string_view text) {
    auto e = xml::Element::make("failure", std::string(kNs));
    e->add(std::string(auth::to_string(f)), std::string(ns::sasl));
    if (!text.empty()) {
        e->add_text_child("text", std::string(kNs), std::string(text));
    }
    return e;
}

xml::ElementPtr success(std::string_view data, std::string_view authorization_identifier) {
    auto e = xml::Element::make("success", std::string(kNs));
    if (!data.empty()) {
        e->add_text_child("additional-data", std::string(kNs), auth::base64_encode(data));
    }
    e->add_text_child("authorization-identifier", std::string(kNs),
                      std::string(authorization_identifier));
    return e;
}

std::string make_resource(std::string_view bare, std::string_view tag,
                          std::string_view user_agent_id) {
    std::string prefix = "parley";
    if (!tag.empty()) {
        auto t = xmpp::normalize_resourcepart(tag.substr(0, kMaxTag));
        if (t && t->find('/') == std::string::npos) {
            prefix = std::move(*t);
        }
    }
    std::string id;
    if (user_agent_id.empty()) {
        id = random_hex(6);
    } else {
        // Stable per account and client (§3.1), without showing the id: the
        // first 9 bytes of SHA-256(bare NUL id).
        std::string seed(bare);
        seed += '\0';
        seed += user_agent_id;
        id = base64url(auth::crypto::digest(auth::Hash::sha256, seed).substr(0, 9));
    }
    return prefix + "/" + id;
}

}  // namespace parley::sasl2
