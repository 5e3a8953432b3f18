// XEP-0124 v1.11.2 §4 <body/> wrapper, XEP-0206 v1.4 attributes (bosh_body.hpp).
#include "modules/bosh/bosh_body.hpp"

#include <charconv>

#include "xml/serializer.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod::bosh {

namespace {

constexpr std::string_view kXmlLang = "xml:lang";  // as the parser names it
const xml::AttrPrefix kXmppPrefix[] = {{"xmpp", ns::xbosh}};

template <class T>
std::optional<T> number(std::optional<std::string_view> s) {
    if (!s || s->empty()) {
        return std::nullopt;
    }
    T v{};
    auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
    if (ec != std::errc() || p != s->data() + s->size()) {
        return std::nullopt;
    }
    return v;
}

std::string xbosh_attr(std::string_view local) {
    return std::string(ns::xbosh) + " " + std::string(local);
}

}  // namespace

Result<RequestBody> parse_request(std::string_view text, const xml::ParserLimits& limits) {
    xml::ParseError err = xml::ParseError::none;
    auto body = xml::parse_element(text, limits, &err);
    if (!body || !body->is("body", ns::httpbind)) {
        return fail(std::string(kBadRequest));
    }
    RequestBody r;
    // §14.1: rid is a positive integer below 2^53 (so clients in JavaScript
    // can count it exactly).
    auto rid = number<std::uint64_t>(body->attr("rid"));
    if (!rid || *rid == 0 || *rid >= (std::uint64_t{1} << 53)) {
        return fail(std::string(kBadRequest));
    }
    r.rid = *rid;
    r.sid = std::string(body->attr_or("sid"));
    r.to = std::string(body->attr_or("to"));
    r.lang = std::string(body->attr_or(kXmlLang));
    r.xmpp_version = std::string(body->attr_or(xbosh_attr("version")));
    for (auto [name, field] : {std::pair{"wait", &r.wait}, std::pair{"hold", &r.hold},
                               std::pair{"pause", &r.pause}}) {
        if (body->attr(name)) {
            *field = number<std::int64_t>(body->attr(name));
            if (!*field || **field < 0) {
                return fail(std::string(kBadRequest));
            }
        }
    }
    if (body->attr("ack")) {
        r.ack = number<std::uint64_t>(body->attr("ack"));
        if (!r.ack) {
            return fail(std::string(kBadRequest));
        }
    }
    r.terminate = body->attr_or("type") == "terminate";
    const auto restart = body->attr_or(xbosh_attr("restart"));
    r.restart = restart == "true" || restart == "1";
    for (const auto& node : body->nodes()) {
        if (const auto* e = std::get_if<xml::ElementPtr>(&node); e && *e) {
            r.payload.push_back(*e);
        }
    }
    r.body = std::move(body);
    return r;
}

std::string make_body(const Attrs& attrs, std::string_view payload) {
    xml::Element body("body", std::string(ns::httpbind));
    bool xmpp_attrs = false;
    for (const auto& [name, value] : attrs) {
        if (name.starts_with("xmpp:")) {
            body.set_attr(xbosh_attr(std::string_view(name).substr(5)), value);
            xmpp_attrs = true;
        } else {
            body.set_attr(name, value);
        }
    }
    xml::SerializeOptions opts;
    if (xmpp_attrs) {
        opts.attr_prefixes = kXmppPrefix;
    }
    if (payload.empty()) {
        return xml::to_string(body, opts);
    }
    std::string out = xml::open_tag(body, opts);
    out += payload;
    out += xml::close_tag(body);
    return out;
}

std::string terminate_body(std::string_view condition, std::string_view payload) {
    Attrs attrs{{"type", "terminate"}};
    if (!condition.empty()) {
        attrs.emplace_back("condition", std::string(condition));
    }
    return make_body(attrs, payload);
}

}  // namespace parley::mod::bosh
