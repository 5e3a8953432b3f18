// XEP-0045 room configuration: the muc#roomconfig form (§10.1.3, §10.2,
// §16.5.3), parsing submissions and their errors, §10.2.1 status codes and
// §16.3 room features.
#include "modules/muc/room_config.hpp"

#include <gtest/gtest.h>

#include "muc_test_util.hpp"

namespace parley::mod::muc {
namespace {

using test::J;
using test::X;
using xmpp::Condition;

// The field of a form by var, or nullptr.
const xml::Element* field(const xml::Element& form, std::string_view var) {
    for (const auto* f : form.children("field", ns::data_forms)) {
        if (f->attr_or("var") == var) {
            return f;
        }
    }
    return nullptr;
}

std::vector<std::string> values(const xml::Element* f) {
    std::vector<std::string> v;
    if (f != nullptr) {
        for (const auto* value : f->children("value", ns::data_forms)) {
            v.push_back(value->text());
        }
    }
    return v;
}

xml::ElementPtr submit(std::string_view fields) {
    return X(std::string("<x xmlns='jabber:x:data' type='submit'>") + std::string(fields) + "</x>");
}

std::string field_xml(std::string_view var, std::string_view value) {
    return "<field var='" + std::string(var) + "'><value>" + std::string(value) +
           "</value></field>";
}

std::string condition_of(std::string_view fields) {
    auto r = parse_config_submission(*submit(fields), RoomConfig{});
    return r ? "accepted" : std::string(xmpp::to_string(r.error().condition));
}

TEST(MucRoomConfig, DefaultsFollowProsodyAndEjabberd) {
    const RoomConfig c;
    EXPECT_TRUE(c.public_room);
    EXPECT_FALSE(c.persistent);
    EXPECT_FALSE(c.members_only);
    EXPECT_FALSE(c.moderated);
    EXPECT_FALSE(c.password_protected);
    EXPECT_EQ(c.whois, Whois::moderators);  // semi-anonymous
    EXPECT_FALSE(c.change_subject);         // §8.1: moderators by default
    EXPECT_EQ(c.allow_pm, AllowPm::anyone);
    EXPECT_EQ(c.history_length, 20u);
    EXPECT_EQ(c.max_users, 200u);
    EXPECT_EQ(c.presence_broadcast.size(), 3u);
}

TEST(MucRoomConfig, Xep0045_10_1_3_ConfigurationFormCarriesEveryField) {
    RoomConfig c;
    c.name = "A Dark Cave";
    c.password_protected = true;
    c.password = "cauldronburn";
    auto form = config_form(c, J(test::kRoom), {J("crone1@shakespeare.lit")},
                            {J("wiccarocks@shakespeare.lit"), J("hecate@shakespeare.lit")});
    ASSERT_TRUE(form->is("x", ns::data_forms));
    EXPECT_EQ(form->attr_or("type"), "form");
    EXPECT_EQ(form->child_text("title", ns::data_forms), "Configuration for \"coven\" Room");
    const auto* form_type = field(*form, "FORM_TYPE");
    ASSERT_NE(form_type, nullptr);
    EXPECT_EQ(form_type->attr_or("type"), "hidden");
    EXPECT_EQ(values(form_type),
              std::vector<std::string>{"http://jabber.org/protocol/muc#roomconfig"});
    struct Expect {
        const char* var;
        const char* type;
        std::vector<std::string> values;
    };
    const Expect expected[] = {
        {"muc#roomconfig_roomname", "text-single", {"A Dark Cave"}},
        {"muc#roomconfig_roomdesc", "text-single", {}},
        {"muc#roomconfig_lang", "text-single", {}},
        {"muc#roomconfig_enablelogging", "boolean", {"0"}},
        {"muc#roomconfig_changesubject", "boolean", {"0"}},
        {"muc#roomconfig_allowinvites", "boolean", {"0"}},
        {"muc#roomconfig_allowpm", "list-single", {"anyone"}},
        {"muc#roomconfig_maxusers", "list-single", {"200"}},
        {"muc#roomconfig_presencebroadcast", "list-multi", {"moderator", "participant", "visitor"}},
        {"muc#roomconfig_publicroom", "boolean", {"1"}},
        {"muc#roomconfig_persistentroom", "boolean", {"0"}},
        {"muc#roomconfig_moderatedroom", "boolean", {"0"}},
        {"muc#roomconfig_membersonly", "boolean", {"0"}},
        {"muc#roomconfig_passwordprotectedroom", "boolean", {"1"}},
        {"muc#roomconfig_roomsecret", "text-private", {"cauldronburn"}},
        {"muc#roomconfig_whois", "list-single", {"moderators"}},
        {"muc#maxhistoryfetch", "text-single", {"20"}},
        {"muc#roomconfig_roomadmins",
         "jid-multi",
         {"wiccarocks@shakespeare.lit", "hecate@shakespeare.lit"}},
        {"muc#roomconfig_roomowners", "jid-multi", {"crone1@shakespeare.lit"}},
    };
    for (const auto& e : expected) {
        SCOPED_TRACE(e.var);
        const auto* f = field(*form, e.var);
        ASSERT_NE(f, nullptr);
        EXPECT_EQ(f->attr_or("type"), e.type);
        EXPECT_FALSE(f->attr_or("label").empty());
        EXPECT_EQ(values(f), e.values);
    }
    // List fields offer their options.
    EXPECT_EQ(field(*form, "muc#roomconfig_whois")->children("option", ns::data_forms).size(), 2u);
    EXPECT_EQ(field(*form, "muc#roomconfig_allowpm")->children("option", ns::data_forms).size(),
              4u);
}

TEST(MucRoomConfig, Xep0045_10_1_3_OwnerSubmitsConfigurationForm) {
    // The owner's form of the §10.1.3 example.
    auto x = X(R"(<x xmlns='jabber:x:data' type='submit'>
      <field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field>
      <field var='muc#roomconfig_roomname'><value>A Dark Cave</value></field>
      <field var='muc#roomconfig_roomdesc'><value>The place for all good witches!</value></field>
      <field var='muc#roomconfig_enablelogging'><value>0</value></field>
      <field var='muc#roomconfig_enablearchiving'><value>1</value></field>
      <field var='muc#roomconfig_changesubject'><value>1</value></field>
      <field var='muc#roomconfig_allowinvites'><value>0</value></field>
      <field var='muc#roomconfig_allowpm'><value>anyone</value></field>
      <field var='muc#roomconfig_maxusers'><value>10</value></field>
      <field var='muc#roomconfig_publicroom'><value>0</value></field>
      <field var='muc#roomconfig_persistentroom'><value>0</value></field>
      <field var='muc#roomconfig_moderatedroom'><value>0</value></field>
      <field var='muc#roomconfig_membersonly'><value>0</value></field>
      <field var='muc#roomconfig_passwordprotectedroom'><value>1</value></field>
      <field var='muc#roomconfig_roomsecret'><value>cauldronburn</value></field>
      <field var='muc#roomconfig_whois'><value>moderators</value></field>
      <field var='muc#maxhistoryfetch'><value>50</value></field>
      <field var='muc#roomconfig_roomadmins'>
        <value>wiccarocks@shakespeare.lit</value>
        <value>hecate@shakespeare.lit</value>
      </field>
    </x>)");
    auto r = parse_config_submission(*x, RoomConfig{});
    ASSERT_TRUE(r) << xmpp::to_string(r.error().condition);
    EXPECT_FALSE(r->cancel);
    const RoomConfig& c = r->config;
    EXPECT_EQ(c.name, "A Dark Cave");
    EXPECT_EQ(c.description, "The place for all good witches!");
    EXPECT_TRUE(c.change_subject);
    EXPECT_EQ(c.max_users, 10u);
    EXPECT_FALSE(c.public_room);
    EXPECT_TRUE(c.password_protected);
    EXPECT_EQ(c.password, "cauldronburn");
    EXPECT_EQ(c.whois, Whois::moderators);
    EXPECT_EQ(c.history_length, 50u);
    ASSERT_TRUE(r->admins);
    EXPECT_EQ(*r->admins, (std::vector<xmpp::Jid>{J("wiccarocks@shakespeare.lit"),
                                                  J("hecate@shakespeare.lit")}));
    EXPECT_FALSE(r->owners);  // not in the form: unchanged
}

TEST(MucRoomConfig, Xep0045_10_1_2_EmptySubmitAcceptsCurrentConfiguration) {
    RoomConfig current;
    current.name = "kept";
    auto r = parse_config_submission(*X("<x xmlns='jabber:x:data' type='submit'/>"), current);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->config, current);
    EXPECT_FALSE(r->owners);
    EXPECT_FALSE(r->admins);
}

TEST(MucRoomConfig, Xep0045_10_2_CancelIsReported) {
    auto r = parse_config_submission(*X("<x xmlns='jabber:x:data' type='cancel'/>"), RoomConfig{});
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->cancel);
}

TEST(MucRoomConfig, FormSubmittedBackGivesTheSameConfiguration) {
    RoomConfig c;
    c.name = "Heath";
    c.description = "A lonely heath";
    c.language = "en";
    c.persistent = true;
    c.public_room = false;
    c.members_only = true;
    c.moderated = true;
    c.password_protected = true;
    c.password = "secret";
    c.whois = Whois::anyone;
    c.max_users = 30;
    c.allow_invites = true;
    c.change_subject = true;
    c.allow_pm = AllowPm::moderators;
    c.logging = true;
    c.presence_broadcast = {Role::moderator};
    c.history_length = 5;
    auto form = config_form(c, J(test::kRoom), {J("crone1@shakespeare.lit")}, {});
    form->set_attr("type", "submit");
    auto r = parse_config_submission(*form, RoomConfig{});
    ASSERT_TRUE(r) << xmpp::to_string(r.error().condition);
    EXPECT_EQ(r->config, c);
    EXPECT_EQ(*r->owners, std::vector<xmpp::Jid>{J("crone1@shakespeare.lit")});
    EXPECT_TRUE(r->admins->empty());
}

TEST(MucRoomConfig, XEP0004_3_3_BooleansAcceptZeroOneTrueFalse) {
    for (auto v : {"1", "true"}) {
        auto r = parse_config_submission(*submit(field_xml("muc#roomconfig_moderatedroom", v)),
                                         RoomConfig{});
        ASSERT_TRUE(r);
        EXPECT_TRUE(r->config.moderated);
    }
    for (auto v : {"0", "false"}) {
        RoomConfig on;
        on.moderated = true;
        auto r = parse_config_submission(*submit(field_xml("muc#roomconfig_moderatedroom", v)), on);
        ASSERT_TRUE(r);
        EXPECT_FALSE(r->config.moderated);
    }
    EXPECT_EQ(condition_of(field_xml("muc#roomconfig_moderatedroom", "yes")), "bad-request");
    EXPECT_EQ(condition_of(field_xml("muc#roomconfig_persistentroom", "")), "bad-request");
}

TEST(MucRoomConfig, Xep0045_10_1_3_InvalidValuesAreRejected) {
    EXPECT_EQ(condition_of(field_xml("muc#roomconfig_whois", "none")), "bad-request");
    EXPECT_EQ(condition_of(field_xml("muc#roomconfig_allowpm", "everybody")), "bad-request");
    EXPECT_EQ(condition_of(field_xml("muc#roomconfig_maxusers", "many")), "bad-request");
    EXPECT_EQ(condition_of(field_xml("muc#maxhistoryfetch", "-1")), "bad-request");
    EXPECT_EQ(condition_of(field_xml("muc#roomconfig_presencebroadcast", "none")), "bad-request");
    EXPECT_EQ(condition_of(field_xml("FORM_TYPE", "http://jabber.org/protocol/muc#register")),
              "bad-request");
    EXPECT_EQ(condition_of(field_xml("muc#roomconfig_roomowners", "@broken")), "jid-malformed");
    EXPECT_EQ(condition_of("<field><value>no var</value></field>"), "bad-request");
    EXPECT_EQ(condition_of(field_xml("muc#roomconfig_roomname", "a") +
                           field_xml("muc#roomconfig_roomname", "b")),
              "bad-request");
    // Unknown fields are ignored (XEP-0068: services may add their own).
    EXPECT_EQ(condition_of(field_xml("x-custom#field", "1")), "accepted");
    EXPECT_EQ(condition_of(field_xml("muc#roomconfig_enablearchiving", "1")), "accepted");
}

TEST(MucRoomConfig, Xep0045_10_1_3_ServicePolicyViolationsAreNotAcceptable) {
    // "because the password for a password-protected room is blank".
    EXPECT_EQ(condition_of(field_xml("muc#roomconfig_passwordprotectedroom", "1")),
              "not-acceptable");
    EXPECT_EQ(condition_of(field_xml("muc#roomconfig_passwordprotectedroom", "1") +
                           field_xml("muc#roomconfig_roomsecret", "")),
              "not-acceptable");
    EXPECT_EQ(condition_of(field_xml("muc#roomconfig_passwordprotectedroom", "1") +
                           field_xml("muc#roomconfig_roomsecret", "x")),
              "accepted");
    EXPECT_EQ(condition_of(field_xml("muc#roomconfig_maxusers", "1001")), "not-acceptable");
    EXPECT_EQ(condition_of(field_xml("muc#roomconfig_maxusers", "0")), "not-acceptable");
    EXPECT_EQ(condition_of(field_xml("muc#maxhistoryfetch", "51")), "not-acceptable");
    EXPECT_EQ(condition_of(field_xml("muc#roomconfig_roomname", std::string(1025, 'a'))),
              "not-acceptable");
}

TEST(MucRoomConfig, Xep0045_10_1_3_MaxUsersNoneMeansNoRoomLimit) {
    auto r = parse_config_submission(*submit(field_xml("muc#roomconfig_maxusers", "none")),
                                     RoomConfig{});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->config.max_users, 0u);
}

TEST(MucRoomConfig, Xep0045_10_1_3_NotADataFormIsBadRequest) {
    auto r = parse_config_submission(*X("<x xmlns='urn:example'/>"), RoomConfig{});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().condition, Condition::bad_request);
    auto f = parse_config_submission(*X("<x xmlns='jabber:x:data' type='form'/>"), RoomConfig{});
    ASSERT_FALSE(f);
    EXPECT_EQ(f.error().condition, Condition::bad_request);
}

TEST(MucRoomConfig, Xep0045_10_1_3_OwnerListsAreBareAndUnique) {
    auto r = parse_config_submission(
        *submit(
            "<field var='muc#roomconfig_roomowners'><value>crone1@shakespeare.lit/desktop</value>"
            "<value>CRONE1@shakespeare.lit</value><value/></field>"),
        RoomConfig{});
    ASSERT_TRUE(r);
    EXPECT_EQ(*r->owners, std::vector<xmpp::Jid>{J("crone1@shakespeare.lit")});
}

TEST(MucRoomConfig, Xep0045_10_2_1_StatusCodesForConfigurationChanges) {
    const RoomConfig before;
    RoomConfig logging = before;
    logging.logging = true;
    EXPECT_EQ(config_change_status_codes(before, logging), std::vector<int>{170});
    EXPECT_EQ(config_change_status_codes(logging, before), std::vector<int>{171});
    RoomConfig open = before;
    open.whois = Whois::anyone;
    EXPECT_EQ(config_change_status_codes(before, open), std::vector<int>{172});
    EXPECT_EQ(config_change_status_codes(open, before), std::vector<int>{173});
    RoomConfig other = before;
    other.name = "renamed";
    EXPECT_EQ(config_change_status_codes(before, other), std::vector<int>{104});
    RoomConfig both = open;
    both.logging = true;
    both.moderated = true;
    EXPECT_EQ(config_change_status_codes(before, both), (std::vector<int>{170, 172, 104}));
    EXPECT_TRUE(config_change_status_codes(before, before).empty());
}

TEST(MucRoomConfig, Xep0045_6_4_RoomFeatures) {
    RoomConfig c;
    EXPECT_EQ(room_features(c),
              (std::vector<std::string_view>{"muc_public", "muc_temporary", "muc_unsecured",
                                             "muc_open", "muc_unmoderated", "muc_semianonymous"}));
    c.public_room = false;
    c.persistent = true;
    c.password_protected = true;
    c.members_only = true;
    c.moderated = true;
    c.whois = Whois::anyone;
    EXPECT_EQ(room_features(c), (std::vector<std::string_view>{
                                    "muc_hidden", "muc_persistent", "muc_passwordprotected",
                                    "muc_membersonly", "muc_moderated", "muc_nonanonymous"}));
}

}  // namespace
}  // namespace parley::mod::muc
