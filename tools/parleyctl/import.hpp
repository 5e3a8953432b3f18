// parleyctl import: bulk creation of accounts (and optionally a ring of
// roster contacts between them) for tests and benchmarks (docs/BENCHMARKS.md).
// Runs on the main thread of parleyctl against the configured storage.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "core/config.hpp"
#include "storage/stores.hpp"

namespace parley::ctl {

struct ImportOptions {
    std::string pattern;         // "bench%d@localhost": one %d, replaced by the number
    std::size_t count = 0;       // with pattern: how many accounts
    std::size_t start = 1;       // with pattern: the first number
    std::string password;        // with pattern: everyone's password
    std::string csv;             // or: a file of "jid,password" lines
    std::size_t roster_ring = 0; // contacts per user (even), 0 = none
};

// One account to create: the normalized bare JID and its password.
struct ImportAccount {
    std::string jid;
    std::string password;
};

// Expands "bench%d@localhost" for start..start+count-1. Returns an error
// message (and no accounts) when the pattern has no %d, more than one, or
// another '%'.
std::pair<std::vector<std::string>, std::string> expand_pattern(const std::string& pattern,
                                                                std::size_t start,
                                                                std::size_t count);

// The contacts of account `i` of `n` in a ring of `ring` contacts:
// i-ring/2 .. i+ring/2 (modulo n), without i itself and without repeats.
std::vector<std::size_t> ring_contacts(std::size_t i, std::size_t n, std::size_t ring);

// Runs the import and prints what it did; exits the process with a message on
// any error (parleyctl's way).
void run_import(const Config& cfg, storage::Storage& storage, const ImportOptions& opts);

}  // namespace parley::ctl
