// Moved to xmpp/data_form.hpp (shared with MAM); this header keeps the MUC
// code's `form::` name working. TODO(lead): include xmpp/data_form.hpp from
// the MUC files and delete this header.
#pragma once

#include "xmpp/data_form.hpp"

namespace parley::mod::muc {
namespace form = ::parley::xmpp::form;
}  // namespace parley::mod::muc
