// RFC 6121 §2.1.6 roster push, §2.6.1 roster version in pushes.
#include "modules/roster/roster_push.hpp"

#include "modules/roster/roster_item.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod::roster {

namespace {

void push_to_interested(Router& router, const std::string& user_bare, std::uint64_t version,
                        const xml::ElementPtr& item) {
    for (const auto& r : router.sessions().resources(user_bare)) {
        if (!r.interested) {
            continue;
        }
        router.deliver(r, make_push(user_bare, user_bare + "/" + r.resource, version, item));
    }
}

}  // namespace

std::string version_string(std::uint64_t version) { return std::to_string(version); }

xml::ElementPtr make_push(const std::string& user_bare, const std::string& to_full,
                          std::uint64_t version, xml::ElementPtr item) {
    auto iq = xml::Element::make("iq", std::string(ns::client));
    iq->set_attr("type", "set");
    iq->set_attr("from", user_bare);
    iq->set_attr("to", to_full);
    // Unique per user: every change has its own version (§2.6).
    iq->set_attr("id", "roster-push-" + version_string(version));
    auto& query = iq->add("query", std::string(ns::roster));
    query.set_attr("ver", version_string(version));
    query.add_child(std::move(item));  // shared between the pushes: nobody changes it
    return iq;
}

void push_item(Router& router, const std::string& user_bare, const storage::RosterItem& item,
               std::uint64_t version) {
    push_to_interested(router, user_bare, version, serialize_item(item));
}

void push_removed(Router& router, const std::string& user_bare, std::string_view contact,
                  std::uint64_t version) {
    push_to_interested(router, user_bare, version, serialize_removed_item(contact));
}

}  // namespace parley::mod::roster
