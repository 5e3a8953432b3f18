// TcpChannel: a client stream over TCP (RFC 6120): one XML stream parsed
// incrementally from the bytes of a TcpTransport, STARTTLS (§5) or direct
// TLS from the first byte (XEP-0368).
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <memory>

#include "stream/client_channel.hpp"

namespace parley {

class TcpTransport;

class TcpChannel final : public ClientChannel {
public:
    TcpChannel(boost::asio::ip::tcp::socket socket, xml::ParserLimits limits, SSL_CTX* direct_tls);
    ~TcpChannel() override;

    boost::asio::any_io_executor executor() const override { return executor_; }
    boost::asio::awaitable<bool> open() override;
    boost::asio::awaitable<bool> read(std::vector<xml::ParseEvent>& out,
                                      xml::ParseError& error) override;
    void restart() override;

    void write_header(const xml::Element& header) override;
    void write(const xml::Element& e) override;
    void write_prepared(const xml::Element& stanza, const xml::Prepared& bytes,
                        std::string_view to) override;
    void write_close() override;
    std::size_t queued() const override;
    boost::asio::awaitable<void> drain() override;
    void close_after_write() override;
    void close() override;

    bool secure() const override;
    SSL* ssl() const override;
    bool can_starttls() const override { return !secure(); }
    boost::asio::awaitable<bool> starttls(SSL_CTX* ctx) override;
    const std::string& remote_address() const override;
    std::string_view kind() const override { return direct_tls_ ? "direct TLS" : "TCP"; }
    void release_idle_memory() override;

private:
    boost::asio::any_io_executor executor_;
    std::shared_ptr<TcpTransport> transport_;
    xml::StreamParser parser_;
    SSL_CTX* direct_tls_;
};

}  // namespace parley
