#include "stream/federation.hpp"

#include <boost/asio/post.hpp>

#include <spdlog/spdlog.h>

#include "core/worker_pool.hpp"
#include "stream/s2s_in.hpp"
#include "stream/s2s_out.hpp"

namespace parley {

namespace asio = boost::asio;

Federation::Federation(S2sServices& services, asio::any_io_executor fallback)
    : svc_(services), fallback_(std::move(fallback)) {}

Federation::~Federation() = default;

std::shared_ptr<S2sOut> Federation::outgoing(const std::string& local, const std::string& remote) {
    std::lock_guard lock(mu_);
    auto& link = out_[Pair{local, remote}];
    if (!link) {
        // The link lives on the worker that needed it first.
        link = std::make_shared<S2sOut>(svc_, local, remote, current_executor(fallback_));
        spdlog::debug("s2s: new outgoing stream {} -> {} ({})", local, remote, link->id());
        link->start();
    }
    return link;
}

void Federation::send(StanzaEvent& ev) {
    std::string local(ev.from.domain());
    std::string remote(ev.to.domain());
    {
        // XEP-0288: the peer's bidirectional stream carries our stanzas too.
        std::shared_ptr<S2sIn> in;
        {
            std::lock_guard lock(mu_);
            auto it = bidi_.find(Pair{local, remote});
            if (it != bidi_.end()) {
                in = it->second.lock();
            }
        }
        if (in && !in->closed()) {
            svc_.router.deliver(in, ev.stanza);
            return;
        }
    }
    outgoing(local, remote)->enqueue(ev.stanza);
}

void Federation::verify_dialback(const std::string& local, const std::string& remote,
                                 const std::string& stream_id, const std::string& key,
                                 VerifyDone done) {
    outgoing(local, remote)->request_verify(stream_id, key, std::move(done));
}

void Federation::incoming_authenticated(const std::shared_ptr<S2sIn>& in, const std::string& local,
                                        const std::string& remote, std::string_view how) {
    std::lock_guard lock(mu_);
    in_[in.get()] = in;
    if (in->bidi_for(remote)) {
        bidi_[Pair{local, remote}] = in;
    }
}

void Federation::forget_incoming(const S2sIn* in) {
    std::lock_guard lock(mu_);
    in_.erase(in);
    std::erase_if(bidi_, [&](const auto& entry) {
        auto s = entry.second.lock();
        return !s || s.get() == in;
    });
}

void Federation::forget_outgoing(const S2sOut* out) {
    std::lock_guard lock(mu_);
    auto it = out_.find(Pair{out->local(), out->remote()});
    if (it != out_.end() && it->second.get() == out) {
        out_.erase(it);
    }
}

void Federation::close_all() {
    std::vector<std::shared_ptr<S2sStream>> all;
    {
        std::lock_guard lock(mu_);
        for (auto& [pair, out] : out_) {
            all.push_back(out);
        }
        for (auto& [ptr, weak] : in_) {
            if (auto s = weak.lock()) {
                all.push_back(s);
            }
        }
    }
    for (auto& s : all) {
        asio::post(s->executor(), [s] { s->close({xmpp::StreamCondition::system_shutdown, {}}); });
    }
}

}  // namespace parley
