// RidWindow: the request-id bookkeeping of one BOSH session (XEP-0124
// v1.11.2 §14.3 "Request IDs", §9 acknowledgements), as pure logic so that
// its rules are unit-tested without sockets.
//
// - Requests are processed in rid order. The next rid expected is next();
//   a request may run ahead of it by less than `requests` (it then waits for
//   the missing ones); a rid further ahead is out of the window.
// - A rid already processed whose response is still buffered is answered
//   again with the very same response (the client lost it: retransmission).
//   The buffer keeps the responses of the last `requests` answered rids;
//   a client ack (§9.2) drops the ones it has received.
//
// Owned by one BoshSession; touched only on its thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <utility>

namespace parley::mod::bosh {

enum class RidClass : std::uint8_t {
    in_order,       // rid == next(): process now
    ahead,          // next() < rid < next() + requests: wait for the missing ones
    out_of_window,  // rid >= next() + requests: item-not-found (§14.3)
    old,            // rid < next(): a retransmission (answer from the buffer) or stale
};

class RidWindow {
public:
    // `first_rid`: the rid of the session creation request (processed).
    RidWindow(std::uint64_t first_rid, std::size_t requests);

    RidClass classify(std::uint64_t rid) const;
    std::uint64_t next() const { return next_; }
    // The highest rid processed so far (every lower one was processed too).
    std::uint64_t last() const { return next_ - 1; }
    // `rid` (== next()) has been processed.
    void processed(std::uint64_t rid);

    // The response sent for `rid`, kept for retransmission.
    void store(std::uint64_t rid, std::string response);
    const std::string* response(std::uint64_t rid) const;
    // §9.2: the client received every response up to `ack`; drop those.
    void acknowledged(std::uint64_t ack);
    std::size_t buffered() const { return buffer_.size(); }

private:
    std::uint64_t next_;
    std::size_t requests_;
    std::deque<std::pair<std::uint64_t, std::string>> buffer_;  // oldest first
};

}  // namespace parley::mod::bosh
