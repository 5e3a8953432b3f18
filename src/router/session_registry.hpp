// SessionRegistry: which resources of which local users are online, with the
// presence facts the delivery rules need (RFC 6121 §8.5: availability and
// priority). Sharded by bare JID; each shard has its own mutex held only for
// a map look-up or a small copy, so there is no global lock on the routing
// path. Callers get copies (snapshots), never references into a shard.
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/session.hpp"
#include "xml/element.hpp"
#include "xmpp/jid.hpp"

namespace parley {

struct ResourceEntry {
    std::string resource;
    std::weak_ptr<Session> session;
    boost::asio::any_io_executor executor;
    bool available = false;   // initial presence sent, not yet unavailable (RFC 6121 §4.2)
    int priority = 0;         // of the last available presence (RFC 6121 §4.7.2.3)
    bool interested = false;  // requested the roster: an "interested resource" (RFC 6121 §2.1.6)
    xml::ElementRef presence; // the last broadcast presence, for probes
};

enum class ConflictPolicy { replace_old, refuse_new };

class SessionRegistry {
public:
    explicit SessionRegistry(std::size_t shards = 64);

    struct BindResult {
        bool bound = false;
        SessionPtr replaced;  // the session that had this resource (to close with <conflict/>)
    };
    BindResult bind(const xmpp::Jid& full, const SessionPtr& session, ConflictPolicy policy);
    // Removes the resource if it is still held by `session`.
    void unbind(const xmpp::Jid& full, const Session* session);
    // Gives the resource held by `old` to `now`, keeping its presence facts
    // (XEP-0198 resumption: the same session on a new connection). False
    // when `old` no longer holds it.
    bool rebind(const xmpp::Jid& full, const Session* old, const SessionPtr& now);

    std::vector<ResourceEntry> resources(std::string_view bare) const;
    std::optional<ResourceEntry> find(const xmpp::Jid& full) const;
    // The session of a full JID, or null (a lighter find() for delivery).
    SessionPtr session(const xmpp::Jid& full) const;
    // Runs f on the entry under the shard's lock; false when not online.
    bool update(const xmpp::Jid& full, const std::function<void(ResourceEntry&)>& f);
    std::size_t size() const;
    // Every bound session (for shutdown and administration).
    std::vector<SessionPtr> all() const;

private:
    // Transparent, so that look-ups by a Jid's bare_view() need no std::string.
    struct BareHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view bare) const noexcept {
            return std::hash<std::string_view>{}(bare);
        }
    };
    struct Shard {
        mutable std::mutex mu;
        // Keyed by bare JID. GUARDED_BY(mu)
        std::unordered_map<std::string, std::vector<ResourceEntry>, BareHash, std::equal_to<>>
            users;
    };
    Shard& shard(std::string_view bare) const;
    std::unique_ptr<Shard[]> shards_;
    std::size_t count_;
};

}  // namespace parley
