// The result of one run: named values in a fixed order, printed as a human
// table and appended as one JSON line (--json) for scripts and comparisons.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace parley::bench {

class Report {
public:
    using Value = std::variant<std::int64_t, double, std::string, bool>;
    // Adds a field, or replaces the value of an existing one (keeping its place).
    void set(std::string_view key, std::int64_t v) { put(key, v); }
    void set(std::string_view key, std::uint64_t v) { put(key, static_cast<std::int64_t>(v)); }
    void set(std::string_view key, int v) { put(key, static_cast<std::int64_t>(v)); }
    void set(std::string_view key, unsigned v) { put(key, static_cast<std::int64_t>(v)); }
    void set(std::string_view key, double v) { put(key, v); }
    void set(std::string_view key, bool v) { put(key, v); }
    void set(std::string_view key, std::string v) { put(key, std::move(v)); }
    void set(std::string_view key, std::string_view v) { put(key, std::string(v)); }
    void set(std::string_view key, const char* v) { put(key, std::string(v)); }
    const Value* get(std::string_view key) const;
    std::int64_t get_int(std::string_view key) const;  // 0 when absent or not an integer

    // "key   value" lines under a title.
    std::string table(std::string_view title) const;
    // One JSON object on one line (no newline at the end).
    std::string json() const;

private:
    void put(std::string_view key, Value v);
    std::vector<std::pair<std::string, Value>> fields_;
};

}  // namespace parley::bench
