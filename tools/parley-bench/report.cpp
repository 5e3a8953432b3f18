#include "parley-bench/report.hpp"

#include <boost/json/src.hpp>  // header-only Boost.JSON, compiled in this file only

#include <fmt/format.h>

#include <algorithm>

namespace parley::bench {

void Report::put(std::string_view key, Value v) {
    for (auto& [k, value] : fields_) {
        if (k == key) {
            value = std::move(v);
            return;
        }
    }
    fields_.emplace_back(std::string(key), std::move(v));
}

const Report::Value* Report::get(std::string_view key) const {
    for (const auto& [k, value] : fields_) {
        if (k == key) {
            return &value;
        }
    }
    return nullptr;
}

std::int64_t Report::get_int(std::string_view key) const {
    const Value* v = get(key);
    if (v == nullptr) {
        return 0;
    }
    if (const auto* i = std::get_if<std::int64_t>(v)) {
        return *i;
    }
    return 0;
}

std::string Report::table(std::string_view title) const {
    std::size_t width = 0;
    for (const auto& [k, v] : fields_) {
        width = std::max(width, k.size());
    }
    std::string out = fmt::format("{}\n", title);
    for (const auto& [k, v] : fields_) {
        std::string text = std::visit(
            [](const auto& x) -> std::string {
                using T = std::decay_t<decltype(x)>;
                if constexpr (std::is_same_v<T, double>) {
                    return fmt::format("{:.3f}", x);
                } else if constexpr (std::is_same_v<T, bool>) {
                    return x ? "yes" : "no";
                } else {
                    return fmt::format("{}", x);
                }
            },
            v);
        out += fmt::format("  {:<{}}  {}\n", k, width, text);
    }
    return out;
}

std::string Report::json() const {
    boost::json::object o;
    for (const auto& [k, v] : fields_) {
        std::visit([&](const auto& x) { o[k] = x; }, v);
    }
    return boost::json::serialize(o);
}

}  // namespace parley::bench
