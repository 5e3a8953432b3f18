// XEP-0124 v1.11.2 / XEP-0206 v1.4: BoshSession's state machine on one
// io_context, with the test playing the client stream (ClientChannel side)
// and the HTTP side (BoshExchange). No sockets.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <memory>
#include <optional>

#include "modules/bosh/bosh_session.hpp"
#include "xml/stream_parser.hpp"

namespace parley::mod::bosh {
namespace {

namespace asio = boost::asio;

constexpr const char* kNs = "xmlns='http://jabber.org/protocol/httpbind'";

struct BoshSessionTest : ::testing::Test {
    asio::io_context io;
    std::shared_ptr<SessionTable> table = std::make_shared<SessionTable>();
    std::shared_ptr<BoshSession> session;

    void SetUp() override {
        BoshSession::Params p;
        p.sid = "s1";
        p.first_rid = 100;
        p.wait = 1;
        p.hold = 1;
        p.host = "example.com";
        p.remote_address = "1.2.3.4";
        session = std::make_shared<BoshSession>(io.get_executor(), p, table);
        ASSERT_TRUE(table->add("s1", "1.2.3.4", session, 10));
    }

    static RequestBody body(const std::string& xml) {
        auto r = parse_request(xml, xml::ParserLimits{});
        EXPECT_TRUE(r) << xml;
        return std::move(*r);
    }

    // Starts a request; its response appears in the returned slot.
    std::shared_ptr<BoshExchange> start(const std::string& xml, bool creation = false) {
        auto x = std::make_shared<BoshExchange>(BoshExchange{body(xml), {}});
        auto s = session;
        auto task = [s, x, creation]() -> asio::awaitable<void> {
            if (creation) {
                co_await s->handle_creation(x.get());
            } else {
                co_await s->handle(x.get());
            }
        };
        asio::co_spawn(io, task, asio::detached);
        io.poll();
        return x;
    }

    // What the stream would read now.
    std::vector<xml::ParseEvent> read_now() {
        std::vector<xml::ParseEvent> out;
        auto s = session;
        auto task = [s, &out]() -> asio::awaitable<void> {
            xml::ParseError err{};
            co_await s->read(out, err);
        };
        asio::co_spawn(io, task, asio::detached);
        io.poll();
        return out;
    }

    xml::ElementPtr parsed(const std::string& s) {
        auto e = xml::parse_element(s);
        EXPECT_TRUE(e) << s;
        return e;
    }
};

TEST_F(BoshSessionTest, Xep0206_3_CreationResponseCarriesAuthidAndFeatures) {
    auto x = start(std::string("<body rid='100' to='example.com' xmpp:version='1.0' "
                               "xmlns:xmpp='urn:xmpp:xbosh' ") + kNs + "/>",
                   true);
    auto events = read_now();
    ASSERT_EQ(events.size(), 1u);
    ASSERT_TRUE(std::holds_alternative<xml::StreamOpen>(events[0]));
    EXPECT_EQ(std::get<xml::StreamOpen>(events[0]).header->attr_or("to"), "example.com");
    EXPECT_EQ(std::get<xml::StreamOpen>(events[0]).header->attr_or("version"), "1.0");
    EXPECT_TRUE(x->response.empty());  // held until the stream speaks
    auto header = xml::Element::make("stream", "http://etherx.jabber.org/streams");
    header->set_attr("id", "stream-id-1");
    session->write_header(*header);
    session->write(*xml::Element::make("features", "http://etherx.jabber.org/streams"));
    io.poll();
    auto r = parsed(x->response);
    EXPECT_EQ(r->attr_or("sid"), "s1");
    EXPECT_EQ(r->attr_or("authid"), "stream-id-1");
    EXPECT_EQ(r->attr_or("requests"), "2");
    EXPECT_TRUE(r->child("features", "http://etherx.jabber.org/streams"));
}

TEST_F(BoshSessionTest, Xep0124_14_3_RetransmissionGetsTheSameResponseAndIsNotProcessedTwice) {
    start(std::string("<body rid='100' to='example.com' ") + kNs + "/>", true);
    read_now();
    session->write(*xml::Element::make("features", "http://etherx.jabber.org/streams"));
    io.poll();
    const std::string req = std::string("<body rid='101' sid='s1' ") + kNs +
                            "><message xmlns='jabber:client' to='a@b'/></body>";
    auto first = start(req);
    auto events = read_now();
    ASSERT_EQ(events.size(), 1u);  // the message, once
    session->write(*parsed("<message xmlns='jabber:client' from='a@b'/>"));
    io.poll();
    ASSERT_FALSE(first->response.empty());
    auto again = start(req);
    EXPECT_EQ(again->response, first->response);
    EXPECT_TRUE(read_now().empty());  // not given to the stream again
}

TEST_F(BoshSessionTest, Xep0124_14_3_OutOfWindowEndsTheSession) {
    start(std::string("<body rid='100' to='example.com' ") + kNs + "/>", true);
    read_now();
    auto x = start(std::string("<body rid='105' sid='s1' ") + kNs + "/>");
    auto r = parsed(x->response);
    EXPECT_EQ(r->attr_or("type"), "terminate");
    EXPECT_EQ(r->attr_or("condition"), "item-not-found");
    EXPECT_EQ(table->find("s1"), nullptr);
}

TEST_F(BoshSessionTest, Xep0206_6_StreamErrorIsRemoteStreamError) {
    auto x = start(std::string("<body rid='100' to='example.com' ") + kNs + "/>", true);
    read_now();
    session->write(*parsed("<stream:error xmlns:stream='http://etherx.jabber.org/streams'>"
                           "<host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
                           "</stream:error>"));
    session->write_close();
    session->close_after_write();
    io.poll();
    auto r = parsed(x->response);
    EXPECT_EQ(r->attr_or("type"), "terminate");
    EXPECT_EQ(r->attr_or("condition"), "remote-stream-error");
    EXPECT_TRUE(r->child("error", "http://etherx.jabber.org/streams"));
    EXPECT_EQ(table->find("s1"), nullptr);
}

TEST_F(BoshSessionTest, Xep0124_8_HoldOneReleasesTheOlderRequest) {
    auto c = start(std::string("<body rid='100' to='example.com' ") + kNs + "/>", true);
    read_now();
    session->write(*xml::Element::make("features", "http://etherx.jabber.org/streams"));
    io.poll();
    auto a = start(std::string("<body rid='101' sid='s1' ") + kNs + "/>");
    EXPECT_TRUE(a->response.empty());  // held
    auto b = start(std::string("<body rid='102' sid='s1' ") + kNs + "/>");
    EXPECT_FALSE(a->response.empty());  // released by the newer one
    EXPECT_TRUE(b->response.empty());
    io.run_for(std::chrono::milliseconds(1500));  // wait = 1 s
    EXPECT_FALSE(b->response.empty());
}

}  // namespace
}  // namespace parley::mod::bosh
