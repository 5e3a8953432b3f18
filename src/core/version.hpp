#pragma once
#include <string_view>

namespace parley {
std::string_view version();
}  // namespace parley
