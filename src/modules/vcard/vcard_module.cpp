// XEP-0054 vcard-temp v1.2: §3.1 retrieving one's vCard (an empty <vCard/>
// when none is stored, one of the two answers §3.1 allows), §3.2 updating
// one's vCard (only the owner; others get "forbidden"), §3.3 viewing another
// user's vCard (answered by the server; item-not-found when none is stored,
// as §3.3 requires an error there), §4 the "vcard-temp" disco feature (server
// and accounts). The server's own vCard (§3.3 note) is not configurable yet:
// a get to the domain gets item-not-found.
//
// Storage: KeyValStore store "vcard", key "", value = the serialized <vCard/>.
//
// Config ([modules.vcard]):
//   max_size (int, default 65536) — largest serialized vCard accepted, in
//   bytes; a larger one is refused with <not-acceptable/>.
#include <spdlog/spdlog.h>

#include "core/module.hpp"
#include "storage/stores.hpp"
#include "xml/serializer.hpp"
#include "xml/stream_parser.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod {

namespace {

using xmpp::Condition;
using xmpp::StanzaError;

constexpr const char* kStore = "vcard";
constexpr const char* kKey = "";
constexpr std::int64_t kDefaultMaxSize = 64 * 1024;

xml::ElementPtr empty_vcard() { return xml::Element::make("vCard", std::string(ns::vcard)); }

class VcardModule final : public Module {
public:
    Result<void> start(ModuleContext& ctx) override {
        const auto max = ctx.config().get_int("max_size", kDefaultMaxSize);
        if (max < 1) {
            return fail("[modules.vcard] max_size must be a positive number of bytes");
        }
        max_size_ = static_cast<std::size_t>(max);
        storage_ = &ctx.storage();
        log_ = std::make_shared<spdlog::logger>(ctx.log());  // ctx does not outlive start()

        ctx.add_feature(std::string(ns::vcard));
        ctx.add_account_feature(std::string(ns::vcard));
        ctx.on_iq(IqType::get, IqScope::account, ns::vcard, "vCard",
                  [this](IqRequest& req) { return get(req); });
        ctx.on_iq(IqType::set, IqScope::account, ns::vcard, "vCard",
                  [this](IqRequest& req) { return set(req); });
        ctx.on_iq(IqType::get, IqScope::host, ns::vcard, "vCard",
                  [](IqRequest& req) -> Awaitable<void> {
                      // TODO(vcard): a server vCard from config (XEP-0054 §3.3 note).
                      req.reply_error(StanzaError(Condition::item_not_found));
                      co_return;
                  });
        return {};
    }

private:
    // §3.1 (own, including a get with no 'to') and §3.3 (someone else's).
    Awaitable<void> get(IqRequest& req) {
        const std::string user = req.to().bare_str();
        auto stored = co_await storage_->keyval().get(user, kStore, kKey);
        if (!stored) {
            log_->error("vcard: reading the vCard of {} failed: {}", user, stored.error().message);
            req.reply_error(StanzaError(Condition::internal_server_error));
            co_return;
        }
        if (!stored->has_value()) {
            if (req.from_self()) {
                req.reply(empty_vcard());  // §3.1: an empty <vCard/> is a valid answer
            } else {
                req.reply_error(StanzaError(Condition::item_not_found));  // §3.3
            }
            co_return;
        }
        auto vcard = xml::parse_element(**stored);
        if (!vcard || !vcard->is("vCard", ns::vcard)) {
            log_->error("vcard: the stored vCard of {} ({} bytes) cannot be parsed", user,
                        (*stored)->size());
            req.reply_error(StanzaError(Condition::internal_server_error));
            co_return;
        }
        req.reply(std::move(vcard));
    }

    // §3.2: the whole vCard is replaced; only the owner may do it.
    Awaitable<void> set(IqRequest& req) {
        if (!req.from_self()) {
            req.reply_error(StanzaError(Condition::forbidden));
            co_return;
        }
        const std::string user = req.to().bare_str();
        std::string text = xml::to_string(req.payload());
        if (text.size() > max_size_) {
            req.reply_error(StanzaError(Condition::not_acceptable,
                                        "the vCard is larger than this server accepts (" +
                                            std::to_string(max_size_) + " bytes)"));
            co_return;
        }
        auto saved = co_await storage_->keyval().set(user, kStore, kKey, text);
        if (!saved) {
            log_->error("vcard: storing the vCard of {} failed: {}", user, saved.error().message);
            req.reply_error(StanzaError(Condition::internal_server_error));
            co_return;
        }
        req.reply();
    }

    std::size_t max_size_ = kDefaultMaxSize;
    storage::Storage* storage_ = nullptr;
    std::shared_ptr<spdlog::logger> log_;
};

}  // namespace

std::unique_ptr<Module> make_vcard_module() { return std::make_unique<VcardModule>(); }

}  // namespace parley::mod
