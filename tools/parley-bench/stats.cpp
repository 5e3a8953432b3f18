#include "parley-bench/stats.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace parley::bench {

std::int64_t percentile(const std::vector<std::int64_t>& sorted, double p) {
    if (sorted.empty()) {
        return 0;
    }
    p = std::clamp(p, 0.0, 100.0);
    // Rank ceil(p/100 * n), 1-based; at least the first sample. The epsilon
    // keeps 99.9% of 1000 at rank 999 despite 99.9/100*1000 = 999.0000000000001.
    const double exact = p / 100.0 * static_cast<double>(sorted.size());
    auto rank = static_cast<std::size_t>(std::ceil(exact - 1e-9 * std::max(exact, 1.0)));
    rank = std::clamp<std::size_t>(rank, 1, sorted.size());
    return sorted[rank - 1];
}

LatencySummary summarize(std::vector<std::int64_t>& samples_ns) {
    LatencySummary s;
    std::sort(samples_ns.begin(), samples_ns.end());
    s.count = samples_ns.size();
    if (samples_ns.empty()) {
        return s;
    }
    auto ms = [](std::int64_t ns) { return static_cast<double>(ns) / 1e6; };
    s.p50_ms = ms(percentile(samples_ns, 50));
    s.p99_ms = ms(percentile(samples_ns, 99));
    s.p999_ms = ms(percentile(samples_ns, 99.9));
    s.max_ms = ms(samples_ns.back());
    double sum = 0;
    for (auto v : samples_ns) {
        sum += static_cast<double>(v);
    }
    s.mean_ms = ms(static_cast<std::int64_t>(sum / static_cast<double>(samples_ns.size())));
    return s;
}

SeqTracker::Outcome SeqTracker::record(std::uint64_t seq) {
    if (seq < next_ || ahead_.count(seq) != 0) {
        ++duplicates_;
        return Outcome::duplicate;
    }
    ++unique_;
    if (seq != next_) {
        ahead_.insert(seq);
        return Outcome::fresh;
    }
    ++next_;
    while (!ahead_.empty() && *ahead_.begin() == next_) {
        ahead_.erase(ahead_.begin());
        ++next_;
    }
    return Outcome::fresh;
}

std::vector<std::uint64_t> SeqTracker::first_missing(std::uint64_t sent, std::size_t max) const {
    std::vector<std::uint64_t> out;
    auto it = ahead_.begin();
    for (std::uint64_t s = next_; s < sent && out.size() < max; ++s) {
        while (it != ahead_.end() && *it < s) {
            ++it;
        }
        if (it != ahead_.end() && *it == s) {
            continue;
        }
        out.push_back(s);
    }
    return out;
}

void encode_body(std::string& out, std::uint64_t seq, std::int64_t time_ns, std::size_t size) {
    char buf[48];
    auto* p = std::to_chars(buf, buf + sizeof buf, seq).ptr;
    *p++ = ' ';
    p = std::to_chars(p, buf + sizeof buf, time_ns).ptr;
    *p++ = ' ';
    auto n = static_cast<std::size_t>(p - buf);
    out.append(buf, n);
    if (size > n) {
        out.append(size - n, 'x');
    }
}

std::optional<BodyFields> decode_body(std::string_view body) {
    BodyFields f{};
    const char* end = body.data() + body.size();
    auto r1 = std::from_chars(body.data(), end, f.seq);
    if (r1.ec != std::errc() || r1.ptr == end || *r1.ptr != ' ') {
        return std::nullopt;
    }
    auto r2 = std::from_chars(r1.ptr + 1, end, f.time_ns);
    if (r2.ec != std::errc() || r2.ptr == end || *r2.ptr != ' ') {
        return std::nullopt;
    }
    return f;
}

}  // namespace parley::bench
