// XEP-0077 In-Band Registration through the register module: §3.1 fields and
// account creation (conflict, not-acceptable, registration off), §3.1.1
// limits, §3.2 cancellation, §3.3 password change, "Stream Feature".
#include <gtest/gtest.h>

#include "auth/credentials.hpp"
#include "unit/server/modules/module_harness.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod {
std::unique_ptr<Module> make_register_module();
}

namespace parley::test {
namespace {

// An unauthenticated client stream with an address (FakeSession has none).
class PreAuthSession final : public Session {
public:
    PreAuthSession(std::string ip, boost::asio::any_io_executor ex)
        : Session("pre-auth", std::move(ex)), ip_(std::move(ip)) {}
    void deliver(const xml::ElementRef& stanza) override { received.push_back(stanza); }
    void close(xmpp::StreamError) override {}
    bool secure() const override { return true; }
    std::string remote_address() const override { return ip_; }
    std::vector<xml::ElementRef> received;

private:
    std::string ip_;
};

// Records user_removed events (what other modules would be told).
class RemovalProbe final : public Module {
public:
    explicit RemovalProbe(std::vector<std::string>& seen) : seen_(seen) {}
    Result<void> start(ModuleContext& ctx) override {
        ctx.on_user_removed([this](const std::string& bare) { return note(bare); });
        return {};
    }

private:
    Awaitable<void> note(const std::string& bare) {
        seen_.push_back(bare);
        co_return;
    }
    std::vector<std::string>& seen_;
};

class RegisterTest : public ::testing::Test {
protected:
    void start(ModuleConfig::Values cfg) {
        ASSERT_TRUE(h.start(mod::make_register_module(), std::move(cfg)));
        ASSERT_TRUE(h.start(std::make_unique<RemovalProbe>(removed)));
    }

    // An iq on a stream before authentication, dispatched as
    // C2sSession::on_pre_bind_iq does (IqScope::pre_auth, to = the host).
    // The handlers do not use req.router(), so a spare Router is passed.
    xml::ElementRef pre_auth(PreAuthSession& s, const std::string& xml_text) {
        xml::ElementRef st = xml::parse_element(xml_text);
        const auto* payload = st->first_child();
        const IqType type = st->attr_or("type") == "set" ? IqType::set : IqType::get;
        const IqHandler* handler =
            h.table().iq(type, IqScope::pre_auth, payload->ns(), payload->name());
        EXPECT_NE(handler, nullptr);
        if (!handler) {
            return nullptr;
        }
        IqRequest req(st, *payload, xmpp::Jid{}, *xmpp::Jid::parse(h.host()), &s, spare_router_,
                      [&s](xml::ElementRef reply) { s.deliver(reply); });
        s.received.clear();
        h.run([&]() -> Awaitable<void> { co_await (*handler)(req); });
        EXPECT_TRUE(req.answered());
        EXPECT_EQ(s.received.size(), 1u);
        return s.received.empty() ? nullptr : s.received.back();
    }
    std::shared_ptr<PreAuthSession> stream(const std::string& ip = "192.0.2.7") {
        return std::make_shared<PreAuthSession>(ip, io_.get_executor());
    }
    xml::ElementRef register_user(PreAuthSession& s, const std::string& user,
                                  const std::string& password, const std::string& id = "r") {
        return pre_auth(s, "<iq xmlns='jabber:client' type='set' id='" + id +
                               "'><query xmlns='jabber:iq:register'><username>" + user +
                               "</username><password>" + password + "</password></query></iq>");
    }
    // An iq from a logged-in resource through the router; what it received.
    std::vector<xml::ElementRef> ask(FakeSession& s, const std::string& xml_text) {
        xml::ElementPtr st = xml::parse_element(xml_text);
        st->set_attr("from", s.jid().str());
        s.received.clear();
        h.send(xml::to_string(*st), &s);
        return s.received;
    }
    bool password_is(const std::string& bare, const std::string& password) {
        auto& users = h.storage().accounts_.users;
        auto it = users.find(bare);
        return it != users.end() &&
               auth::check_password(it->second.sha256, auth::Hash::sha256, password);
    }

    ModuleHarness h;
    std::vector<std::string> removed;
    boost::asio::io_context io_;
    SessionRegistry spare_sessions_;
    MemStorage spare_storage_;
    Router spare_router_{spare_sessions_, spare_storage_, io_.get_executor()};
};

TEST_F(RegisterTest, Xep0077_3_1_OffByDefault) {
    start({});
    EXPECT_TRUE(h.table().pre_auth_features().empty());
    auto s = stream();
    auto r = pre_auth(*s, "<iq xmlns='jabber:client' type='get' id='1'>"
                          "<query xmlns='jabber:iq:register'/></iq>");
    EXPECT_EQ(error_condition(*r), "service-unavailable");
    r = register_user(*s, "alice", "pw");
    EXPECT_EQ(error_condition(*r), "service-unavailable");
    EXPECT_TRUE(h.storage().accounts_.users.empty());
}

TEST_F(RegisterTest, Xep0077_StreamFeatureAndDiscoFeatureWhenAllowed) {
    start({{"allow_registration", "true"}});
    ASSERT_EQ(h.table().pre_auth_features().size(), 1u);
    EXPECT_TRUE(h.table().pre_auth_features()[0]->is("register", ns::register_feature));
    EXPECT_TRUE(h.table().features().count(std::string(ns::register_)));
}

TEST_F(RegisterTest, Xep0077_3_1_FieldsThenAccount) {
    start({{"allow_registration", "true"}});
    auto s = stream();
    auto form = pre_auth(*s, "<iq xmlns='jabber:client' type='get' id='1'>"
                             "<query xmlns='jabber:iq:register'/></iq>");
    ASSERT_EQ(form->attr_or("type"), "result");
    const auto* q = form->child("query", ns::register_);
    ASSERT_NE(q, nullptr);
    EXPECT_NE(q->child("instructions", ns::register_), nullptr);
    EXPECT_NE(q->child("username", ns::register_), nullptr);
    EXPECT_NE(q->child("password", ns::register_), nullptr);

    auto r = register_user(*s, "Juliet", "R0m30");
    EXPECT_EQ(r->attr_or("type"), "result");
    EXPECT_TRUE(password_is("juliet@example.org", "R0m30"));  // localpart normalized
}

TEST_F(RegisterTest, Xep0077_3_1_Errors) {
    start({{"allow_registration", "true"}});
    h.storage().accounts_.users["bill@example.org"];
    auto s = stream();
    EXPECT_EQ(error_condition(*register_user(*s, "bill", "m1cro$oft")), "conflict");
    EXPECT_EQ(error_condition(*pre_auth(*s, "<iq xmlns='jabber:client' type='set' id='2'>"
                                            "<query xmlns='jabber:iq:register'><username>x"
                                            "</username><password/></query></iq>")),
              "not-acceptable");
    EXPECT_EQ(error_condition(*pre_auth(*s, "<iq xmlns='jabber:client' type='set' id='3'>"
                                            "<query xmlns='jabber:iq:register'><password>p"
                                            "</password></query></iq>")),
              "not-acceptable");
    EXPECT_EQ(error_condition(*register_user(*s, "a b", "pw")), "jid-malformed");
    EXPECT_EQ(h.storage().accounts_.users.size(), 1u);
}

TEST_F(RegisterTest, Xep0077_3_1_1_OneAccountPerStreamAndALimitPerAddress) {
    start({{"allow_registration", "true"}, {"registrations_per_minute_per_ip", "2"}});
    auto s1 = stream();
    EXPECT_EQ(register_user(*s1, "one", "pw")->attr_or("type"), "result");
    EXPECT_EQ(error_condition(*register_user(*s1, "two", "pw")), "not-acceptable");
    auto s2 = stream();
    EXPECT_EQ(register_user(*s2, "two", "pw")->attr_or("type"), "result");
    auto s3 = stream();
    auto r = register_user(*s3, "three", "pw");
    EXPECT_EQ(error_condition(*r), "not-acceptable");
    EXPECT_EQ(r->child("error", ns::client)->attr_or("type"), "wait");
    auto other = stream("198.51.100.1");
    EXPECT_EQ(register_user(*other, "three", "pw")->attr_or("type"), "result");
}

TEST_F(RegisterTest, Xep0077_3_1_RegisteredEntitySeesRegistered) {
    start({});
    auto a = h.connect("alice@example.org/a");
    auto out = ask(*a, "<iq xmlns='jabber:client' type='get' id='g'>"
                       "<query xmlns='jabber:iq:register'/></iq>");
    ASSERT_EQ(out.size(), 1u);
    const auto* q = out[0]->child("query", ns::register_);
    ASSERT_NE(q, nullptr);
    EXPECT_NE(q->child("registered", ns::register_), nullptr);
    EXPECT_EQ(q->child_text("username", ns::register_), "alice");
}

TEST_F(RegisterTest, Xep0077_3_3_PasswordChange) {
    start({});
    auto a = h.connect("alice@example.org/a");
    auto out = ask(*a, "<iq xmlns='jabber:client' type='set' id='c' to='example.org'>"
                       "<query xmlns='jabber:iq:register'><username>alice</username>"
                       "<password>newpass</password></query></iq>");
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0]->attr_or("type"), "result");
    EXPECT_TRUE(password_is("alice@example.org", "newpass"));

    out = ask(*a, "<iq xmlns='jabber:client' type='set' id='e'><query xmlns='jabber:iq:register'>"
                  "<username>alice</username><password/></query></iq>");
    EXPECT_EQ(error_condition(*out[0]), "bad-request");  // never an empty password
    out = ask(*a, "<iq xmlns='jabber:client' type='set' id='o'><query xmlns='jabber:iq:register'>"
                  "<username>bob</username><password>x</password></query></iq>");
    EXPECT_EQ(error_condition(*out[0]), "bad-request");
    EXPECT_TRUE(password_is("alice@example.org", "newpass"));
}

TEST_F(RegisterTest, Xep0077_3_2_CancellationRemovesTheAccountAndClosesItsStreams) {
    start({});
    auto a1 = h.connect("alice@example.org/a1");
    auto a2 = h.connect("alice@example.org/a2");
    auto b = h.connect("bob@example.org/b");
    h.set_available(*a1);
    h.set_available(*b);
    h.add_contact("alice@example.org", "bob@example.org", storage::Subscription::both);

    auto out = ask(*a1, "<iq xmlns='jabber:client' type='set' id='unreg1'>"
                        "<query xmlns='jabber:iq:register'><remove/></query></iq>");
    ASSERT_FALSE(out.empty());
    EXPECT_EQ(out[0]->attr_or("type"), "result");  // before the stream error
    EXPECT_EQ(out[0]->attr_or("id"), "unreg1");
    EXPECT_TRUE(a1->closed);
    EXPECT_TRUE(a2->closed);
    EXPECT_FALSE(b->closed);
    EXPECT_FALSE(h.storage().accounts_.users.count("alice@example.org"));
    EXPECT_EQ(removed, std::vector<std::string>{"alice@example.org"});
    // Bob saw Alice's presence: he is told she is gone.
    ASSERT_FALSE(b->received.empty());
    EXPECT_EQ(b->received[0]->attr_or("type"), "unavailable");
}

TEST_F(RegisterTest, Xep0077_3_2_RemoveMustBeAlone) {
    start({});
    auto a = h.connect("alice@example.org/a");
    auto out = ask(*a, "<iq xmlns='jabber:client' type='set' id='x'><query "
                       "xmlns='jabber:iq:register'><remove/><username>alice</username>"
                       "</query></iq>");
    EXPECT_EQ(error_condition(*out[0]), "bad-request");
    EXPECT_FALSE(a->closed);
    EXPECT_TRUE(h.storage().accounts_.users.count("alice@example.org"));
}

TEST_F(RegisterTest, AnotherAccountIsNotServed) {
    start({});
    auto a = h.connect("alice@example.org/a");
    h.connect("bob@example.org/b");
    auto out = ask(*a, "<iq xmlns='jabber:client' type='set' id='x' to='bob@example.org'>"
                       "<query xmlns='jabber:iq:register'><remove/></query></iq>");
    EXPECT_EQ(error_condition(*out[0]), "service-unavailable");
    EXPECT_TRUE(h.storage().accounts_.users.count("bob@example.org"));
}

}  // namespace
}  // namespace parley::test
