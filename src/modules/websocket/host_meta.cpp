// XEP-0156 §3 host-meta documents (host_meta.hpp).
#include "modules/websocket/host_meta.hpp"

#include <fmt/format.h>

#include "xml/serializer.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod::websocket {

namespace {

// A JSON string literal (RFC 8259 §7).
void json_string(std::string_view s, std::string& out) {
    out += '"';
    for (char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
                } else {
                    out += c;
                }
        }
    }
    out += '"';
}

}  // namespace

std::string host_meta_xml(const std::vector<ClientEndpoint>& endpoints) {
    xml::Element xrd("XRD", std::string(ns::xrd));
    for (const auto& e : endpoints) {
        xrd.add("Link", std::string(ns::xrd)).set_attr("rel", e.rel).set_attr("href", e.url);
    }
    std::string out = "<?xml version='1.0' encoding='utf-8'?>\n";
    xml::serialize(xrd, out);
    out += '\n';
    return out;
}

std::string host_meta_json(const std::vector<ClientEndpoint>& endpoints) {
    std::string out = "{\"links\":[";
    bool first = true;
    for (const auto& e : endpoints) {
        out += first ? "{" : ",{";
        first = false;
        out += "\"rel\":";
        json_string(e.rel, out);
        out += ",\"href\":";
        json_string(e.url, out);
        out += '}';
    }
    out += "]}\n";
    return out;
}

std::string websocket_url(std::string_view http_url) {
    if (http_url.starts_with("https://")) {
        return "wss://" + std::string(http_url.substr(8));
    }
    if (http_url.starts_with("http://")) {
        return "ws://" + std::string(http_url.substr(7));
    }
    return std::string(http_url);
}

}  // namespace parley::mod::websocket
