// The checks on stanzas arriving over a server-to-server stream (RFC 6120
// §4.9.3.7 improper-addressing, §4.9.3.9 invalid-from, §4.9.3.6 host-unknown,
// §4.9.3.22 unsupported-stanza-type; §8.1.1.2 / §8.1.2.1 'to' and 'from' are
// required between servers).
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <filesystem>

#include "router/router.hpp"
#include "storage/stores.hpp"
#include "stream/s2s_stream.hpp"
#include "xml/serializer.hpp"
#include "xml/stream_parser.hpp"
#include "xmpp/ns.hpp"

namespace parley {
namespace {

using xmpp::StreamCondition;

class S2sStanza : public ::testing::Test {
protected:
    S2sStanza() {
        path_ = std::filesystem::temp_directory_path() /
                ("parley-s2s-stanza-" + std::to_string(::getpid()) + ".sqlite");
        storage::StorageOptions options;
        options.sqlite_path = path_.string();
        auto opened = storage::open_storage(options);
        EXPECT_TRUE(opened);
        storage_ = std::move(opened.value());
        router_ = std::make_unique<Router>(sessions_, *storage_, ioc_.get_executor());
        router_->add_host("b.test", &table_);
    }
    ~S2sStanza() override {
        router_.reset();
        storage_.reset();
        std::filesystem::remove(path_);
    }

    Result<xml::ElementPtr, xmpp::StreamError> accept(std::string_view xml) {
        auto el = xml::parse_element(xml);
        EXPECT_NE(el, nullptr) << xml;
        return accept_s2s_stanza(*el, authenticated_, *router_);
    }
    StreamCondition refused(std::string_view xml) {
        auto r = accept(xml);
        EXPECT_FALSE(r) << xml;
        return r ? StreamCondition::undefined_condition : r.error().condition;
    }

    std::filesystem::path path_;
    boost::asio::io_context ioc_;
    SessionRegistry sessions_;
    HookTable table_;
    std::unique_ptr<storage::Storage> storage_;
    std::unique_ptr<Router> router_;
    std::set<std::string, std::less<>> authenticated_{"a.test"};
};

TEST_F(S2sStanza, AcceptedStanzaMovesToJabberClientWithNormalizedAddresses) {
    auto r = accept("<message xmlns='jabber:server' from='Alice@A.TEST/home' to='bob@B.test' "
                    "type='chat'><body>hi</body></message>");
    ASSERT_TRUE(r) << r.error().text;
    const auto& m = **r;
    EXPECT_EQ(m.ns(), ns::client);
    EXPECT_EQ(m.attr_or("from"), "alice@a.test/home");
    EXPECT_EQ(m.attr_or("to"), "bob@b.test");
    // The body moves with the stanza (the modules look for jabber:client children).
    ASSERT_NE(m.child("body", ns::client), nullptr);
    EXPECT_EQ(m.child("body", ns::client)->text(), "hi");
}

TEST_F(S2sStanza, FromAnotherDomainIsInvalidFrom) {
    EXPECT_EQ(refused("<message xmlns='jabber:server' from='mallory@c.test' to='bob@b.test'/>"),
              StreamCondition::invalid_from);
    EXPECT_EQ(refused("<message xmlns='jabber:server' from='@@' to='bob@b.test'/>"),
              StreamCondition::invalid_from);
}

TEST_F(S2sStanza, MissingAddressesAreImproperAddressing) {
    EXPECT_EQ(refused("<message xmlns='jabber:server' to='bob@b.test'/>"),
              StreamCondition::improper_addressing);
    EXPECT_EQ(refused("<iq xmlns='jabber:server' type='get' id='1' from='a.test'/>"),
              StreamCondition::improper_addressing);
}

TEST_F(S2sStanza, ToADomainWeDoNotServeIsHostUnknown) {
    // No relaying: a stanza for a third server is refused.
    EXPECT_EQ(refused("<message xmlns='jabber:server' from='alice@a.test' to='carol@c.test'/>"),
              StreamCondition::host_unknown);
}

TEST_F(S2sStanza, NonStanzasAreUnsupportedStanzaType) {
    EXPECT_EQ(refused("<message xmlns='jabber:client' from='alice@a.test' to='bob@b.test'/>"),
              StreamCondition::unsupported_stanza_type);
    EXPECT_EQ(refused("<thing xmlns='jabber:server' from='alice@a.test' to='bob@b.test'/>"),
              StreamCondition::unsupported_stanza_type);
}

}  // namespace
}  // namespace parley
