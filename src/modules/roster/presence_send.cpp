// RFC 6121 §3.1.5, §3.2.2, §3.3.3, §4.3.2.
#include "modules/roster/presence_send.hpp"

#include "xmpp/ns.hpp"

namespace parley::mod::roster {

template <class T>
using Awaitable = boost::asio::awaitable<T>;

xml::ElementPtr make_presence(std::string_view type, const std::string& from,
                              const std::string& to) {
    auto p = xml::Element::make("presence", std::string(ns::client));
    p->set_attr("from", from);
    p->set_attr("to", to);
    if (!type.empty()) {
        p->set_attr("type", std::string(type));
    }
    return p;
}

Awaitable<void> send_subscription(Router& router, SubType type, const std::string& user_bare,
                                  const std::string& contact_bare) {
    co_await router.route(make_presence(to_string(type), user_bare, contact_bare));
}

Awaitable<std::size_t> send_current_presence(Router& router, const std::string& user_bare,
                                             const std::string& to) {
    std::size_t sent = 0;
    for (const auto& r : router.sessions().resources(user_bare)) {
        if (!r.available || !r.presence) {
            continue;
        }
        auto copy = r.presence->shallow_copy();
        copy->set_attr("from", user_bare + "/" + r.resource);
        copy->set_attr("to", to);
        co_await router.route(std::move(copy));
        ++sent;
    }
    co_return sent;
}

Awaitable<void> send_unavailable(Router& router, const std::string& user_bare,
                                 const std::string& to) {
    for (const auto& r : router.sessions().resources(user_bare)) {
        if (r.available) {
            co_await router.route(make_presence("unavailable", user_bare + "/" + r.resource, to));
        }
    }
}

}  // namespace parley::mod::roster
