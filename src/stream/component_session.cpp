// XEP-0114 Jabber Component Protocol v1.6, the "accept" method (§3 Protocol
// Flow): the stream header naming the component's domain (host-unknown for a
// domain not configured, invalid-namespace for another content namespace,
// conflict when the domain is served already), the header reply with a
// stream id, the <handshake/> check (not-authorized when wrong), the empty
// <handshake/> on success; then stanzas both ways, each stanza from the
// component carrying 'from' (in the component's domain, else invalid-from)
// and 'to' (as in jabber:server: improper-addressing when missing, RFC 6120
// §8.1.1.1/§8.1.2.1). Stream errors follow RFC 6120 §4.9 (header first).
//
// The component's stanzas are in jabber:component:accept, the router's and
// modules' in jabber:client: rename_namespace() converts in both directions,
// so <body/> and other children in the stanza namespace move too.
#include "stream/component_session.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <utility>
#include <vector>

#include "core/config.hpp"
#include "router/router.hpp"
#include "stream/stream_util.hpp"
#include "transport/tcp_transport.hpp"
#include "xml/serializer.hpp"
#include "xmpp/ns.hpp"

namespace parley {

namespace asio = boost::asio;
using xmpp::Condition;
using xmpp::StanzaError;
using xmpp::StreamCondition;
using xmpp::StreamError;

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
        s.remove_prefix(1);
    }
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) {
        s.remove_suffix(1);
    }
    return s;
}

}  // namespace

// --- free functions ------------------------------------------------------------

std::string component_handshake_digest(std::string_view stream_id, std::string_view secret) {
    // XEP-0114 §3: SHA1(concat(sid, password)), hex, lower case. The secret is
    // hashed as its UTF-8 bytes (as Prosody, ejabberd and the component
    // libraries do); our stream ids are hex, so nothing needs XML escaping.
    std::string input;
    input.reserve(stream_id.size() + secret.size());
    input.append(stream_id);
    input.append(secret);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(input.data(), input.size(), md, &len, EVP_sha1(), nullptr) != 1) {
        spdlog::critical("EVP_Digest(SHA-1) failed");
        std::abort();  // "cannot happen" after start-up (STYLE.md b.8)
    }
    return to_hex(md, len);
}

bool component_handshake_matches(std::string_view received, std::string_view stream_id,
                                 std::string_view secret) {
    std::string got(trim(received));
    for (auto& c : got) {  // COMPAT: components that send upper-case hex
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    const auto want = component_handshake_digest(stream_id, secret);
    // The length is not secret; the contents are compared in constant time.
    return got.size() == want.size() && CRYPTO_memcmp(got.data(), want.data(), want.size()) == 0;
}

// --- ComponentSession ----------------------------------------------------------

void start_component_session(ComponentServices& services, asio::ip::tcp::socket socket) {
    auto ex = socket.get_executor();
    auto session = std::make_shared<ComponentSession>(services, std::move(socket));
    asio::co_spawn(
        ex,
        [](std::shared_ptr<ComponentSession> s) -> asio::awaitable<void> {
            try {
                co_await s->run();
            } catch (const std::exception& e) {
                // STYLE.md b.8: nothing escapes a session; close only this one.
                spdlog::error("[{}] internal error: {}", s->id(), e.what());
                s->close({StreamCondition::internal_server_error, {}});
                s->on_closed();
            }
        }(std::move(session)),
        asio::detached);
}

ComponentSession::ComponentSession(ComponentServices& services, asio::ip::tcp::socket socket)
    : Session("component-" + std::to_string(services.next_id.fetch_add(1)), socket.get_executor()),
      svc_(services),
      transport_(std::make_shared<TcpTransport>(std::move(socket))),
      parser_(xml::ParserLimits{services.config.max_stanza_size, services.config.max_depth,
                                services.config.max_attributes}) {}

ComponentSession::~ComponentSession() = default;

bool ComponentSession::secure() const { return transport_->secure(); }
std::string ComponentSession::remote_address() const { return transport_->remote_address(); }

asio::awaitable<void> ComponentSession::run() {
    spdlog::debug("[{}] component connection from {}", id(), transport_->remote_address());
    std::vector<xml::ParseEvent> events;
    while (state_ != State::closed) {
        co_await transport_->readable();
        auto bytes = transport_->read_now();
        if (!bytes) {
            break;
        }
        if (bytes->empty()) {
            continue;
        }
        // The bytes are in the thread's read buffer: parse them before any co_await.
        events.clear();
        auto err = parser_.feed(*bytes, events);
        for (auto& ev : events) {
            co_await handle_event(ev);
            if (state_ == State::closed) {
                break;
            }
        }
        if (err != xml::ParseError::none && state_ != State::closed) {
            close({stream_condition(err), std::string(xml::to_string(err))});
        }
    }
    on_closed();
}

asio::awaitable<void> ComponentSession::handle_event(xml::ParseEvent& ev) {
    if (auto* open = std::get_if<xml::StreamOpen>(&ev)) {
        if (state_ != State::wait_header) {
            close({StreamCondition::not_well_formed, "unexpected stream header"});
        } else {
            on_stream_open(*open);
        }
        co_return;
    }
    if (std::holds_alternative<xml::StreamClose>(ev)) {
        on_closed();  // RFC 6120 §4.4: answer the close with ours
        co_return;
    }
    auto el = std::move(std::get<xml::ElementPtr>(ev));
    if (state_ == State::wait_handshake) {
        on_handshake(*el);
    } else if (state_ == State::ready) {
        co_await on_stanza(*el);
    }
}

void ComponentSession::on_stream_open(const xml::StreamOpen& open) {
    const auto& h = *open.header;
    auto to = xmpp::normalize_domainpart(h.attr_or("to"));
    stream_id_ = random_hex(16);

    // Our header goes first, even when an error follows (RFC 6120 §4.9.1.2).
    // No 'version': XEP-0114 streams have no stream features.
    auto header = xml::Element::make("stream", std::string(ns::streams));
    if (to) {
        header->set_attr("from", *to);
    }
    header->set_attr("id", stream_id_);
    transport_->write(xml::stream_header(*header, ns::component_accept));
    header_sent_ = true;

    if (!h.is("stream", ns::streams) || open.content_ns != ns::component_accept) {
        close({StreamCondition::invalid_namespace,
               "expected <stream:stream> with xmlns='jabber:component:accept' (XEP-0114 §3)"});
        return;
    }
    const ComponentConfig* match = nullptr;
    if (to) {
        for (const auto& c : svc_.config.components) {
            if (xmpp::normalize_domainpart(c.domain) == to) {
                match = &c;
                break;
            }
        }
    }
    if (!match) {
        spdlog::info("[{}] component from {} asked for unknown domain '{}'", id(),
                     transport_->remote_address(), h.attr_or("to"));
        close({StreamCondition::host_unknown,
               fmt::format("no component '{}' is configured here", h.attr_or("to"))});
        return;
    }
    domain_ = *to;
    secret_ = match->secret;
    state_ = State::wait_handshake;
}

void ComponentSession::on_handshake(const xml::Element& el) {
    if (!el.is("handshake", ns::component_accept)) {
        close({StreamCondition::not_authorized, "send <handshake/> first (XEP-0114 §3)"});
        return;
    }
    if (!component_handshake_matches(el.text(), stream_id_, secret_)) {
        spdlog::info("[{}] component {} from {}: wrong handshake", id(), domain_,
                     transport_->remote_address());
        close({StreamCondition::not_authorized, "the handshake does not match the secret"});
        return;
    }
    if (!svc_.router.attach_component(domain_, shared_from_this())) {
        close({StreamCondition::conflict, fmt::format("'{}' is served already", domain_)});
        return;
    }
    attached_ = true;
    if (auto j = xmpp::Jid::parse(domain_)) {
        set_jid(*j);
    }
    state_ = State::ready;
    send(*xml::Element::make("handshake", std::string(ns::component_accept)));
    spdlog::info("[{}] component {} connected from {}", id(), domain_,
                 transport_->remote_address());
}

asio::awaitable<void> ComponentSession::on_stanza(const xml::Element& el) {
    auto stanza = rename_namespace(el, {ns::component_accept}, ns::client);
    if (!is_stanza(*stanza)) {
        close({StreamCondition::unsupported_stanza_type,
               fmt::format("<{}/> in '{}' is not a stanza", el.name(), el.ns())});
        co_return;
    }
    auto from_attr = stanza->attr("from");
    auto to_attr = stanza->attr("to");
    if (!from_attr || !to_attr) {
        close({StreamCondition::improper_addressing,
               "stanzas from a component need 'from' and 'to' (XEP-0114 §3)"});
        co_return;
    }
    auto from = xmpp::Jid::parse(*from_attr);
    if (!from || from->domain() != domain_) {
        close({StreamCondition::invalid_from,
               fmt::format("'from' must be an address at {} (XEP-0114 §3)", domain_)});
        co_return;
    }
    stanza->set_attr("from", from->str());
    if (stanza->name() == "iq") {
        auto type = stanza->attr_or("type");
        if (!stanza->attr("id") ||
            (type != "get" && type != "set" && type != "result" && type != "error")) {
            if (auto reply = xmpp::make_error_reply(
                    *stanza, StanzaError(Condition::bad_request,
                                         "an iq needs an id and a type (RFC 6120 §8.2.3)"))) {
                deliver(reply);
            }
            co_return;
        }
    }
    co_await svc_.router.route(std::move(stanza), nullptr);
}

void ComponentSession::send(const xml::Element& e) {
    transport_->write_with([&](std::string& out) { xml::serialize(e, out, {ns::component_accept}); });
}

void ComponentSession::deliver(const xml::ElementRef& stanza) {
    if (state_ != State::ready) {
        return;
    }
    // The stanza is in jabber:client (or jabber:server); on this stream it is
    // in jabber:component:accept, written without xmlns.
    send(*rename_namespace(*stanza, {ns::client, ns::server}, ns::component_accept));
}

void ComponentSession::detach() {
    if (attached_) {
        attached_ = false;
        svc_.router.detach_component(domain_, this);
        spdlog::info("[{}] component {} disconnected", id(), domain_);
    }
}

void ComponentSession::close(StreamError err) {
    if (state_ == State::closed) {
        return;
    }
    if (!header_sent_) {
        auto header = xml::Element::make("stream", std::string(ns::streams));
        header->set_attr("id", random_hex(16));
        transport_->write(xml::stream_header(*header, ns::component_accept));
        header_sent_ = true;
    }
    std::string out;
    xml::serialize(*err.to_element(), out, {ns::component_accept});
    out += xml::kStreamClose;
    transport_->write(out);
    transport_->close_after_write();
    spdlog::info("[{}] stream error <{}/> to component {} at {}{}{}", id(),
                 xmpp::to_string(err.condition), domain_.empty() ? "(unknown)" : domain_,
                 transport_->remote_address(), err.text.empty() ? "" : ": ", err.text);
    state_ = State::closed;
    detach();
}

void ComponentSession::on_closed() {
    if (state_ != State::closed) {
        transport_->write(xml::kStreamClose);
        transport_->close_after_write();
        state_ = State::closed;
    }
    detach();
}

}  // namespace parley
