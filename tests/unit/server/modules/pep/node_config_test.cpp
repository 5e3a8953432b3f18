// XEP-0060 v1.26 node configuration: §8.2 forms, §7.1.5 publish-options
// preconditions, the storage round trip.

#include <gtest/gtest.h>

#include "modules/pep/node_config.hpp"
#include "xml/stream_parser.hpp"

namespace parley::mod::pep {
namespace {

xmpp::form::Submitted submitted(std::vector<std::pair<std::string, std::vector<std::string>>> f) {
    xmpp::form::Submitted s;
    s.type = "submit";
    s.fields = std::move(f);
    return s;
}

const ConfigLimits kLimits{100};

TEST(NodeConfig, Xep0163Defaults) {
    NodeConfig cfg;
    EXPECT_EQ(cfg.access_model, AccessModel::presence);
    EXPECT_TRUE(cfg.deliver_notifications);
    EXPECT_TRUE(cfg.deliver_payloads);
    EXPECT_EQ(cfg.send_last, SendLast::on_sub_and_presence);
}

TEST(NodeConfig, ApplyForm_SetsKnownFieldsAndMaxMeansTheLimit) {
    NodeConfig cfg;
    auto r = apply_form(cfg,
                        submitted({{"FORM_TYPE", {"http://jabber.org/protocol/pubsub#publish-options"}},
                                   {"pubsub#access_model", {"open"}},
                                   {"pubsub#max_items", {"max"}},
                                   {"pubsub#persist_items", {"true"}},
                                   {"pubsub#notify_retract", {"0"}},
                                   {"pubsub#send_last_published_item", {"never"}},
                                   {"some#unknown", {"x"}}}),
                        kLimits);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(cfg.access_model, AccessModel::open);
    EXPECT_EQ(cfg.max_items, 100u);
    EXPECT_FALSE(cfg.notify_retract);
    EXPECT_EQ(cfg.send_last, SendLast::never);
}

// §8.2.5.3: a bad value is not-acceptable and changes nothing.
TEST(NodeConfig, ApplyForm_BadValueIsNotAcceptableAndAtomic) {
    for (auto field : std::vector<std::pair<std::string, std::string>>{
             {"pubsub#access_model", "authorize"},
             {"pubsub#max_items", "0"},
             {"pubsub#max_items", "101"},
             {"pubsub#max_items", "ten"},
             {"pubsub#deliver_payloads", "yes"},
             {"pubsub#publish_model", "open"}}) {
        NodeConfig cfg;
        auto r = apply_form(cfg, submitted({{"pubsub#access_model", {"open"}},
                                            {field.first, {field.second}}}),
                            kLimits);
        ASSERT_FALSE(r.ok()) << field.first << "=" << field.second;
        EXPECT_EQ(r.error().condition, xmpp::Condition::not_acceptable);
        EXPECT_EQ(cfg.access_model, AccessModel::presence);
    }
}

// §7.1.5: every publish option must match the existing node.
TEST(NodeConfig, Preconditions) {
    NodeConfig node;
    node.access_model = AccessModel::open;
    node.max_items = 100;
    EXPECT_EQ(unmet_precondition(node,
                                 submitted({{"FORM_TYPE", {"x"}},
                                            {"pubsub#access_model", {"open"}},
                                            {"pubsub#max_items", {"max"}},
                                            {"pubsub#persist_items", {"1"}}}),
                                 kLimits),
              std::nullopt);
    EXPECT_EQ(unmet_precondition(node, submitted({{"pubsub#persist_items", {"true"}}}), kLimits),
              std::nullopt);  // "true" and "1" are the same boolean
    EXPECT_EQ(unmet_precondition(node, submitted({{"pubsub#access_model", {"presence"}}}), kLimits),
              "pubsub#access_model");
    EXPECT_EQ(unmet_precondition(node, submitted({{"pubsub#max_items", {"5"}}}), kLimits),
              "pubsub#max_items");
    EXPECT_EQ(unmet_precondition(node, submitted({{"pubsub#unknown", {"1"}}}), kLimits),
              "pubsub#unknown");  // an option we do not know cannot be guaranteed
    EXPECT_EQ(unmet_precondition(node, submitted({{"pubsub#access_model", {"bogus"}}}), kLimits),
              "pubsub#access_model");
}

TEST(NodeConfig, SerializeRoundTrip) {
    NodeConfig cfg;
    cfg.access_model = AccessModel::roster;
    cfg.roster_groups = {"Friends", "Family"};
    cfg.max_items = 42;
    cfg.persist_items = false;
    cfg.deliver_payloads = false;
    cfg.send_last = SendLast::on_sub;
    cfg.title = "Moods";
    cfg.type = "http://jabber.org/protocol/mood";
    EXPECT_EQ(deserialize(serialize(cfg)), cfg);
    EXPECT_EQ(deserialize(""), NodeConfig{});
}

// §8.2.1: the form carries FORM_TYPE and the current values.
TEST(NodeConfig, ConfigFormShowsCurrentValues) {
    NodeConfig cfg;
    cfg.access_model = AccessModel::whitelist;
    cfg.max_items = 7;
    auto form = config_form(cfg, "form");
    auto parsed = xmpp::form::parse(*form);
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(parsed->type, "form");
    ASSERT_TRUE(parsed->find("FORM_TYPE"));
    EXPECT_EQ(parsed->find("FORM_TYPE")->front(),
              "http://jabber.org/protocol/pubsub#node_config");
    EXPECT_EQ(parsed->find("pubsub#access_model")->front(), "whitelist");
    EXPECT_EQ(parsed->find("pubsub#max_items")->front(), "7");
    // Submitting the form back changes nothing.
    NodeConfig again;
    ASSERT_TRUE(apply_form(again, *parsed, kLimits).ok());
    EXPECT_EQ(again, cfg);
}

}  // namespace
}  // namespace parley::mod::pep
