#include "parley-bench/proc_stats.hpp"

#include <unistd.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <string>

namespace parley::bench {

namespace {

std::optional<std::string> slurp(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        return std::nullopt;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::optional<std::uint64_t> to_u64(std::string_view s) {
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size()) {
        return std::nullopt;
    }
    return v;
}

}  // namespace

std::optional<CpuTime> parse_proc_stat(std::string_view text) {
    auto close = text.rfind(')');
    if (close == std::string_view::npos) {
        return std::nullopt;
    }
    // After ") " comes field 3 (state); utime and stime are fields 14 and 15.
    std::string_view rest = text.substr(close + 1);
    int field = 2;
    CpuTime t;
    bool have_u = false, have_s = false;
    while (!rest.empty() && field < 15) {
        while (!rest.empty() && rest.front() == ' ') {
            rest.remove_prefix(1);
        }
        auto end = rest.find_first_of(" \n");
        std::string_view tok = rest.substr(0, end);
        rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
        if (tok.empty()) {
            break;
        }
        ++field;
        if (field == 14 || field == 15) {
            auto v = to_u64(tok);
            if (!v) {
                return std::nullopt;
            }
            (field == 14 ? t.utime_ticks : t.stime_ticks) = *v;
            (field == 14 ? have_u : have_s) = true;
        }
    }
    if (!have_u || !have_s) {
        return std::nullopt;
    }
    return t;
}

std::optional<std::uint64_t> parse_status_kb(std::string_view text, std::string_view key) {
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto eol = text.find('\n', pos);
        std::string_view line =
            text.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
        pos = eol == std::string_view::npos ? text.size() : eol + 1;
        if (line.size() > key.size() && line.substr(0, key.size()) == key &&
            line[key.size()] == ':') {
            std::string_view v = line.substr(key.size() + 1);
            while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) {
                v.remove_prefix(1);
            }
            auto space = v.find(' ');
            std::string_view unit = space == std::string_view::npos ? "" : v.substr(space + 1);
            if (unit != "kB") {
                return std::nullopt;
            }
            return to_u64(v.substr(0, space));
        }
    }
    return std::nullopt;
}

std::optional<ProcSample> sample_process(int pid) {
    std::string dir = pid == 0 ? "/proc/self" : "/proc/" + std::to_string(pid);
    auto stat = slurp(dir + "/stat");
    auto status = slurp(dir + "/status");
    if (!stat || !status) {
        return std::nullopt;
    }
    auto cpu = parse_proc_stat(*stat);
    auto rss = parse_status_kb(*status, "VmRSS");
    if (!cpu || !rss) {
        return std::nullopt;
    }
    ProcSample s;
    const long ticks = sysconf(_SC_CLK_TCK);
    s.cpu_seconds = static_cast<double>(cpu->utime_ticks + cpu->stime_ticks) /
                    static_cast<double>(ticks > 0 ? ticks : 100);
    s.rss_kb = *rss;
    s.hwm_kb = parse_status_kb(*status, "VmHWM").value_or(0);
    return s;
}

}  // namespace parley::bench
