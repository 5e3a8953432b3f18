#include "core/version.hpp"

namespace parley {
std::string_view version() { return PARLEY_VERSION; }
}  // namespace parley
