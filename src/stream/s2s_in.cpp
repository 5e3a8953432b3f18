// RFC 6120 server-to-server streams, receiving side: §4 (streams), §5
// (STARTTLS), §6 + XEP-0178 (SASL EXTERNAL with certificates), XEP-0220
// (Server Dialback, as Receiving and as Authoritative Server), XEP-0288
// (bidirectional streams), XEP-0368 (direct TLS).
#include "stream/s2s_in.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>

#include <spdlog/spdlog.h>

#include "auth/base64.hpp"
#include "core/config.hpp"
#include "core/tls.hpp"
#include "router/router.hpp"
#include "stream/federation.hpp"
#include "stream/stream_util.hpp"
#include "xml/serializer.hpp"
#include "xmpp/ns.hpp"

namespace parley {

namespace asio = boost::asio;
using xmpp::StreamCondition;
using xmpp::StreamError;

void S2sIn::start(S2sServices& services, asio::ip::tcp::socket socket, bool direct_tls) {
    auto ex = socket.get_executor();
    auto session = std::make_shared<S2sIn>(services, std::move(socket));
    session->direct_tls_ = direct_tls;
    asio::co_spawn(
        ex,
        [](std::shared_ptr<S2sIn> s) -> asio::awaitable<void> {
            try {
                co_await s->run(s->direct_tls_);
            } catch (const std::exception& e) {
                // STYLE.md b.8: nothing escapes a session; close only this one.
                spdlog::error("[{}] internal error: {}", s->id(), e.what());
                s->close({StreamCondition::internal_server_error, {}});
            }
            s->svc_.federation->forget_incoming(s.get());
        }(std::move(session)),
        asio::detached);
}

S2sIn::S2sIn(S2sServices& services, asio::ip::tcp::socket socket)
    : S2sStream("s2sin-" + std::to_string(services.next_id.fetch_add(1)), services,
                socket.get_executor()) {
    transport_ = std::make_shared<TcpTransport>(std::move(socket));
}

asio::awaitable<void> S2sIn::run(bool direct_tls) {
    spdlog::debug("[{}] s2s connection from {}{}", id(), remote_address(),
                  direct_tls ? " (direct TLS)" : "");
    if (direct_tls) {
        TcpTransport::Handshake how;
        how.request_peer_certificate = true;
        const bool ok = co_await start_tls(svc_.tls.default_context().native_handle(), how);
        if (!ok) {
            spdlog::info("[{}] s2s: TLS handshake with {} failed", id(), remote_address());
            transport_->close();
            co_return;
        }
    }
    for (;;) {
        auto ev = co_await next_event();
        if (!ev) {
            break;
        }
        if (auto* open = std::get_if<xml::StreamOpen>(&*ev)) {
            on_open(*open);
        } else if (std::holds_alternative<xml::StreamClose>(*ev)) {
            end_stream();  // RFC 6120 §4.4: answer the close with ours
        } else {
            touch();
            co_await on_element(std::move(std::get<xml::ElementPtr>(*ev)));
        }
    }
    if (!authenticated_.empty()) {
        spdlog::info("[{}] s2s: incoming stream from {} closed", id(), peer_);
    }
}

void S2sIn::on_open(const xml::StreamOpen& open) {
    const auto& h = *open.header;
    auto to = xmpp::normalize_domainpart(h.attr_or("to"));
    if (auto from = xmpp::normalize_domainpart(h.attr_or("from"))) {
        peer_ = *from;
    }
    stream_id_ = random_hex(16);
    // Our header goes first, even when an error follows (RFC 6120 §4.9.1.2).
    send_header(to ? *to : std::string(), peer_, stream_id_);
    if (!h.is("stream", ns::streams) || open.content_ns != ns::server) {
        close({StreamCondition::invalid_namespace,
               "expected <stream:stream> with xmlns='jabber:server' (RFC 6120 §4.8)"});
        return;
    }
    auto version = h.attr_or("version");
    if (version.empty() || version.substr(0, 2) == "0.") {
        close({StreamCondition::unsupported_version, "this server speaks XMPP 1.0 (RFC 6120 §4.7.5)"});
        return;
    }
    if (!to || !svc_.router.serves(*to)) {
        close({StreamCondition::host_unknown,
               fmt::format("this server does not serve '{}'", h.attr_or("to"))});
        return;
    }
    if (!local_.empty() && *to != local_) {
        close({StreamCondition::host_unknown, "a restarted stream must keep its 'to'"});
        return;
    }
    local_ = *to;
    send_features();
}

void S2sIn::send_features() {
    auto features = xml::Element::make("features", std::string(ns::streams));
    const auto& cfg = svc_.config.s2s;
    const bool plaintext_ok =
        !peer_.empty() ? cfg.auth_for(peer_) == S2sAuth::insecure : cfg.default_auth == S2sAuth::insecure;
    if (sasl_done_) {
        // RFC 6120 §4.3.2: after SASL, no more features to negotiate.
    } else if (!secure()) {
        auto& st = features->add("starttls", std::string(ns::tls));
        if (!plaintext_ok) {
            st.add("required", std::string(ns::tls));
        }
    }
    if (!sasl_done_ && (secure() || plaintext_ok)) {
        // XEP-0178 §3: offer EXTERNAL when the certificate is good for the
        // domain the peer says it is.
        if (secure() && !peer_.empty() && check_certificate(peer_)) {
            features->add("mechanisms", std::string(ns::sasl))
                .add_text_child("mechanism", std::string(ns::sasl), "EXTERNAL");
        }
        features->add("dialback", std::string(ns::dialback_feature))
            .add("errors", std::string(ns::dialback_feature));
        features->add("bidi", std::string(ns::bidi_feature));  // XEP-0288 §2.1
    }
    send(*features);
}

asio::awaitable<void> S2sIn::on_element(xml::ElementPtr el) {
    if (el->is("starttls", ns::tls)) {
        co_await on_starttls();
    } else if (el->is("auth", ns::sasl)) {
        on_sasl_auth(*el);
    } else if (el->is("result", ns::dialback)) {
        on_db_result(*el);
    } else if (el->is("verify", ns::dialback)) {
        on_db_verify(*el);
    } else if (el->is("error", ns::streams)) {
        spdlog::info("[{}] s2s: {} sent a stream error: {}", id(), peer_.empty() ? remote_address() : peer_,
                     xml::to_string(*el));
        end_stream();  // RFC 6120 §4.9.1.1: the stream is over
    } else if (el->is("bidi", ns::bidi)) {
        bidi_ = true;  // XEP-0288 §2.2; takes effect once a domain is authenticated
    } else if (authenticated_.empty()) {
        // RFC 6120 §4.9.3.12: stanzas before the peer proved who it is.
        close({StreamCondition::not_authorized, "authenticate first (SASL EXTERNAL or dialback)"});
    } else {
        auto stanza = accept_s2s_stanza(*el, authenticated_, svc_.router);
        if (!stanza) {
            close(stanza.error());
            co_return;
        }
        co_await svc_.router.route(std::move(*stanza), nullptr);
    }
}

asio::awaitable<void> S2sIn::on_starttls() {
    if (secure()) {
        close({StreamCondition::policy_violation, "TLS is already in place"});
        co_return;
    }
    send(*xml::Element::make("proceed", std::string(ns::tls)));
    co_await transport_->drain();
    TcpTransport::Handshake how;
    how.request_peer_certificate = true;
    const bool ok = co_await start_tls(svc_.tls.default_context().native_handle(), how);
    if (!ok) {
        spdlog::info("[{}] s2s: TLS handshake with {} ({}) failed", id(), remote_address(),
                     peer_.empty() ? "unknown" : peer_);
        closed_ = true;
        transport_->close();
    }
}

void S2sIn::on_sasl_auth(const xml::Element& el) {
    auto sasl_failure = [&](std::string_view condition, const std::string& why) {
        auto failure = xml::Element::make("failure", std::string(ns::sasl));
        failure->add(std::string(condition), std::string(ns::sasl));
        send(*failure);
        spdlog::info("[{}] s2s: SASL EXTERNAL from {} refused: {}", id(), remote_address(), why);
    };
    if (sasl_done_ || el.attr_or("mechanism") != "EXTERNAL" || !secure()) {
        sasl_failure("invalid-mechanism", "only EXTERNAL, once, over TLS");
        return;
    }
    // XEP-0178 §4: the authorization identity is the peer's domain, or
    // empty ("=") for the header's 'from'.
    std::string domain = peer_;
    auto text = el.text();
    if (!text.empty() && text != "=") {
        auto decoded = auth::base64_decode(text);
        auto normalized = decoded ? xmpp::normalize_domainpart(*decoded) : std::nullopt;
        if (!normalized) {
            sasl_failure("incorrect-encoding", "the authorization identity is not a domain");
            return;
        }
        domain = *normalized;
    }
    if (domain.empty()) {
        sasl_failure("invalid-authzid", "no domain to authenticate");
        return;
    }
    auto cert = check_certificate(domain);
    if (!cert) {
        sasl_failure("not-authorized", fmt::format("certificate for {}: {}", domain, cert.error().message));
        return;
    }
    send(*xml::Element::make("success", std::string(ns::sasl)));
    sasl_done_ = true;
    peer_ = domain;
    restart();  // RFC 6120 §6.4.6: the peer opens a new stream
    authenticated(domain, fmt::format("SASL EXTERNAL, certificate {}",
                                      s2s::identity_match_name(*cert)));
}

void S2sIn::on_db_result(const xml::Element& el) {
    // XEP-0220 §2.1.2 / §2.4: <db:result from='originating' to='receiving'>key</db:result>
    auto from = xmpp::normalize_domainpart(el.attr_or("from"));
    auto to = xmpp::normalize_domainpart(el.attr_or("to"));
    auto answer = [&](std::string_view type, std::string_view error_condition = {}) {
        auto r = xml::Element::make("result", std::string(ns::dialback));
        r->set_attr("from", to ? *to : std::string(el.attr_or("to")));
        r->set_attr("to", from ? *from : std::string(el.attr_or("from")));
        r->set_attr("type", std::string(type));
        if (!error_condition.empty()) {
            // XEP-0220 §2.4: <error/> is unprefixed inside <db:result/>, so in jabber:server.
            auto& e = r->add("error", std::string(ns::server));
            e.set_attr("type", "cancel");
            e.add(std::string(error_condition), std::string(ns::stanzas));
        }
        send(*r);
    };
    if (!from || !to || el.text().empty()) {
        close({StreamCondition::improper_addressing, "<db:result/> needs from, to and a key"});
        return;
    }
    if (!svc_.router.serves(*to)) {
        answer("error", "item-not-found");  // XEP-0220 §2.4: host-unknown
        return;
    }
    const S2sAuth policy = svc_.config.s2s.auth_for(*from);
    if (!secure() && policy != S2sAuth::insecure) {
        close({StreamCondition::policy_violation, "dialback needs TLS first (s2s policy)"});
        return;
    }
    // XEP-0344 §2.4: a certificate valid for the domain settles it without
    // the callback; when the policy asks for one, nothing else will do.
    auto cert = check_certificate(*from);  // no TLS: no certificate
    if (cert) {
        answer("valid");
        authenticated(*from, fmt::format("dialback with certificate {}",
                                         s2s::identity_match_name(*cert)));
        return;
    }
    if (policy == S2sAuth::certificate) {
        spdlog::info("[{}] s2s: {} needs a valid certificate (s2s.auth); {}", id(), *from,
                     cert.error().message);
        answer("error", "not-authorized");
        return;
    }
    // Ask the Authoritative Server (XEP-0220 §2.3) over our outgoing stream.
    auto weak = std::weak_ptr<Session>(shared_from_this());
    auto ex = executor();
    std::string local = *to;
    std::string remote = *from;
    svc_.federation->verify_dialback(
        local, remote, stream_id_, std::string(el.text()),
        [weak, ex, local, remote](bool valid, std::string why) {
            asio::post(ex, [weak, local, remote, valid, why = std::move(why)] {
                auto self = std::static_pointer_cast<S2sIn>(weak.lock());
                if (!self || self->closed()) {
                    return;
                }
                auto r = xml::Element::make("result", std::string(ns::dialback));
                r->set_attr("from", local);
                r->set_attr("to", remote);
                r->set_attr("type", valid ? "valid" : "invalid");
                self->send(*r);
                if (valid) {
                    self->authenticated(remote, "dialback");
                } else {
                    spdlog::info("[{}] s2s: dialback for {} failed: {}", self->id(), remote, why);
                }
            });
        });
}

void S2sIn::on_db_verify(const xml::Element& el) {
    // XEP-0220 §2.3.1: <db:verify from='receiving' to='originating' id='...'>key</db:verify>,
    // about a key one of our outgoing streams sent; answered as Authoritative Server.
    auto receiving = xmpp::normalize_domainpart(el.attr_or("from"));
    auto originating = xmpp::normalize_domainpart(el.attr_or("to"));
    auto sid = el.attr_or("id");
    auto reply = xml::Element::make("verify", std::string(ns::dialback));
    reply->set_attr("from", std::string(el.attr_or("to")));
    reply->set_attr("to", std::string(el.attr_or("from")));
    reply->set_attr("id", std::string(sid));
    const bool valid = receiving && originating && !sid.empty() &&
                       svc_.router.serves(*originating) &&
                       svc_.dialback.verify(el.text(), *receiving, *originating, sid);
    reply->set_attr("type", valid ? "valid" : "invalid");
    send(*reply);
    spdlog::debug("[{}] s2s: db:verify from {} for {}: {}", id(), el.attr_or("from"),
                  el.attr_or("to"), valid ? "valid" : "invalid");
}

void S2sIn::authenticated(const std::string& domain, std::string_view how) {
    const bool first = authenticated_.empty();
    authenticated_.insert(domain);
    spdlog::info("[{}] s2s: incoming stream from {} ({}) authenticated by {}{}", id(), domain,
                 remote_address(), how, bidi_ ? ", bidirectional (XEP-0288)" : "");
    if (first) {
        start_idle_timer();
    }
    svc_.federation->incoming_authenticated(
        std::static_pointer_cast<S2sIn>(shared_from_this()), local_, domain, how);
}

void S2sIn::deliver(const xml::ElementRef& stanza) {
    touch();
    send(*stanza);
}

}  // namespace parley
