// Local source addresses for outgoing connections (--source-addresses). One
// (source address, server address, server port) triple has about 28,000
// ephemeral ports (net.ipv4.ip_local_port_range), so more connections need
// more loopback sources: 127.0.0.1-127.0.0.20 gives twenty times as many.
#pragma once

#include <boost/asio/ip/address_v4.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace parley::bench {

// Parses "127.0.0.1-127.0.0.20" (an inclusive range), "127.0.0.1,127.0.0.5"
// (a list; items may be ranges) or one address. "" gives an empty list (the
// kernel chooses). On error returns an empty list and sets *error.
std::vector<boost::asio::ip::address_v4> parse_source_addresses(std::string_view text,
                                                                std::string* error);

}  // namespace parley::bench
