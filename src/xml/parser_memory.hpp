// Memory for expat parsers (its XML_Memory_Handling_Suite).
//
// A parser holds several KiB (buffers, tag stack, name tables) for as long as
// its stream lives. StreamParser::release_if_idle() frees it when a stream is
// quiet, but blocks freed from the middle of the main heap stay in the
// process (between the long-lived objects allocated around them). So parser
// memory comes from its own 64 KiB slabs, in power-of-two size classes: the
// parsers of idle streams free whole slabs, which go back to the system.
//
// Thread-safe (one mutex: parsers allocate when created and when they grow,
// not per stanza). Requests above the largest class go to malloc. Under
// AddressSanitizer everything goes to malloc, so ASan still checks expat's use.
#pragma once

#include <cstddef>

namespace parley::xml::parser_memory {

void* allocate(std::size_t size);
void* reallocate(void* p, std::size_t size);
void release(void* p);

// Bytes in slabs now (mapped), for tests and diagnostics.
std::size_t mapped_bytes();

}  // namespace parley::xml::parser_memory
