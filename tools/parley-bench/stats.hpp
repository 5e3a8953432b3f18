// The bench's accounting: percentiles of latency samples, exact per-stream
// accounting of sequence-numbered messages (so that every undelivered or
// duplicated message is counted), and the message body that carries the
// sequence number and the send time. Pure code, no I/O; a Samples or
// SeqTracker belongs to one thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace parley::bench {

// Nearest-rank percentile (the smallest value such that at least p% of the
// samples are <= it) of `sorted`, which must be sorted ascending; 0 when
// empty. p in [0, 100].
std::int64_t percentile(const std::vector<std::int64_t>& sorted, double p);

struct LatencySummary {
    std::size_t count = 0;
    double p50_ms = 0, p99_ms = 0, p999_ms = 0, max_ms = 0, mean_ms = 0;
};
// Sorts `samples_ns` and summarizes them in milliseconds.
LatencySummary summarize(std::vector<std::int64_t>& samples_ns);

// Tracks which sequence numbers 0, 1, 2... of one stream arrived. In-order
// arrival costs O(1) and no memory; early arrivals wait in a small set.
class SeqTracker {
public:
    enum class Outcome { fresh, duplicate };
    Outcome record(std::uint64_t seq);
    std::uint64_t unique() const { return unique_; }
    std::uint64_t duplicates() const { return duplicates_; }
    // Of 0..sent-1, how many never arrived (arrivals >= sent are the caller's
    // to refuse before record()).
    std::uint64_t missing(std::uint64_t sent) const { return sent > unique_ ? sent - unique_ : 0; }
    // The first `max` missing sequence numbers below `sent`, for the report.
    std::vector<std::uint64_t> first_missing(std::uint64_t sent, std::size_t max) const;

private:
    std::uint64_t next_ = 0;        // every seq < next_ has arrived
    std::set<std::uint64_t> ahead_;  // arrived seqs > next_
    std::uint64_t unique_ = 0;
    std::uint64_t duplicates_ = 0;
};

// Message bodies: "SEQ TIME " then 'x' up to `size` bytes (longer when the
// numbers need it). TIME is the send time in nanoseconds on the bench's
// steady clock.
void encode_body(std::string& out, std::uint64_t seq, std::int64_t time_ns, std::size_t size);
struct BodyFields {
    std::uint64_t seq;
    std::int64_t time_ns;
};
std::optional<BodyFields> decode_body(std::string_view body);

// A counter with one writer thread and any number of reader threads: the
// writer's increment is a plain load and store (no locked instruction).
class Counter {
public:
    void add(std::uint64_t n = 1) {
        v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    std::uint64_t get() const { return v_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> v_{0};
};

}  // namespace parley::bench
