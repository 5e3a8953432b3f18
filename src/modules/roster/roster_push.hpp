// Roster pushes (RFC 6121 §2.1.6): after every change to a roster item the
// server sends <iq type='set'><query ver=''><item/></query></iq> from the
// user's bare JID to each interested resource (one that requested the
// roster). Shared by the roster module (roster sets) and the presence module
// (subscription state changes). Callable from any thread: deliveries are
// posted to each resource's own executor.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "router/router.hpp"
#include "storage/stores.hpp"
#include "xml/element.hpp"

namespace parley::mod::roster {

// The 'ver' attribute of a roster version (§2.6.1: opaque to the client).
std::string version_string(std::uint64_t version);

// <iq type='set' from=user to=resource id=...><query xmlns='jabber:iq:roster'
// ver=''>item</query></iq>
xml::ElementPtr make_push(const std::string& user_bare, const std::string& to_full,
                          std::uint64_t version, xml::ElementPtr item);

// Pushes `item` (or its removal) to every interested resource of `user_bare`.
void push_item(Router& router, const std::string& user_bare, const storage::RosterItem& item,
               std::uint64_t version);
void push_removed(Router& router, const std::string& user_bare, std::string_view contact,
                  std::uint64_t version);

}  // namespace parley::mod::roster
