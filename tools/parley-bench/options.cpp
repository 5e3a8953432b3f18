#include "parley-bench/options.hpp"

namespace parley::bench {

std::string_view to_string(Scenario s) {
    switch (s) {
        case Scenario::login:
            return "login";
        case Scenario::idle:
            return "idle";
        case Scenario::throughput:
            return "throughput";
        case Scenario::latency:
            return "latency";
        case Scenario::presence:
            return "presence";
        case Scenario::muc:
            return "muc";
    }
    return "?";
}

std::string_view to_string(TlsMode t) {
    switch (t) {
        case TlsMode::none:
            return "none";
        case TlsMode::starttls:
            return "starttls";
        case TlsMode::direct:
            return "direct";
    }
    return "?";
}

std::string Options::local_part(std::size_t n) const {
    std::string out;
    auto pos = user_pattern.find("%d");
    if (pos == std::string::npos) {
        return user_pattern + std::to_string(n);
    }
    out.reserve(user_pattern.size() + 8);
    out.append(user_pattern, 0, pos);
    out += std::to_string(n);
    out.append(user_pattern, pos + 2);
    return out;
}

}  // namespace parley::bench
