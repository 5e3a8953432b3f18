// SessionRegistry: binding, look-up by full JID and by bare JID (as a string_view
// into a Jid, without a copy), replacing and unbinding resources.
#include "router/session_registry.hpp"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>

namespace parley {
namespace {

class StubSession final : public Session {
public:
    StubSession(const std::string& full_jid, boost::asio::any_io_executor ex)
        : Session("stub-" + full_jid, std::move(ex)) {
        set_jid(xmpp::Jid::parse(full_jid).value());
    }
    void deliver(const xml::ElementRef&) override {}
    void close(xmpp::StreamError) override {}
    bool secure() const override { return true; }
};

class SessionRegistryTest : public ::testing::Test {
protected:
    SessionPtr session(const std::string& full_jid) {
        return std::make_shared<StubSession>(full_jid, io_.get_executor());
    }

    boost::asio::io_context io_;
    SessionRegistry registry_{4};
};

TEST_F(SessionRegistryTest, FindsResourcesByBareView) {
    auto balcony = session("Juliet@Example.com/balcony");
    auto orchard = session("juliet@example.com/orchard");
    EXPECT_TRUE(registry_.bind(balcony->jid(), balcony, ConflictPolicy::refuse_new).bound);
    EXPECT_TRUE(registry_.bind(orchard->jid(), orchard, ConflictPolicy::refuse_new).bound);
    EXPECT_EQ(registry_.size(), 2u);

    const std::string_view bare = balcony->jid().bare_view();
    EXPECT_EQ(bare, "juliet@example.com");
    auto resources = registry_.resources(bare);
    ASSERT_EQ(resources.size(), 2u);
    EXPECT_EQ(resources[0].resource, "balcony");
    EXPECT_EQ(resources[1].resource, "orchard");
    EXPECT_EQ(registry_.resources(std::string("juliet@example.com")).size(), 2u);
    EXPECT_TRUE(registry_.resources("romeo@example.com").empty());

    auto found = registry_.find(orchard->jid());
    ASSERT_TRUE(found);
    EXPECT_EQ(found->session.lock(), orchard);
    EXPECT_FALSE(registry_.find(xmpp::Jid::parse("juliet@example.com/garden").value()));
    EXPECT_TRUE(registry_.update(balcony->jid(), [](ResourceEntry& e) { e.priority = 5; }));
    EXPECT_EQ(registry_.find(balcony->jid())->priority, 5);
}

TEST_F(SessionRegistryTest, Rfc6120_7_7_2_2_ConflictReplacesOrRefuses) {
    auto first = session("juliet@example.com/balcony");
    auto second = session("juliet@example.com/balcony");
    ASSERT_TRUE(registry_.bind(first->jid(), first, ConflictPolicy::replace_old).bound);
    EXPECT_FALSE(registry_.bind(second->jid(), second, ConflictPolicy::refuse_new).bound);
    auto r = registry_.bind(second->jid(), second, ConflictPolicy::replace_old);
    EXPECT_TRUE(r.bound);
    EXPECT_EQ(r.replaced, first);
    EXPECT_EQ(registry_.size(), 1u);
    EXPECT_EQ(registry_.find(first->jid())->session.lock(), second);
}

TEST_F(SessionRegistryTest, UnbindRemovesOnlyTheHoldersResource) {
    auto balcony = session("juliet@example.com/balcony");
    auto orchard = session("juliet@example.com/orchard");
    registry_.bind(balcony->jid(), balcony, ConflictPolicy::replace_old);
    registry_.bind(orchard->jid(), orchard, ConflictPolicy::replace_old);
    registry_.unbind(balcony->jid(), orchard.get());  // not the holder: nothing happens
    EXPECT_EQ(registry_.size(), 2u);
    registry_.unbind(balcony->jid(), balcony.get());
    EXPECT_EQ(registry_.resources(orchard->jid().bare_view()).size(), 1u);
    registry_.unbind(orchard->jid(), orchard.get());
    EXPECT_EQ(registry_.size(), 0u);
    EXPECT_TRUE(registry_.resources("juliet@example.com").empty());
    EXPECT_TRUE(registry_.all().empty());
}

}  // namespace
}  // namespace parley
