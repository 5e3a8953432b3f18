// XEP-0198 Stream Management, the per-stream state: the count of stanzas
// handled from the client, the stanzas sent to it and not yet acknowledged,
// and the arithmetic of acknowledgements (§4: counts are modulo 2^32). Pure:
// the session (C2sSession) does the I/O, the resumption hand-over and what
// happens to unacknowledged stanzas when a session ends (§5).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>

#include "xml/element.hpp"

namespace parley {

class StreamManagement {
public:
    struct Sent {
        xml::ElementRef stanza;
        std::chrono::system_clock::time_point when;  // for a XEP-0203 stamp if it is delivered again
    };

    StreamManagement(std::string id, bool resumable) : id_(std::move(id)), resumable_(resumable) {}

    // The stream's id for <resume previd='...'/> (§5), unguessable.
    const std::string& id() const { return id_; }
    bool resumable() const { return resumable_; }

    // Inbound: one more stanza from the client handled (§4, 'h' of our <a/>).
    void received() { ++handled_; }
    std::uint32_t handled() const { return handled_; }

    // Outbound: a stanza written to the client, kept until acknowledged.
    void sent(xml::ElementRef stanza, std::chrono::system_clock::time_point when) {
        unacked_.push_back({std::move(stanza), when});
    }
    // How many stanzas were sent in all (modulo 2^32).
    std::uint32_t sent_count() const { return acked_ + static_cast<std::uint32_t>(unacked_.size()); }

    // The client has handled `h` stanzas in all: forget those. False when h
    // counts more stanzas than were sent (the caller ends the stream with
    // <handled-count-too-high/>, XEP-0198 §4); nothing changes then. An h
    // below an earlier one is also refused: acknowledgements only go forward.
    bool acknowledge(std::uint32_t h);

    const std::deque<Sent>& unacked() const { return unacked_; }
    std::deque<Sent> take_unacked() { return std::move(unacked_); }

    // Whether an <r/> is waiting for its <a/> (one request at a time).
    bool awaiting_ack = false;

private:
    std::string id_;
    bool resumable_;
    std::uint32_t handled_ = 0;
    std::uint32_t acked_ = 0;  // stanzas acknowledged so far (modulo 2^32)
    std::deque<Sent> unacked_;
};

}  // namespace parley
