// XEP-0030 Service Discovery v2.5.0: §3.1 disco#info of the server and of an
// account, §3.2 info nodes (only the caps node; others item-not-found),
// §4.1 disco#items (the domains modules serve, e.g. the MUC service), §7
// error conditions, §8 security (the server answers for a bare JID only to
// the account itself and to contacts with a presence subscription
// "from"/"both"; others get service-unavailable).
// XEP-0115 Entity Capabilities v1.6.0: §5.1 the server's verification string
// (caps.cpp), §6.2 disco#info on the node "node#ver", §6.3 the <c/> stream
// feature, §7 the caps disco feature.
// XEP-0157 Contact Addresses for XMPP Services v1.1.1: the serverinfo form
// (XEP-0128) in the server's disco#info, from [modules.disco].
//
// Modules start in registry order with disco last (modules/registry.cpp), so
// when start() runs the host's HookTable already holds every other module's
// features and identities. start() freezes that set, hashes it and answers
// every disco#info from the frozen copy, so the advertised 'ver' always
// matches the answer (§5.4 processing would reject a mismatch).
#include <spdlog/spdlog.h>

#include "core/module.hpp"
#include "modules/disco/caps.hpp"
#include "storage/stores.hpp"
#include "xmpp/data_form.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod {

namespace {

using xmpp::Condition;
using xmpp::StanzaError;

// The caps 'node': a URL identifying the software (§4).
constexpr std::string_view kCapsNode = "https://parley.im";

// XEP-0157 §2: the FORM_TYPE and its fields, each set from the setting of
// the same name in [modules.disco] (a comma-separated list of URIs).
constexpr std::string_view kServerInfo = "http://jabber.org/network/serverinfo";
constexpr std::string_view kContactFields[] = {
    "abuse-addresses",    "admin-addresses",   "feedback-addresses", "sales-addresses",
    "security-addresses", "status-addresses",  "support-addresses"};

// The configured addresses, or no form when none is set.
std::optional<disco::CapsForm> contact_form(const ModuleConfig& config) {
    disco::CapsForm form{std::string(kServerInfo), {}};
    bool any = false;
    for (auto var : kContactFields) {
        std::string key(var);
        std::replace(key.begin(), key.end(), '-', '_');
        auto values = config.get_list(key);
        any = any || !values.empty();
        form.fields.push_back({std::string(var), std::move(values)});
    }
    if (!any) {
        return std::nullopt;
    }
    return form;
}

xml::ElementPtr form_element(const disco::CapsForm& form) {
    std::vector<xmpp::form::Field> fields{{"FORM_TYPE", "hidden", "", {form.form_type}, {}}};
    for (const auto& f : form.fields) {
        fields.push_back({f.var, "list-multi", "", f.values, {}});
    }
    return xmpp::form::build("result", "", "", fields);
}

xml::ElementPtr info_query(const std::vector<Identity>& identities,
                           const std::vector<std::string>& features) {
    const std::string ns(ns::disco_info);
    auto q = xml::Element::make("query", ns);
    for (const auto& id : identities) {
        auto& e = q->add("identity", ns);
        e.set_attr("category", id.category);
        e.set_attr("type", id.type);
        if (!id.name.empty()) {
            e.set_attr("name", id.name);
        }
    }
    for (const auto& f : features) {
        q->add("feature", ns).set_attr("var", f);
    }
    return q;
}

// A reply built from a shared template: the template's children are shared,
// only the top element is copied (and given the request's node, if any).
xml::ElementPtr with_node(const xml::Element& tmpl, std::optional<std::string_view> node) {
    auto q = tmpl.shallow_copy();
    if (node) {
        q->set_attr("node", std::string(*node));
    }
    return q;
}

class DiscoModule final : public Module {
public:
    Result<void> start(ModuleContext& ctx) override {
        storage_ = &ctx.storage();
        log_ = std::make_shared<spdlog::logger>(ctx.log());  // ctx does not outlive start()

        ctx.add_identity({"server", "im", ctx.server_info().name});
        ctx.add_feature(std::string(ns::disco_info));
        ctx.add_feature(std::string(ns::disco_items));
        ctx.add_feature(std::string(ns::caps));  // XEP-0115 §7: we generate caps
        ctx.add_account_feature(std::string(ns::disco_info));
        ctx.add_account_feature(std::string(ns::disco_items));

        const auto& table = ctx.table();
        std::vector<Identity> identities(table.identities().begin(), table.identities().end());
        std::vector<std::string> features(table.features().begin(), table.features().end());
        host_info_ = info_query(identities, features);
        std::vector<disco::CapsForm> forms;
        if (auto contacts = contact_form(ctx.config())) {
            host_info_->add_child(form_element(*contacts));
            forms.push_back(std::move(*contacts));
        }
        std::vector<std::string> account_features(table.account_features().begin(),
                                                  table.account_features().end());
        std::vector<Identity> account_identities{{"account", "registered", ""}};
        account_identities.insert(account_identities.end(), table.account_identities().begin(),
                                  table.account_identities().end());
        account_info_ = info_query(account_identities, account_features);
        empty_items_ = xml::Element::make("query", std::string(ns::disco_items));
        host_items_ = xml::Element::make("query", std::string(ns::disco_items));
        for (const auto& service : table.services()) {
            auto& item = host_items_->add("item", std::string(ns::disco_items));
            item.set_attr("jid", service.jid);
            if (!service.name.empty()) {
                item.set_attr("name", service.name);
            }
        }

        std::vector<disco::CapsIdentity> caps_ids;
        for (const auto& id : identities) {
            caps_ids.push_back({id.category, id.type, "", id.name});
        }
        const std::string ver = disco::caps_ver_sha1(caps_ids, features, forms);
        if (ver.empty()) {
            return fail("cannot compute the XEP-0115 verification string (OpenSSL SHA-1 failed)");
        }
        caps_node_ = std::string(kCapsNode) + "#" + ver;
        auto c = xml::Element::make("c", std::string(ns::caps));
        c->set_attr("hash", "sha-1");
        c->set_attr("node", std::string(kCapsNode));
        c->set_attr("ver", ver);
        ctx.add_stream_feature(std::move(c));  // §6.3

        ctx.on_iq(IqType::get, IqScope::host, ns::disco_info, "query",
                  [this](IqRequest& req) { return host_info(req); });
        ctx.on_iq(IqType::get, IqScope::host, ns::disco_items, "query",
                  [this](IqRequest& req) { return host_items(req); });
        ctx.on_iq(IqType::get, IqScope::account, ns::disco_info, "query",
                  [this](IqRequest& req) { return account_info(req); });
        ctx.on_iq(IqType::get, IqScope::account, ns::disco_items, "query",
                  [this](IqRequest& req) { return account_items(req); });
        return {};
    }

private:
    // §3.1, §3.2; XEP-0115 §6.2: the caps node answers like the host itself.
    Awaitable<void> host_info(IqRequest& req) {
        auto node = req.payload().attr("node");
        if (node && *node != caps_node_) {
            req.reply_error(StanzaError(Condition::item_not_found));
            co_return;
        }
        req.reply(with_node(*host_info_, node));
    }

    // §4.1: the domains the host's modules serve (ModuleContext::serve_domain).
    // TODO(disco): list the host's XEP-0114 components too; the caps node is
    // never listed (XEP-0115 §6.2).
    Awaitable<void> host_items(IqRequest& req) {
        if (req.payload().attr("node")) {
            req.reply_error(StanzaError(Condition::item_not_found));
            co_return;
        }
        req.reply(host_items_->shallow_copy());
    }

    // §3.1 for an account, with the §8 access rule.
    Awaitable<void> account_info(IqRequest& req) {
        auto allowed = co_await may_see_presence(req);
        if (!allowed) {
            log_->error("disco: roster look-up for {} failed: {}", req.to().bare_view(),
                        allowed.error().message);
            req.reply_error(StanzaError(Condition::internal_server_error));
            co_return;
        }
        if (!*allowed) {
            req.reply_error(StanzaError(Condition::service_unavailable));  // §8 rule 1.2
            co_return;
        }
        if (req.payload().attr("node")) {
            req.reply_error(StanzaError(Condition::item_not_found));  // no account nodes yet
            co_return;
        }
        req.reply(account_info_->shallow_copy());
    }

    // §4.1 for an account: no items yet, which §8 rule 2 allows to everyone.
    // TODO(disco): PEP nodes (XEP-0163), shown only to authorised requesters.
    Awaitable<void> account_items(IqRequest& req) {
        req.reply(with_node(*empty_items_, req.payload().attr("node")));
        co_return;
    }

    // True when the requester is the account itself or has a subscription
    // to its presence (the account's roster item for it is "from" or "both").
    Awaitable<Result<bool>> may_see_presence(const IqRequest& req) {
        if (req.from_self()) {
            co_return true;
        }
        auto item = co_await storage_->roster().item(req.to().bare_str(), req.from().bare_str());
        if (!item) {
            co_return fail(item.error().message);
        }
        co_return item->has_value() && ((*item)->subscription == storage::Subscription::from ||
                                        (*item)->subscription == storage::Subscription::both);
    }

    storage::Storage* storage_ = nullptr;
    std::shared_ptr<spdlog::logger> log_;
    std::string caps_node_;      // "https://parley.im#<ver>"
    xml::ElementPtr host_info_;  // templates, shared by every reply (never changed)
    xml::ElementPtr account_info_;
    xml::ElementPtr empty_items_;
    xml::ElementPtr host_items_;
};

}  // namespace

std::unique_ptr<Module> make_disco_module() { return std::make_unique<DiscoModule>(); }

}  // namespace parley::mod
