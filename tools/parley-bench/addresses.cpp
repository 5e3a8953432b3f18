#include "parley-bench/addresses.hpp"

namespace parley::bench {

namespace {

constexpr std::size_t kMaxAddresses = 65536;

bool parse_one(std::string_view s, boost::asio::ip::address_v4* out) {
    boost::system::error_code ec;
    *out = boost::asio::ip::make_address_v4(std::string(s), ec);
    return !ec;
}

}  // namespace

std::vector<boost::asio::ip::address_v4> parse_source_addresses(std::string_view text,
                                                                std::string* error) {
    std::vector<boost::asio::ip::address_v4> out;
    while (!text.empty()) {
        auto comma = text.find(',');
        std::string_view item = text.substr(0, comma);
        text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
        auto dash = item.find('-');
        boost::asio::ip::address_v4 first, last;
        if (!parse_one(item.substr(0, dash), &first) ||
            (dash != std::string_view::npos && !parse_one(item.substr(dash + 1), &last))) {
            *error = "'" + std::string(item) + "' is not an IPv4 address or range like " +
                     "127.0.0.1-127.0.0.20";
            return {};
        }
        if (dash == std::string_view::npos) {
            last = first;
        }
        if (last.to_uint() < first.to_uint()) {
            *error = "the range '" + std::string(item) + "' ends before it starts";
            return {};
        }
        for (auto a = first.to_uint(); a <= last.to_uint(); ++a) {
            if (out.size() >= kMaxAddresses) {
                *error = "more than 65536 source addresses";
                return {};
            }
            out.emplace_back(a);
            if (a == 0xffffffffu) {
                break;
            }
        }
    }
    return out;
}

}  // namespace parley::bench
