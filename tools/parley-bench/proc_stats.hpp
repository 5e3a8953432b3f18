// Readings of another process from /proc (proc(5)): CPU time from
// /proc/PID/stat and resident memory from /proc/PID/status, for the server's
// CPU seconds per delivered message and RSS per session. The parsers are
// pure (tested on literal text); sample() reads the files.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace parley::bench {

struct CpuTime {
    std::uint64_t utime_ticks = 0;  // field 14
    std::uint64_t stime_ticks = 0;  // field 15
};
// Parses the content of /proc/PID/stat. The command name (field 2) is in
// parentheses and may itself contain spaces and ')', so fields are counted
// from the last ')'.
std::optional<CpuTime> parse_proc_stat(std::string_view text);
// The value in kB of a "Key:   123 kB" line of /proc/PID/status (VmRSS, VmHWM...).
std::optional<std::uint64_t> parse_status_kb(std::string_view text, std::string_view key);

struct ProcSample {
    double cpu_seconds = 0;     // user + system
    std::uint64_t rss_kb = 0;   // VmRSS
    std::uint64_t hwm_kb = 0;   // VmHWM (peak RSS)
};
// Reads /proc/PID/stat and /proc/PID/status; nullopt when the process is gone
// or the files cannot be parsed. pid 0 = this process.
std::optional<ProcSample> sample_process(int pid);

}  // namespace parley::bench
