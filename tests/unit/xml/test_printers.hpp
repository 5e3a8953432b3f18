// GoogleTest printers for the xml types, so failures show XML, not bytes.
#pragma once

#include <ostream>

#include "xml/serializer.hpp"
#include "xml/stream_parser.hpp"

namespace parley::xml {

inline void PrintTo(ParseError e, std::ostream* os) { *os << to_string(e); }
inline void PrintTo(const Element& e, std::ostream* os) { *os << to_string(e); }

}  // namespace parley::xml
