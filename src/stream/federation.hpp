// Federation: the server's server-to-server links (issue 4). The router hands
// it every stanza for a domain we do not serve (RemoteRoute); it keeps one
// outgoing stream per (our domain, remote domain) pair, created on the first
// stanza and re-used for all traffic between the two until it goes idle, and
// it re-uses a bidirectional incoming stream (XEP-0288) when the peer opened
// one. Stanzas wait in the outgoing stream's bounded queue while it connects;
// when it cannot be set up they are answered with remote-server-not-found or
// remote-server-timeout (RFC 6120 §8.3.3.15/16) — none is dropped.
//
// Thread safety: every method may be called from any thread; the links are
// sessions living on worker threads (calls are posted to them).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "router/router.hpp"
#include "stream/s2s_stream.hpp"

namespace parley {

class S2sIn;
class S2sOut;

class Federation final : public RemoteRoute {
public:
    Federation(S2sServices& services, boost::asio::any_io_executor fallback);
    ~Federation() override;

    void send(StanzaEvent& ev) override;

    // Dialback, as Receiving Server (XEP-0220 §2.3): asks the Authoritative
    // Server of `remote`, over our outgoing stream to it, whether `key` is
    // the key for (local, remote, stream_id). `done` runs once, on some
    // worker thread, with the answer and, when invalid, why.
    using VerifyDone = std::function<void(bool valid, std::string why)>;
    void verify_dialback(const std::string& local, const std::string& remote,
                         const std::string& stream_id, const std::string& key, VerifyDone done);

    // Incoming streams announce the domains they authenticated (for logs,
    // and so that XEP-0288 streams carry our stanzas back).
    void incoming_authenticated(const std::shared_ptr<S2sIn>& in, const std::string& local,
                                const std::string& remote, std::string_view how);
    void forget_incoming(const S2sIn* in);
    // An outgoing link ended: the next stanza for its pair starts a new one.
    void forget_outgoing(const S2sOut* out);

    // Shutdown: closes every s2s stream (system-shutdown).
    void close_all();

private:
    using Pair = std::pair<std::string, std::string>;  // (our domain, remote domain)
    std::shared_ptr<S2sOut> outgoing(const std::string& local, const std::string& remote);

    S2sServices& svc_;
    boost::asio::any_io_executor fallback_;
    mutable std::mutex mu_;
    std::map<Pair, std::shared_ptr<S2sOut>> out_;     // GUARDED_BY(mu_)
    std::map<const S2sIn*, std::weak_ptr<S2sIn>> in_;  // GUARDED_BY(mu_)
    std::map<Pair, std::weak_ptr<S2sIn>> bidi_;        // GUARDED_BY(mu_)
};

}  // namespace parley
