// Moved to xmpp/datetime.hpp (shared by the time, offline, MUC and MAM
// modules); this header keeps the `mod::datetime::` name working.
// TODO(lead): include xmpp/datetime.hpp directly and delete this header.
#pragma once

#include "xmpp/datetime.hpp"

namespace parley::mod {
namespace datetime = ::parley::xmpp::datetime;
}  // namespace parley::mod
