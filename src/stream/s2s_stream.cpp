#include "stream/s2s_stream.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include "core/config.hpp"
#include "router/router.hpp"
#include "stream/stream_util.hpp"
#include "xml/serializer.hpp"
#include "xmpp/ns.hpp"

namespace parley {

namespace asio = boost::asio;
using xmpp::StreamCondition;
using xmpp::StreamError;

S2sStream::S2sStream(std::string id, S2sServices& services, asio::any_io_executor ex)
    : Session(std::move(id), ex),
      svc_(services),
      parser_(xml::ParserLimits{services.config.max_stanza_size, services.config.max_depth,
                                services.config.max_attributes}),
      idle_timer_(ex) {}

S2sStream::~S2sStream() = default;

bool S2sStream::secure() const { return transport_ && transport_->secure(); }

std::string S2sStream::remote_address() const {
    return transport_ ? transport_->remote_address() : std::string();
}

asio::awaitable<std::optional<xml::ParseEvent>> S2sStream::next_event() {
    while (pending_.empty()) {
        if (closed_ || !transport_) {
            co_return std::nullopt;
        }
        if (parse_error_ != xml::ParseError::none) {
            spdlog::info("[{}] {} from {}: closing the stream", id(), xml::to_string(parse_error_),
                         remote_address());
            close({stream_condition(parse_error_), std::string(xml::to_string(parse_error_))});
            co_return std::nullopt;
        }
        co_await transport_->readable();
        auto bytes = transport_->read_now();
        if (!bytes) {
            closed_ = true;
            transport_->close();
            co_return std::nullopt;
        }
        // The bytes are in the thread's read buffer: parse them before any co_await.
        scratch_.clear();
        parse_error_ = parser_.feed(*bytes, scratch_);
        for (auto& ev : scratch_) {
            pending_.push_back(std::move(ev));
        }
        scratch_.clear();
    }
    auto ev = std::move(pending_.front());
    pending_.pop_front();
    co_return ev;
}

void S2sStream::restart() {
    parser_.reset();
    pending_.clear();
    parse_error_ = xml::ParseError::none;
}

void S2sStream::send_header(std::string_view from, std::string_view to, std::string_view id) {
    auto header = xml::Element::make("stream", std::string(ns::streams));
    if (!from.empty()) {
        header->set_attr("from", std::string(from));
    }
    if (!to.empty()) {
        header->set_attr("to", std::string(to));
    }
    if (!id.empty()) {
        header->set_attr("id", std::string(id));
    }
    header->set_attr("version", "1.0");
    auto text = xml::stream_header(*header, ns::server);
    // XEP-0220 §2.1: the dialback prefix, declared on the stream header.
    text.insert(text.size() - 1, " xmlns:db='jabber:server:dialback'");
    transport_->write(text);
    header_sent_ = true;
}

void S2sStream::send(const xml::Element& e) {
    if (!closed_ && transport_) {
        // db:result and db:verify with the prefix our header declared (XEP-0220 §2.1).
        transport_->write_with(
            [&](std::string& out) { xml::serialize(e, out, {ns::server, /*dialback_prefix=*/true}); });
    }
}

void S2sStream::end_stream() {
    if (closed_) {
        return;
    }
    closed_ = true;
    idle_timer_.cancel();
    if (transport_) {
        transport_->write(xml::kStreamClose);
        transport_->close_after_write();
    }
}

void S2sStream::close(StreamError err) {
    if (closed_) {
        return;
    }
    if (transport_) {
        if (!header_sent_) {
            send_header({}, {}, random_hex(16));
        }
        std::string out;
        xml::serialize(*err.to_element(), out, {ns::server});
        out += xml::kStreamClose;
        transport_->write(out);
        transport_->close_after_write();
    }
    spdlog::info("[{}] s2s stream error <{}/> to {}{}{}", id(), xmpp::to_string(err.condition),
                 remote_address(), err.text.empty() ? "" : ": ", err.text);
    closed_ = true;
    idle_timer_.cancel();
}

asio::awaitable<bool> S2sStream::start_tls(SSL_CTX* ctx, TcpTransport::Handshake how) {
    const bool ok = co_await transport_->handshake(ctx, std::move(how));
    if (ok) {
        restart();
    }
    co_return ok;
}

Result<s2s::IdentityMatch, s2s::CertError> S2sStream::check_certificate(
    std::string_view domain) const {
    SSL* ssl = transport_ ? transport_->ssl() : nullptr;
    X509* leaf = ssl ? SSL_get0_peer_certificate(ssl) : nullptr;
    if (!leaf) {
        return fail(s2s::CertError{s2s::CertProblem::no_certificate,
                                   "the peer presented no certificate"});
    }
    return s2s::verify_peer(svc_.trust, leaf, SSL_get_peer_cert_chain(ssl), domain);
}

void S2sStream::start_idle_timer() {
    touch();
    arm_idle_timer(std::chrono::seconds(svc_.config.s2s.idle_timeout));
}

void S2sStream::arm_idle_timer(std::chrono::steady_clock::duration after) {
    if (svc_.config.s2s.idle_timeout == 0) {
        return;
    }
    idle_timer_.expires_after(after);
    idle_timer_.async_wait([weak = std::weak_ptr<Session>(shared_from_this()),
                            this](boost::system::error_code ec) {
        auto self = weak.lock();
        if (ec || !self || closed_) {
            return;
        }
        const auto idle = std::chrono::seconds(svc_.config.s2s.idle_timeout);
        const auto quiet = std::chrono::steady_clock::now() - last_activity_;
        if (quiet < idle) {
            arm_idle_timer(idle - quiet);
            return;
        }
        spdlog::info("[{}] s2s stream with {} idle for {} s: closing", id(), remote_address(),
                     svc_.config.s2s.idle_timeout);
        end_stream();
    });
}

Result<xml::ElementPtr, StreamError> accept_s2s_stanza(
    const xml::Element& el, const std::set<std::string, std::less<>>& authenticated,
    const Router& router) {
    auto refuse = [](StreamCondition c, std::string text) {
        return fail(StreamError{c, std::move(text)});
    };
    if (el.ns() != ns::server ||
        (el.name() != "message" && el.name() != "presence" && el.name() != "iq")) {
        return refuse(StreamCondition::unsupported_stanza_type,
                      fmt::format("<{}/> in '{}' is not a stanza", el.name(), el.ns()));
    }
    auto from_attr = el.attr("from");
    auto to_attr = el.attr("to");
    if (!from_attr || !to_attr) {
        // RFC 6120 §8.1.1.2, §8.1.2.1: both are required between servers.
        return refuse(StreamCondition::improper_addressing,
                      "stanzas between servers need 'from' and 'to' (RFC 6120 §8.1.1.2)");
    }
    auto from = xmpp::Jid::parse(*from_attr);
    if (!from || !authenticated.count(from->domain())) {
        // RFC 6120 §4.9.3.9: a 'from' the stream has not authenticated.
        return refuse(StreamCondition::invalid_from,
                      fmt::format("'{}' is not a domain this stream has authenticated",
                                  from ? std::string(from->domain()) : std::string(*from_attr)));
    }
    auto to = xmpp::Jid::parse(*to_attr);
    if (!to || !router.serves(to->domain())) {
        return refuse(StreamCondition::host_unknown,
                      fmt::format("this server does not serve '{}'", *to_attr));
    }
    auto stanza = rename_namespace(el, {ns::server}, ns::client);
    stanza->set_attr("from", from->str());
    stanza->set_attr("to", to->str());
    return stanza;
}

}  // namespace parley
