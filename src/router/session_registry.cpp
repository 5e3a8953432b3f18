#include "router/session_registry.hpp"

#include <algorithm>

namespace parley {

SessionRegistry::SessionRegistry(std::size_t shards)
    : shards_(std::make_unique<Shard[]>(shards)), count_(shards) {}

SessionRegistry::Shard& SessionRegistry::shard(std::string_view bare) const {
    return shards_[BareHash{}(bare) % count_];
}

SessionRegistry::BindResult SessionRegistry::bind(const xmpp::Jid& full, const SessionPtr& session,
                                                  ConflictPolicy policy) {
    const std::string_view bare = full.bare_view();
    auto& sh = shard(bare);
    std::lock_guard lock(sh.mu);
    auto u = sh.users.find(bare);
    if (u == sh.users.end()) {
        u = sh.users.emplace(std::string(bare), std::vector<ResourceEntry>{}).first;
    }
    auto& list = u->second;
    BindResult result;
    auto it = std::find_if(list.begin(), list.end(),
                           [&](const ResourceEntry& e) { return e.resource == full.resource(); });
    if (it != list.end()) {
        if (policy == ConflictPolicy::refuse_new) {
            return result;
        }
        result.replaced = it->session.lock();
        list.erase(it);
    }
    ResourceEntry e;
    e.resource.assign(full.resource());
    e.session = session;
    e.executor = session->executor();
    list.push_back(std::move(e));
    result.bound = true;
    return result;
}

void SessionRegistry::unbind(const xmpp::Jid& full, const Session* session) {
    const std::string_view bare = full.bare_view();
    auto& sh = shard(bare);
    std::lock_guard lock(sh.mu);
    auto u = sh.users.find(bare);
    if (u == sh.users.end()) {
        return;
    }
    std::erase_if(u->second, [&](const ResourceEntry& e) {
        return e.resource == full.resource() && e.session.lock().get() == session;
    });
    if (u->second.empty()) {
        sh.users.erase(u);
    }
}

bool SessionRegistry::rebind(const xmpp::Jid& full, const Session* old, const SessionPtr& now) {
    bool done = false;
    update(full, [&](ResourceEntry& e) {
        if (e.session.lock().get() == old) {
            e.session = now;
            e.executor = now->executor();
            done = true;
        }
    });
    return done;
}

std::vector<ResourceEntry> SessionRegistry::resources(std::string_view bare) const {
    auto& sh = shard(bare);
    std::lock_guard lock(sh.mu);
    auto u = sh.users.find(bare);
    return u == sh.users.end() ? std::vector<ResourceEntry>{} : u->second;
}

std::optional<ResourceEntry> SessionRegistry::find(const xmpp::Jid& full) const {
    const std::string_view bare = full.bare_view();
    auto& sh = shard(bare);
    std::lock_guard lock(sh.mu);
    auto u = sh.users.find(bare);
    if (u == sh.users.end()) {
        return std::nullopt;
    }
    for (const auto& e : u->second) {
        if (e.resource == full.resource()) {
            return e;
        }
    }
    return std::nullopt;
}

SessionPtr SessionRegistry::session(const xmpp::Jid& full) const {
    const std::string_view bare = full.bare_view();
    auto& sh = shard(bare);
    std::lock_guard lock(sh.mu);
    auto u = sh.users.find(bare);
    if (u != sh.users.end()) {
        for (const auto& e : u->second) {
            if (e.resource == full.resource()) {
                return e.session.lock();
            }
        }
    }
    return nullptr;
}

bool SessionRegistry::update(const xmpp::Jid& full, const std::function<void(ResourceEntry&)>& f) {
    const std::string_view bare = full.bare_view();
    auto& sh = shard(bare);
    std::lock_guard lock(sh.mu);
    auto u = sh.users.find(bare);
    if (u == sh.users.end()) {
        return false;
    }
    for (auto& e : u->second) {
        if (e.resource == full.resource()) {
            f(e);
            return true;
        }
    }
    return false;
}

std::vector<SessionPtr> SessionRegistry::all() const {
    std::vector<SessionPtr> out;
    for (std::size_t i = 0; i < count_; ++i) {
        std::lock_guard lock(shards_[i].mu);
        for (const auto& [_, list] : shards_[i].users) {
            for (const auto& e : list) {
                if (auto s = e.session.lock()) {
                    out.push_back(std::move(s));
                }
            }
        }
    }
    return out;
}

std::size_t SessionRegistry::size() const {
    std::size_t n = 0;
    for (std::size_t i = 0; i < count_; ++i) {
        std::lock_guard lock(shards_[i].mu);
        for (const auto& [_, list] : shards_[i].users) {
            n += list.size();
        }
    }
    return n;
}

}  // namespace parley
