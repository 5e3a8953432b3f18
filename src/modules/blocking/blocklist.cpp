// XEP-0191 Blocking Command v1.3, §6 JID matching.
#include "modules/blocking/blocklist.hpp"

#include <algorithm>

namespace parley::mod::blocking {

bool item_matches(const xmpp::Jid& item, const xmpp::Jid& jid) {
    if (item.empty() || jid.empty() || item.domain() != jid.domain()) {
        return false;
    }
    if (!item.local().empty() && item.local() != jid.local()) {
        return false;
    }
    // A bare item (user@domain, domain) covers every resource; an item with
    // a resource covers only that resource.
    return item.is_bare() || item.resource() == jid.resource();
}

Blocklist::Blocklist(std::vector<std::string> items)
    : items_(std::make_move_iterator(items.begin()), std::make_move_iterator(items.end())) {}

bool Blocklist::blocks(const xmpp::Jid& jid) const {
    if (items_.empty() || jid.empty()) {
        return false;
    }
    // The four candidate items of §6, in its order: the JID itself (full,
    // bare, domain/resource or domain), then its bare JID, its
    // domain/resource form and its domain.
    // The look-ups take views into the JID's string, so none of them allocates.
    if (items_.count(jid.str())) {
        return true;
    }
    if (jid.is_full() && !jid.local().empty()) {
        // "domain/resource" is the tail of "local@domain/resource".
        const std::string_view domain_resource =
            std::string_view(jid.str()).substr(jid.local().size() + 1);
        if (items_.count(jid.bare_view()) || items_.count(domain_resource)) {
            return true;
        }
    }
    return !jid.is_domain() && items_.count(jid.domain()) != 0;
}

std::vector<std::string> Blocklist::items() const {
    std::vector<std::string> out(items_.begin(), items_.end());
    std::sort(out.begin(), out.end());
    return out;
}

BlocklistRef BlocklistCache::find(std::string_view user) const {
    std::lock_guard lock(mu_);
    auto it = lists_.find(user);
    return it == lists_.end() ? nullptr : it->second;
}

std::uint64_t BlocklistCache::generation() const {
    std::lock_guard lock(mu_);
    return generation_;
}

void BlocklistCache::put(const std::string& user, BlocklistRef list, std::uint64_t generation) {
    std::lock_guard lock(mu_);
    if (generation != generation_ || max_users_ == 0) {
        return;  // changed while it was being read: the next check reads again
    }
    if (lists_.size() >= max_users_ && !lists_.count(user)) {
        lists_.erase(lists_.begin());
    }
    lists_[user] = std::move(list);
}

void BlocklistCache::invalidate(const std::string& user) {
    std::lock_guard lock(mu_);
    ++generation_;
    lists_.erase(user);
}

std::size_t BlocklistCache::size() const {
    std::lock_guard lock(mu_);
    return lists_.size();
}

}  // namespace parley::mod::blocking
