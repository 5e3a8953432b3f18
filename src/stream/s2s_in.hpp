// S2sIn: a server-to-server stream another server opened to us (RFC 6120 §4,
// we are the receiving entity): the header for one of our domains, STARTTLS
// (required unless the peer's domain is configured "insecure"), then the
// peer proves its domain with SASL EXTERNAL and a certificate valid for it
// (RFC 6120 §6, XEP-0178) or with Server Dialback (XEP-0220: we ask its
// Authoritative Server over our own outgoing stream, through Federation);
// after that its stanzas are checked (accept_s2s_stanza) and routed.
//
// We also act as the Authoritative Server here: a <db:verify/> about a key
// one of our outgoing streams sent is answered from the dialback secret.
//
// XEP-0288: when the peer asks for a bidirectional stream, stanzas from us to
// its authenticated domains go back over this stream (Federation finds it).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <set>
#include <string>

#include "stream/s2s_stream.hpp"

namespace parley {

class S2sIn final : public S2sStream {
public:
    static void start(S2sServices& services, boost::asio::ip::tcp::socket socket, bool direct_tls);

    S2sIn(S2sServices& services, boost::asio::ip::tcp::socket socket);

    // XEP-0288: writes a stanza to the peer (a bidirectional stream only).
    void deliver(const xml::ElementRef& stanza) override;
    // True once the peer authenticated `domain` on this stream and asked for
    // bidirectional use (XEP-0288 §3).
    bool bidi_for(std::string_view domain) const { return bidi_ && authenticated_.count(domain); }

private:
    boost::asio::awaitable<void> run(bool direct_tls);
    void on_open(const xml::StreamOpen& open);
    void send_features();
    boost::asio::awaitable<void> on_element(xml::ElementPtr el);
    boost::asio::awaitable<void> on_starttls();
    void on_sasl_auth(const xml::Element& el);
    void on_db_result(const xml::Element& el);
    void on_db_verify(const xml::Element& el);
    void authenticated(const std::string& domain, std::string_view how);

    bool direct_tls_ = false;
    std::string local_;       // our domain, the header's 'to'
    std::string peer_;        // the header's 'from' (a claim until authenticated)
    std::string stream_id_;
    bool sasl_done_ = false;
    bool bidi_ = false;
    std::set<std::string, std::less<>> authenticated_;  // the peer's proven domains
};

}  // namespace parley
