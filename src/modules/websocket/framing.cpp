// RFC 7395 §3.3 framing (framing.hpp).
#include "modules/websocket/framing.hpp"

#include "xml/serializer.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod::websocket {

xml::ParseError message_to_events(std::string_view text, const xml::ParserLimits& limits,
                                  bool header_due, std::vector<xml::ParseEvent>& out) {
    if (text.size() > limits.max_stanza_bytes) {
        return xml::ParseError::too_big;
    }
    xml::ParseError err = xml::ParseError::none;
    xml::ElementPtr e = xml::parse_element(text, limits, &err);
    if (!e) {
        return err == xml::ParseError::none ? xml::ParseError::not_well_formed : err;
    }
    if (e->is("open", ns::framing)) {
        // §3.3.2: the <open/> is the stream header of RFC 6120 §4.7 in
        // another form; the session validates it like one.
        auto header = xml::Element::make("stream", std::string(ns::streams));
        for (const auto& a : e->attributes()) {
            header->set_attr(a.name, a.value);
        }
        out.emplace_back(xml::StreamOpen{std::move(header), std::string(ns::client)});
    } else if (e->is("close", ns::framing)) {
        out.emplace_back(xml::StreamClose{});  // §3.6
    } else if (header_due) {
        auto header = xml::Element::make(e->name(), e->ns());
        for (const auto& a : e->attributes()) {
            header->set_attr(a.name, a.value);
        }
        std::string content_ns = e->ns();
        out.emplace_back(xml::StreamOpen{std::move(header), std::move(content_ns)});
    } else {
        out.emplace_back(std::move(e));
    }
    return xml::ParseError::none;
}

std::string open_message(const xml::Element& header) {
    xml::Element open("open", std::string(ns::framing));
    for (const auto& a : header.attributes()) {
        open.set_attr(a.name, a.value);
    }
    return xml::to_string(open);
}

std::string close_message(std::string_view see_other_uri) {
    xml::Element close("close", std::string(ns::framing));
    if (!see_other_uri.empty()) {
        close.set_attr("see-other-uri", std::string(see_other_uri));
    }
    return xml::to_string(close);
}

std::string element_message(const xml::Element& e) {
    // Outside a stream (no default namespace in scope) the serializer writes
    // the element's own xmlns and declares the stream: prefix where used.
    return xml::to_string(e);
}

std::string prepared_message(const xml::Prepared& p, std::string_view to) {
    std::string out;
    xml::write_addressed(p, to, out);
    if (p.element && p.element->ns() == ns::client &&
        (p.content_ns == ns::client || p.content_ns == ns::server)) {
        // The bytes omit the stanza's namespace (the stream's content
        // namespace supplies it on TCP); here every message stands alone.
        std::string decl = " xmlns='";
        decl += ns::client;
        decl += '\'';
        out.insert(p.head.size(), decl);
    }
    return out;
}

}  // namespace parley::mod::websocket
