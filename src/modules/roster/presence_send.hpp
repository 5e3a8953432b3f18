// Presence stanzas the server sends on a user's behalf, shared by the roster
// and presence modules: the answers RFC 6121 requires after a subscription
// change (§3.1.5, §3.2.2, §3.3.3, §2.5.2) and to probes (§4.3.2). Every stanza
// goes through Router::route, so a contact on this server is treated exactly
// like one on another server. Runs on the caller's executor.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <string>
#include <string_view>

#include "modules/roster/subscription.hpp"
#include "router/router.hpp"
#include "xml/element.hpp"

namespace parley::mod::roster {

// <presence from='' to='' type=''/> in jabber:client (no type attribute when `type` is empty).
xml::ElementPtr make_presence(std::string_view type, const std::string& from,
                              const std::string& to);

// A subscription stanza from the user's bare JID to the contact's bare JID (§3.1.2).
boost::asio::awaitable<void> send_subscription(Router& router, SubType type,
                                               const std::string& user_bare,
                                               const std::string& contact_bare);

// The last presence of each available resource of `user_bare`, addressed to
// `to` (§3.1.5 after an approval, §4.3.2 answering a probe). Returns how many
// were sent.
boost::asio::awaitable<std::size_t> send_current_presence(Router& router,
                                                          const std::string& user_bare,
                                                          const std::string& to);

// Unavailable presence from each available resource of `user_bare` to `to`
// (§3.2.2 and §3.3.3: the contact is no longer subscribed).
boost::asio::awaitable<void> send_unavailable(Router& router, const std::string& user_bare,
                                              const std::string& to);

}  // namespace parley::mod::roster
