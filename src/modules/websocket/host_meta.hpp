// XEP-0156 §3 (Discovering Alternative XMPP Connection Methods, HTTP lookup):
// the documents served at /.well-known/host-meta (RFC 6415 XRD) and
// /.well-known/host-meta.json (JRD), listing every client transport the
// modules announced (ModuleContext::add_client_endpoint). Pure functions.
#pragma once

#include <string>
#include <vector>

#include "core/module.hpp"

namespace parley::mod::websocket {

// <XRD xmlns='http://docs.oasis-open.org/ns/xri/xrd-1.0'><Link rel= href=/>...</XRD>
std::string host_meta_xml(const std::vector<ClientEndpoint>& endpoints);
// {"links":[{"rel":...,"href":...}]}
std::string host_meta_json(const std::vector<ClientEndpoint>& endpoints);

// The WebSocket URL for an HTTP base URL: https:// -> wss://, http:// -> ws://.
std::string websocket_url(std::string_view http_url);

}  // namespace parley::mod::websocket
