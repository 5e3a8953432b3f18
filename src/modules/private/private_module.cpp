// XEP-0049 Private XML Storage v1.2: §2.1 store and retrieve private XML
// fragments, §2.3 (query contents, the sender's own account only, reserved
// namespaces), §3 error conditions ("forbidden" for another user's data, the
// form §2.3 prefers), §5 security (no one but the user may read or change it).
//
// Storage: KeyValStore store "private", key = the fragment's namespace, value
// = the serialized element. One element per namespace: a set replaces the
// stored element of each namespace it carries (several namespaces in one set
// are stored one by one).
#include <spdlog/spdlog.h>

#include "core/module.hpp"
#include "modules/private/private_storage.hpp"
#include "storage/stores.hpp"
#include "xml/serializer.hpp"
#include "xml/stream_parser.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod {

namespace {

using xmpp::Condition;
using xmpp::StanzaError;

constexpr const char* kStore = "private";

class PrivateModule final : public Module {
public:
    Result<void> start(ModuleContext& ctx) override {
        storage_ = &ctx.storage();
        log_ = std::make_shared<spdlog::logger>(ctx.log());  // ctx does not outlive start()
        // No disco feature is defined by XEP-0049; listing it (server and
        // account) is common practice and lets clients skip a failing probe.
        ctx.add_feature(std::string(ns::private_xml));
        ctx.add_account_feature(std::string(ns::private_xml));
        ctx.on_iq(IqType::get, IqScope::account, ns::private_xml, "query",
                  [this](IqRequest& req) { return get(req); });
        ctx.on_iq(IqType::set, IqScope::account, ns::private_xml, "query",
                  [this](IqRequest& req) { return set(req); });
        return {};
    }

private:
    // Checks shared by get and set; false when an error was sent.
    static bool admissible(IqRequest& req, bool is_set) {
        if (!req.from_self()) {
            req.reply_error(StanzaError(Condition::forbidden));  // §2.3, §3
            return false;
        }
        if (auto err = private_xml::check_query(req.payload(), is_set)) {
            req.reply_error(std::move(*err));
            return false;
        }
        return true;
    }

    Awaitable<void> get(IqRequest& req) {
        if (!admissible(req, false)) {
            co_return;
        }
        const std::string user = req.to().bare_str();
        const xml::Element& asked = *req.payload().first_child();
        auto stored = co_await storage_->keyval().get(user, kStore, asked.ns());
        if (!stored) {
            log_->error("private: reading {} of {} failed: {}", asked.ns(), user,
                        stored.error().message);
            req.reply_error(StanzaError(Condition::internal_server_error));
            co_return;
        }
        auto query = xml::Element::make("query", std::string(ns::private_xml));
        if (!stored->has_value()) {
            // Nothing stored: the requested element comes back empty (§2.3 example).
            query->add(asked.name(), asked.ns());
            req.reply(std::move(query));
            co_return;
        }
        auto fragment = xml::parse_element(**stored);
        if (!fragment) {
            log_->error("private: stored {} of {} ({} bytes) cannot be parsed", asked.ns(), user,
                        (*stored)->size());
            req.reply_error(StanzaError(Condition::internal_server_error));
            co_return;
        }
        query->add_child(std::move(fragment));
        req.reply(std::move(query));
    }

    Awaitable<void> set(IqRequest& req) {
        if (!admissible(req, true)) {
            co_return;
        }
        const std::string user = req.to().bare_str();
        for (const auto* fragment : req.payload().children()) {
            auto saved = co_await storage_->keyval().set(user, kStore, fragment->ns(),
                                                         xml::to_string(*fragment));
            if (!saved) {
                log_->error("private: storing {} of {} failed: {}", fragment->ns(), user,
                            saved.error().message);
                req.reply_error(StanzaError(Condition::internal_server_error));
                co_return;
            }
        }
        req.reply();
    }

    storage::Storage* storage_ = nullptr;
    std::shared_ptr<spdlog::logger> log_;
};

}  // namespace

std::unique_ptr<Module> make_private_module() { return std::make_unique<PrivateModule>(); }

}  // namespace parley::mod
