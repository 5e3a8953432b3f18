// XEP-0060 v1.26 §16.4.4 node configuration, §7.1.5 publish-options
// preconditions, §8.2 configure forms.
#include "modules/pep/node_config.hpp"

#include <charconv>

#include "xmpp/ns.hpp"

namespace parley::mod::pep {

namespace {

using xmpp::Condition;
using xmpp::StanzaError;

constexpr std::string_view kFormType = "FORM_TYPE";

StanzaError bad_value(std::string_view var) {
    return StanzaError(Condition::not_acceptable,
                       "invalid value for " + std::string(var) + " (XEP-0060 §8.2.5.3)");
}

std::optional<AccessModel> parse_access(std::string_view v) {
    if (v == "open") return AccessModel::open;
    if (v == "presence") return AccessModel::presence;
    if (v == "roster") return AccessModel::roster;
    if (v == "whitelist") return AccessModel::whitelist;
    return std::nullopt;
}

std::optional<SendLast> parse_send_last(std::string_view v) {
    if (v == "never") return SendLast::never;
    if (v == "on_sub") return SendLast::on_sub;
    if (v == "on_sub_and_presence") return SendLast::on_sub_and_presence;
    return std::nullopt;
}

std::string_view send_last_name(SendLast s) {
    switch (s) {
        case SendLast::never: return "never";
        case SendLast::on_sub: return "on_sub";
        case SendLast::on_sub_and_presence: return "on_sub_and_presence";
    }
    return "never";
}

// "max" (XEP-0060 §7.1.5 / XEP-0402 §3) is the server's limit.
std::optional<std::size_t> parse_max_items(std::string_view v, const ConfigLimits& limits) {
    if (v == "max") {
        return limits.max_items;
    }
    std::size_t n = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (v.empty() || ec != std::errc() || end != v.data() + v.size() || n == 0 ||
        n > limits.max_items) {
        return std::nullopt;
    }
    return n;
}

const std::string* single(const std::vector<std::string>& values) {
    return values.size() == 1 ? &values.front() : nullptr;
}

// Sets one field; false when the field is unknown; an error for a bad value.
Result<bool, StanzaError> set_field(NodeConfig& cfg, const std::string& var,
                                    const std::vector<std::string>& values,
                                    const ConfigLimits& limits) {
    auto boolean = [&](bool& out) -> Result<bool, StanzaError> {
        const std::string* v = single(values);
        auto b = v ? xmpp::form::parse_boolean(*v) : std::nullopt;
        if (!b) {
            return fail(bad_value(var));
        }
        out = *b;
        return true;
    };
    if (var == "pubsub#access_model") {
        const std::string* v = single(values);
        auto m = v ? parse_access(*v) : std::nullopt;
        if (!m) {
            return fail(bad_value(var));
        }
        cfg.access_model = *m;
        return true;
    }
    if (var == "pubsub#max_items") {
        const std::string* v = single(values);
        auto n = v ? parse_max_items(*v, limits) : std::nullopt;
        if (!n) {
            return fail(bad_value(var));
        }
        cfg.max_items = *n;
        return true;
    }
    if (var == "pubsub#send_last_published_item") {
        const std::string* v = single(values);
        auto s = v ? parse_send_last(*v) : std::nullopt;
        if (!s) {
            return fail(bad_value(var));
        }
        cfg.send_last = *s;
        return true;
    }
    if (var == "pubsub#persist_items") return boolean(cfg.persist_items);
    if (var == "pubsub#deliver_notifications") return boolean(cfg.deliver_notifications);
    if (var == "pubsub#deliver_payloads") return boolean(cfg.deliver_payloads);
    if (var == "pubsub#notify_retract") return boolean(cfg.notify_retract);
    if (var == "pubsub#notify_delete") return boolean(cfg.notify_delete);
    if (var == "pubsub#roster_groups_allowed") {
        cfg.roster_groups = values;
        return true;
    }
    if (var == "pubsub#title" || var == "pubsub#type") {
        (var == "pubsub#title" ? cfg.title : cfg.type) = values.empty() ? "" : values.front();
        return true;
    }
    if (var == "pubsub#publish_model") {
        // PEP: only the owner publishes (XEP-0163 §3); "publishers" is what that is.
        const std::string* v = single(values);
        if (!v || *v != "publishers") {
            return fail(bad_value(var));
        }
        return true;
    }
    if (var == "pubsub#notification_type") {
        const std::string* v = single(values);
        if (!v || *v != "headline") {
            return fail(bad_value(var));  // only headline notifications are sent
        }
        return true;
    }
    return false;
}

// The values of a known field as config_form() writes them; nullopt when unknown.
std::optional<std::vector<std::string>> field_values(const NodeConfig& cfg, std::string_view var) {
    auto b = [](bool v) { return std::vector<std::string>{v ? "1" : "0"}; };
    if (var == "pubsub#access_model") return std::vector<std::string>{std::string(access_model_name(cfg.access_model))};
    if (var == "pubsub#max_items") return std::vector<std::string>{std::to_string(cfg.max_items)};
    if (var == "pubsub#send_last_published_item") return std::vector<std::string>{std::string(send_last_name(cfg.send_last))};
    if (var == "pubsub#persist_items") return b(cfg.persist_items);
    if (var == "pubsub#deliver_notifications") return b(cfg.deliver_notifications);
    if (var == "pubsub#deliver_payloads") return b(cfg.deliver_payloads);
    if (var == "pubsub#notify_retract") return b(cfg.notify_retract);
    if (var == "pubsub#notify_delete") return b(cfg.notify_delete);
    if (var == "pubsub#roster_groups_allowed") return cfg.roster_groups;
    if (var == "pubsub#title") return std::vector<std::string>{cfg.title};
    if (var == "pubsub#type") return std::vector<std::string>{cfg.type};
    if (var == "pubsub#publish_model") return std::vector<std::string>{"publishers"};
    if (var == "pubsub#notification_type") return std::vector<std::string>{"headline"};
    return std::nullopt;
}

}  // namespace

std::string_view access_model_name(AccessModel m) {
    switch (m) {
        case AccessModel::open: return "open";
        case AccessModel::presence: return "presence";
        case AccessModel::roster: return "roster";
        case AccessModel::whitelist: return "whitelist";
    }
    return "presence";
}

Result<void, StanzaError> apply_form(NodeConfig& cfg, const xmpp::form::Submitted& form,
                                     const ConfigLimits& limits) {
    NodeConfig next = cfg;
    for (const auto& [var, values] : form.fields) {
        if (var == kFormType) {
            continue;
        }
        auto r = set_field(next, var, values, limits);
        if (!r) {
            return fail(r.error());
        }
    }
    cfg = std::move(next);
    return {};
}

std::optional<std::string> unmet_precondition(const NodeConfig& node,
                                              const xmpp::form::Submitted& options,
                                              const ConfigLimits& limits) {
    for (const auto& [var, values] : options.fields) {
        if (var == kFormType) {
            continue;
        }
        NodeConfig wanted = node;
        auto known = set_field(wanted, var, values, limits);
        if (!known || !*known) {
            return var;  // a value we cannot have, or an option we do not know
        }
        if (field_values(wanted, var) != field_values(node, var)) {
            return var;
        }
    }
    return std::nullopt;
}

xml::ElementPtr config_form(const NodeConfig& cfg, std::string_view type) {
    using xmpp::form::Field;
    using xmpp::form::Option;
    auto values = [&](std::string_view var) { return *field_values(cfg, var); };
    std::vector<Field> fields{
        {"FORM_TYPE", "hidden", "", {std::string(ns::pubsub_node_config)}, {}},
        {"pubsub#access_model", "list-single", "Who may subscribe and retrieve items",
         values("pubsub#access_model"),
         {{"", "open"}, {"", "presence"}, {"", "roster"}, {"", "whitelist"}}},
        {"pubsub#roster_groups_allowed", "list-multi", "Roster groups allowed to subscribe",
         values("pubsub#roster_groups_allowed"), {}},
        {"pubsub#max_items", "text-single", "Max # of items to persist",
         values("pubsub#max_items"), {}},
        {"pubsub#persist_items", "boolean", "Persist items to storage",
         values("pubsub#persist_items"), {}},
        {"pubsub#deliver_notifications", "boolean", "Deliver event notifications",
         values("pubsub#deliver_notifications"), {}},
        {"pubsub#deliver_payloads", "boolean", "Deliver payloads with event notifications",
         values("pubsub#deliver_payloads"), {}},
        {"pubsub#notify_retract", "boolean", "Notify subscribers when items are removed",
         values("pubsub#notify_retract"), {}},
        {"pubsub#notify_delete", "boolean", "Notify subscribers when the node is deleted",
         values("pubsub#notify_delete"), {}},
        {"pubsub#send_last_published_item", "list-single", "When to send the last published item",
         values("pubsub#send_last_published_item"),
         {{"", "never"}, {"", "on_sub"}, {"", "on_sub_and_presence"}}},
        {"pubsub#publish_model", "list-single", "Who may publish", {"publishers"},
         {{"", "publishers"}}},
        {"pubsub#notification_type", "list-single", "Message type of notifications", {"headline"},
         {{"", "headline"}}},
        {"pubsub#title", "text-single", "A friendly name for the node", values("pubsub#title"), {}},
        {"pubsub#type", "text-single", "The type of node data", values("pubsub#type"), {}},
    };
    return xmpp::form::build(type, "", "", fields);
}

std::string serialize(const NodeConfig& cfg) {
    std::string out;
    auto line = [&](std::string_view k, std::string_view v) {
        out.append(k).append("=").append(v).append("\n");
    };
    line("access_model", access_model_name(cfg.access_model));
    line("max_items", std::to_string(cfg.max_items));
    line("persist_items", cfg.persist_items ? "1" : "0");
    line("deliver_notifications", cfg.deliver_notifications ? "1" : "0");
    line("deliver_payloads", cfg.deliver_payloads ? "1" : "0");
    line("notify_retract", cfg.notify_retract ? "1" : "0");
    line("notify_delete", cfg.notify_delete ? "1" : "0");
    line("send_last_published_item", send_last_name(cfg.send_last));
    for (const auto& g : cfg.roster_groups) {
        if (g.find('\n') == std::string::npos) {
            line("roster_group", g);
        }
    }
    if (cfg.title.find('\n') == std::string::npos) {
        line("title", cfg.title);
    }
    if (cfg.type.find('\n') == std::string::npos) {
        line("type", cfg.type);
    }
    return out;
}

NodeConfig deserialize(std::string_view text) {
    NodeConfig cfg;
    while (!text.empty()) {
        auto nl = text.find('\n');
        std::string_view l = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        auto eq = l.find('=');
        if (eq == std::string_view::npos) {
            continue;
        }
        std::string_view k = l.substr(0, eq);
        std::string_view v = l.substr(eq + 1);
        if (k == "access_model") {
            cfg.access_model = parse_access(v).value_or(AccessModel::presence);
        } else if (k == "max_items") {
            std::size_t n = 0;
            std::from_chars(v.data(), v.data() + v.size(), n);
            cfg.max_items = n == 0 ? 1 : n;
        } else if (k == "persist_items") {
            cfg.persist_items = v == "1";
        } else if (k == "deliver_notifications") {
            cfg.deliver_notifications = v == "1";
        } else if (k == "deliver_payloads") {
            cfg.deliver_payloads = v == "1";
        } else if (k == "notify_retract") {
            cfg.notify_retract = v == "1";
        } else if (k == "notify_delete") {
            cfg.notify_delete = v == "1";
        } else if (k == "send_last_published_item") {
            cfg.send_last = parse_send_last(v).value_or(SendLast::on_sub_and_presence);
        } else if (k == "roster_group") {
            cfg.roster_groups.emplace_back(v);
        } else if (k == "title") {
            cfg.title = v;
        } else if (k == "type") {
            cfg.type = v;
        }
    }
    return cfg;
}

}  // namespace parley::mod::pep
