// XEP-0398 User Avatar to vCard-Based Avatars Conversion v0.3, the presence
// part: the server puts the hash of the account's XEP-0084 avatar (the id of
// its urn:xmpp:avatar:metadata item, the SHA-1 of the image, XEP-0084 §4.2)
// into the account's available presence as XEP-0153
// <x xmlns='vcard-temp:x:update'><photo>hash</photo></x>, unless the client
// put one there itself; an empty metadata item (XEP-0084 §4.2: avatar
// disabled) gives an empty <photo/>. The vCard/PEP conversion itself is not
// done, so urn:xmpp:pep-vcard-conversion:0 is not advertised.
#include <spdlog/spdlog.h>

#include "modules/pep/pep_module.hpp"
#include "xml/stream_parser.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod::pep {

namespace {
constexpr std::size_t kMaxCachedAvatars = 100000;
}

Awaitable<std::optional<std::string>> PepModule::avatar_hash(const std::string& owner) {
    {
        std::lock_guard lock(mu_);
        auto it = avatars_.find(owner);
        if (it != avatars_.end()) {
            co_return it->second;
        }
    }
    const std::string node(ns::avatar_metadata);
    const std::vector<std::string> newest;
    auto items = co_await storage_->pubsub().items(owner, node, newest, 1);
    if (!items) {
        log_->error("pep: avatar metadata of {} unreadable: {}", owner, items.error().message);
        co_return std::nullopt;
    }
    std::optional<std::string> hash;
    if (!items->empty()) {
        auto metadata = xml::parse_element(items->front().payload);
        const bool has_info = metadata && metadata->child("info", ns::avatar_metadata);
        hash = has_info ? items->front().id : std::string();
    }
    std::lock_guard lock(mu_);
    if (avatars_.size() >= kMaxCachedAvatars) {
        avatars_.clear();  // crude bound; entries are refilled from storage
    }
    avatars_[owner] = hash;
    co_return hash;
}

void PepModule::forget_avatar(const std::string& owner) {
    std::lock_guard lock(mu_);
    avatars_.erase(owner);
}

Awaitable<void> PepModule::stamp_avatar(StanzaEvent& ev) {
    if (ev.stanza->child("x", ns::vcard_update)) {
        co_return;  // the client manages XEP-0153 itself
    }
    const std::string owner = ev.from.bare_str();
    auto hash = co_await avatar_hash(owner);
    if (!hash) {
        co_return;
    }
    auto copy = ev.stanza->shallow_copy();
    auto& x = copy->add("x", std::string(ns::vcard_update));
    if (hash->empty()) {
        x.add("photo", std::string(ns::vcard_update));
    } else {
        x.add_text_child("photo", std::string(ns::vcard_update), *hash);
    }
    ev.stanza = std::move(copy);
    ev.type = ev.stanza->attr_or("type");  // points into the stanza
}

}  // namespace parley::mod::pep
