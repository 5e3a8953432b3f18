// The byte relay of an XEP-0065 SOCKS5 Bytestreams proxy (§6, mediated
// connections): a SOCKS5 server (RFC 1928) that accepts only the XEP's
// request — no authentication, CONNECT, DST.ADDR a domain name that is
// SHA1(SID + Initiator JID + Target JID) in hex, DST.PORT 0 — answers it, and
// parks the connection under that hash. When the initiator activates the
// stream (the module's iq, §6.3.2) the two parked connections are paired and
// their bytes copied both ways through two fixed 16 KiB buffers, until both
// sides have closed or the transfer was idle too long.
//
// Threads: accept() runs on the worker that accepted the connection. The
// parked table is behind a mutex held for a look-up, insert or removal. A
// transfer lives on the first connection's worker: the second socket is moved
// onto it at activation, so each transfer is touched by one thread only.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace parley::mod::proxy65 {

struct RelayOptions {
    std::size_t max_transfers = 100;              // active plus waiting connections / 2
    std::chrono::seconds idle_timeout{300};       // a transfer with no byte either way ends
    std::chrono::seconds pending_timeout{60};     // a connection not activated by then is closed
    std::chrono::seconds handshake_timeout{10};  // to complete the SOCKS5 request
};

// SHA1(SID + Initiator JID + Target JID), lower-case hex (XEP-0065 §5.3.2).
std::string stream_hash(std::string_view sid, std::string_view initiator, std::string_view target);

class Socks5Relay {
public:
    explicit Socks5Relay(RelayOptions options) : options_(options) {}
    Socks5Relay(const Socks5Relay&) = delete;
    Socks5Relay& operator=(const Socks5Relay&) = delete;

    // Serves one accepted connection: the SOCKS5 handshake, then parks the
    // socket (moved out of `socket`) until activation or pending_timeout.
    boost::asio::awaitable<void> accept(boost::asio::ip::tcp::socket& socket);

    enum class Activation { started, not_found, busy };
    // Pairs the two connections parked under `hash` (target first, then
    // initiator) and starts relaying. Any thread.
    Activation activate(const std::string& hash);

    std::size_t active_transfers() const { return active_.load(); }
    const RelayOptions& options() const { return options_; }

private:
    struct Parked {
        std::shared_ptr<boost::asio::ip::tcp::socket> socket;
        std::chrono::steady_clock::time_point since;
    };
    void prune_locked(std::chrono::steady_clock::time_point now);
    std::size_t parked_count_locked() const;

    RelayOptions options_;
    std::mutex mu_;
    std::unordered_map<std::string, std::vector<Parked>> parked_;  // GUARDED_BY(mu_)
    std::atomic<std::size_t> active_{0};
};

}  // namespace parley::mod::proxy65
