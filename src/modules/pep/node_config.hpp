// XEP-0060 Publish-Subscribe v1.26: the node configuration a PEP node keeps
// (§16.4.4 pubsub#node_config fields), read from a configure form (§8.2.3)
// or publish-options (§7.1.5), written back as a form (§8.2.1), and stored as
// "key=value" lines. XEP-0163 §3 defaults for PEP nodes (presence access,
// notifications with payloads, the last item sent on presence); XEP-0223 adds
// pubsub#persist_items. Pure functions on values; any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "xml/element.hpp"
#include "xmpp/data_form.hpp"
#include "xmpp/stanza_error.hpp"

namespace parley::mod::pep {

// §4.5 access models; "authorize" is not supported (no subscription approval in PEP).
enum class AccessModel { open, presence, roster, whitelist };
// §12.12 pubsub#send_last_published_item.
enum class SendLast { never, on_sub, on_sub_and_presence };

struct NodeConfig {
    AccessModel access_model = AccessModel::presence;  // XEP-0163 §3
    std::size_t max_items = 1;
    bool persist_items = true;
    bool deliver_notifications = true;
    bool deliver_payloads = true;
    bool notify_retract = true;
    bool notify_delete = true;
    SendLast send_last = SendLast::on_sub_and_presence;
    std::vector<std::string> roster_groups;  // pubsub#roster_groups_allowed
    std::string title;
    std::string type;  // pubsub#type: the payload namespace

    bool operator==(const NodeConfig&) const = default;
};

// Server bounds on what a node may be configured to.
struct ConfigLimits {
    std::size_t max_items = 1000;  // "max" means this; more is refused
};

// Applies a submitted pubsub#node_config (configure, create) or
// pubsub#publish-options form. Unknown fields are ignored; a bad value
// (unknown access model, a number out of range...) is not-acceptable (§8.2.5.3).
Result<void, xmpp::StanzaError> apply_form(NodeConfig& cfg, const xmpp::form::Submitted& form,
                                           const ConfigLimits& limits);

// §7.1.5: the first publish-options field whose value differs from the
// node's (or that this server does not know), or nullopt when every
// precondition holds. FORM_TYPE is not a precondition.
std::optional<std::string> unmet_precondition(const NodeConfig& node,
                                              const xmpp::form::Submitted& options,
                                              const ConfigLimits& limits);

// The configuration as a form of `type` ("form" for §8.2.1), FORM_TYPE first.
xml::ElementPtr config_form(const NodeConfig& cfg, std::string_view type);

// Storage form ("key=value" lines; unknown keys ignored, missing ones default).
std::string serialize(const NodeConfig& cfg);
NodeConfig deserialize(std::string_view text);

std::string_view access_model_name(AccessModel m);

}  // namespace parley::mod::pep
