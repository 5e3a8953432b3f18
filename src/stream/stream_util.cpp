#include "stream/stream_util.hpp"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <vector>

namespace parley {

std::string to_hex(const unsigned char* data, std::size_t n) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * n);
    for (std::size_t i = 0; i < n; ++i) {
        out += kHex[data[i] >> 4];
        out += kHex[data[i] & 15];
    }
    return out;
}

std::string random_hex(std::size_t bytes) {
    std::vector<unsigned char> raw(bytes);
    if (RAND_bytes(raw.data(), static_cast<int>(bytes)) != 1) {
        // STYLE.md b.8: a broken RNG after start-up is a "cannot happen".
        spdlog::critical("RAND_bytes failed");
        std::abort();
    }
    return to_hex(raw.data(), raw.size());
}

xmpp::StreamCondition stream_condition(xml::ParseError e) {
    using xmpp::StreamCondition;
    switch (e) {
        case xml::ParseError::restricted_xml: return StreamCondition::restricted_xml;
        case xml::ParseError::bad_namespace_prefix: return StreamCondition::bad_namespace_prefix;
        case xml::ParseError::too_big:
        case xml::ParseError::too_deep:
        case xml::ParseError::too_many_attributes: return StreamCondition::policy_violation;
        case xml::ParseError::bad_format: return StreamCondition::bad_format;
        default: return StreamCondition::not_well_formed;
    }
}

}  // namespace parley
