// XEP-0124 v1.11.2 BOSH sessions carrying XEP-0206 v1.4 client streams
// (bosh_session.hpp): §7 creation, §8 sending and receiving, §9 acks, §10
// pause, §11 overactivity (polling), §12 polling sessions, §13 terminate,
// §14.3 rid window and retransmission, §17 terminal errors; XEP-0206 §3
// stream creation, §5 restart, §6 stream errors (remote-stream-error).
#include "modules/bosh/bosh_session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>

#include "xml/serializer.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod::bosh {

namespace asio = boost::asio;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::string_view kXmlLang = "xml:lang";  // as the parser names it

}  // namespace

// ---- SessionTable ----

bool SessionTable::add(const std::string& sid, const std::string& ip,
                       std::shared_ptr<BoshSession> s, std::size_t max_per_ip) {
    std::lock_guard lock(mutex_);
    auto& n = per_ip_[ip];
    if (max_per_ip > 0 && n >= max_per_ip) {
        if (n == 0) {
            per_ip_.erase(ip);
        }
        return false;
    }
    ++n;
    sessions_.emplace(sid, std::move(s));
    return true;
}

std::shared_ptr<BoshSession> SessionTable::find(const std::string& sid) const {
    std::lock_guard lock(mutex_);
    auto it = sessions_.find(sid);
    return it == sessions_.end() ? nullptr : it->second;
}

void SessionTable::remove(const std::string& sid, const std::string& ip) {
    std::lock_guard lock(mutex_);
    if (sessions_.erase(sid) == 0) {
        return;
    }
    if (auto it = per_ip_.find(ip); it != per_ip_.end() && --it->second == 0) {
        per_ip_.erase(it);
    }
}

std::size_t SessionTable::size() const {
    std::lock_guard lock(mutex_);
    return sessions_.size();
}

// ---- BoshSession ----

BoshSession::BoshSession(asio::any_io_executor ex, Params p, std::shared_ptr<SessionTable> table)
    : ex_(ex),
      p_(std::move(p)),
      table_(std::move(table)),
      window_(p_.first_rid, static_cast<std::size_t>(p_.hold + 1)),
      read_wake_(ex),
      drain_wake_(ex),
      idle_timer_(ex) {}

asio::awaitable<void> BoshSession::handle_creation(BoshExchange* x) {
    push_stream_open(x->req);
    for (const auto& e : x->req.payload) {
        inbound_.emplace_back(e);
    }
    read_wake_.cancel();
    // The creation response waits for the stream's header and features
    // (XEP-0206 §3: authid, and the features here or in the next response),
    // whatever `hold` is.
    auto h = std::make_shared<Held>(ex_, x->req.rid);
    held_.push_back(h);
    co_await hold_and_wait(h, &x->response);
}

asio::awaitable<void> BoshSession::handle(BoshExchange* x) {
    const RequestBody& req = x->req;
    for (;;) {
        if (ended_) {
            x->response = terminate_body(kItemNotFound);
            co_return;
        }
        switch (window_.classify(req.rid)) {
            case RidClass::in_order:
                break;
            case RidClass::old: {
                // §14.3: a request the client sends again gets the same response.
                if (const std::string* r = window_.response(req.rid)) {
                    spdlog::debug("bosh {}: rid {} again: answered from the buffer", p_.sid,
                                  req.rid);
                    x->response = *r;
                    co_return;
                }
                // Still held: the client gave up on the connection that carried
                // it. The old one is answered (nobody reads it), this one is held.
                auto it = std::find_if(held_.begin(), held_.end(),
                                       [&](const HeldPtr& h) { return h->rid == req.rid; });
                if (it != held_.end()) {
                    auto old = *it;
                    auto h = std::make_shared<Held>(ex_, req.rid);
                    *it = h;
                    old->response = make_body({}, {});
                    old->timer.cancel();
                    co_await hold_and_wait(h, &x->response);
                    co_return;
                }
                spdlog::info("bosh {}: rid {} is neither held nor buffered (next {})", p_.sid,
                             req.rid, window_.next());
                fail(x, kItemNotFound);
                co_return;
            }
            case RidClass::out_of_window:
                spdlog::info("bosh {}: rid {} is out of the window (next {})", p_.sid, req.rid,
                             window_.next());
                fail(x, kItemNotFound);
                co_return;
            case RidClass::ahead: {
                // §14.3: requests are processed in rid order; wait for the
                // missing ones (as long as a request may be held).
                auto w = std::make_shared<asio::steady_timer>(ex_);
                waiters_.push_back(w);
                w->expires_after(std::chrono::seconds(p_.wait + p_.inactivity));
                auto [ec] = co_await w->async_wait(kTuple);
                std::erase(waiters_, w);
                if (!ec && !ended_ && window_.classify(req.rid) == RidClass::ahead) {
                    fail(x, kItemNotFound);
                    co_return;
                }
                continue;
            }
        }
        break;
    }
    // In order.
    idle_timer_.cancel();
    pause_ = 0;
    window_.processed(req.rid);
    wake_waiters();
    if (p_.acks && req.ack) {
        window_.acknowledged(*req.ack);  // §9.2: the client has these responses
    }
    if (req.pause) {
        // §10: answer everything held now, and allow `pause` seconds without a request.
        if (*req.pause > p_.max_pause) {
            fail(x, kPolicyViolation);
            co_return;
        }
        while (!held_.empty()) {
            answer(held_.front());
        }
        auto h = std::make_shared<Held>(ex_, req.rid);
        held_.push_back(h);
        answer(h);
        x->response = *h->response;
        pause_ = *req.pause;
        arm_idle_timer();
        co_return;
    }
    if (req.terminate) {
        // §13: the client ends the session; its payload (an unavailable
        // presence, typically) goes to the stream first.
        process(req);
        inbound_.emplace_back(xml::StreamClose{});
        read_wake_.cancel();
        answer_all_terminate({});
        x->response = terminate_body({});
        window_.store(req.rid, x->response);
        end();
        co_return;
    }
    if (too_frequent_poll(req)) {
        spdlog::info("bosh {}: polling faster than every {} s", p_.sid, p_.polling);
        fail(x, kPolicyViolation);
        co_return;
    }
    process(req);
    auto h = std::make_shared<Held>(ex_, req.rid);
    held_.push_back(h);
    trim_held();
    if (!out_.empty() || closing_) {
        schedule_flush();
    }
    co_await hold_and_wait(h, &x->response);
}

asio::awaitable<void> BoshSession::hold_and_wait(const HeldPtr& h, std::string* response) {
    if (!h->response) {
        h->timer.expires_after(std::chrono::seconds(p_.wait));
    }
    while (!h->response) {
        auto [ec] = co_await h->timer.async_wait(kTuple);
        if (!ec && !h->response) {
            answer(h);  // §8: `wait` seconds passed: answer with what there is
        }
    }
    *response = std::move(*h->response);
}

// §12 / §11: a polling session (hold=0) must not poll more often than
// `polling` seconds with empty requests.
bool BoshSession::too_frequent_poll(const RequestBody& req) {
    if (p_.hold != 0 || !req.payload.empty() || req.restart) {
        return false;
    }
    const auto now = std::chrono::steady_clock::now();
    const bool too_soon = last_empty_poll_ != std::chrono::steady_clock::time_point{} &&
                          now - last_empty_poll_ < std::chrono::seconds(p_.polling);
    last_empty_poll_ = now;
    return too_soon;
}

void BoshSession::process(const RequestBody& req) {
    if (req.restart) {
        push_stream_open(req);  // XEP-0206 §5: a new stream on the same session
    }
    for (const auto& e : req.payload) {
        inbound_.emplace_back(e);
    }
    if (!inbound_.empty()) {
        read_wake_.cancel();
    }
}

// The stream header the C2sSession expects from a TCP client, made from the
// body's attributes (XEP-0206 §3: to, xml:lang, xmpp:version).
void BoshSession::push_stream_open(const RequestBody& req) {
    xml::StreamOpen open;
    open.header = xml::Element::make("stream", std::string(ns::streams));
    open.header->set_attr("to", req.to.empty() ? p_.host : req.to);
    if (!req.xmpp_version.empty()) {
        open.header->set_attr("version", req.xmpp_version);
    } else if (req.restart) {
        open.header->set_attr("version", "1.0");
    }
    if (!req.lang.empty()) {
        open.header->set_attr(kXmlLang, req.lang);
    }
    open.content_ns = std::string(ns::client);
    inbound_.emplace_back(std::move(open));
}

void BoshSession::answer(const HeldPtr& held) {
    const HeldPtr h = held;  // `held` may be an element of held_, erased below
    Attrs attrs;
    if (!creation_answered_) {
        // §7.2 session creation response, XEP-0206 §3.
        creation_answered_ = true;
        attrs = {{"sid", p_.sid},
                 {"wait", std::to_string(p_.wait)},
                 {"requests", std::to_string(p_.hold + 1)},
                 {"hold", std::to_string(p_.hold)},
                 {"inactivity", std::to_string(p_.inactivity)},
                 {"polling", std::to_string(p_.polling)},
                 {"maxpause", std::to_string(p_.max_pause)},
                 {"ver", "1.11"},
                 {"from", p_.host},
                 {"xmpp:version", "1.0"},
                 {"xmpp:restartlogic", "true"}};
        if (!authid_.empty()) {
            attrs.emplace_back("authid", authid_);
        }
        if (p_.acks) {
            attrs.emplace_back("ack", std::to_string(h->rid));  // §9.1
        }
    } else if (p_.acks && window_.last() > h->rid) {
        // §9.2: tell the client which is the highest request received so far
        // when it is not the one answered.
        attrs.emplace_back("ack", std::to_string(window_.last()));
    }
    std::string payload;
    payload.swap(out_);
    drain_wake_.cancel();
    const bool last = closing_;
    if (last) {
        attrs.emplace_back("type", "terminate");
        if (stream_error_) {
            attrs.emplace_back("condition", std::string(kRemoteStreamError));  // XEP-0206 §6
        }
    }
    std::string body = make_body(attrs, payload);
    window_.store(h->rid, body);
    h->response = std::move(body);
    h->timer.cancel();
    std::erase(held_, h);
    if (last) {
        answer_all_terminate({});
        end();
    } else if (held_.empty()) {
        arm_idle_timer();
    }
}

void BoshSession::answer_all_terminate(std::string_view condition) {
    while (!held_.empty()) {
        auto h = held_.front();
        held_.pop_front();
        h->response = terminate_body(condition);
        window_.store(h->rid, *h->response);
        h->timer.cancel();
    }
}

// §4: at most `hold` requests wait; the oldest of the others are answered.
void BoshSession::trim_held() {
    while (static_cast<std::int64_t>(held_.size()) > p_.hold) {
        answer(held_.front());
    }
}

// What the stream writes in one turn of the worker leaves in one response.
void BoshSession::schedule_flush() {
    if (flush_scheduled_ || ended_) {
        return;
    }
    flush_scheduled_ = true;
    asio::post(ex_, [w = weak_from_this()] {
        if (auto self = w.lock()) {
            self->flush();
        }
    });
}

void BoshSession::flush() {
    flush_scheduled_ = false;
    if (ended_ || held_.empty() || (out_.empty() && !closing_)) {
        return;
    }
    answer(held_.front());
}

void BoshSession::fail(BoshExchange* x, std::string_view condition) {
    answer_all_terminate(condition);
    x->response = terminate_body(condition);
    closing_ = true;
    end();
}

// Out of the table; the stream sees the end of its input.
void BoshSession::end() {
    if (ended_) {
        return;
    }
    ended_ = true;
    closing_ = true;
    answer_all_terminate({});
    read_closed_ = true;
    read_wake_.cancel();
    drain_wake_.cancel();
    idle_timer_.cancel();
    wake_waiters();
    if (auto table = table_.lock()) {
        table->remove(p_.sid, p_.remote_address);
    }
    spdlog::debug("bosh {}: session ended", p_.sid);
}

void BoshSession::shutdown(std::string_view condition) {
    answer_all_terminate(condition);
    end();
}

void BoshSession::wake_waiters() {
    for (auto& w : waiters_) {
        w->cancel();
    }
}

// §7.2 inactivity (or §10 the pause asked for): with no request held for
// that long, the client is gone.
void BoshSession::arm_idle_timer() {
    if (ended_) {
        return;
    }
    idle_timer_.expires_after(std::chrono::seconds(pause_ > 0 ? pause_ : p_.inactivity));
    idle_timer_.async_wait([w = weak_from_this()](boost::system::error_code ec) {
        auto self = w.lock();
        if (ec || !self || self->ended_ || !self->held_.empty()) {
            return;
        }
        spdlog::info("bosh {}: no request for {} s: session ended", self->p_.sid,
                     self->pause_ > 0 ? self->pause_ : self->p_.inactivity);
        self->end();
    });
}

// ---- ClientChannel ----

asio::awaitable<bool> BoshSession::read(std::vector<xml::ParseEvent>& out, xml::ParseError& error) {
    (void)error;  // bodies are parsed whole before they reach the session
    for (;;) {
        if (!inbound_.empty()) {
            for (auto& ev : inbound_) {
                out.push_back(std::move(ev));
            }
            inbound_.clear();
            co_return true;
        }
        if (read_closed_) {
            co_return false;
        }
        read_wake_.expires_at(asio::steady_timer::time_point::max());
        auto [ec] = co_await read_wake_.async_wait(kTuple);
        (void)ec;
    }
}

void BoshSession::restart() {
    inbound_.clear();  // RFC 6120 §4.3.3: what followed the old stream is void
}

void BoshSession::write_header(const xml::Element& header) {
    authid_ = std::string(header.attr_or("id"));
}

void BoshSession::write(const xml::Element& e) {
    if (ended_) {
        return;
    }
    if (e.is("error", ns::streams)) {
        stream_error_ = true;
    }
    // Standalone: stanzas carry xmlns='jabber:client', stream elements
    // declare the stream prefix (XEP-0206 §4, §6).
    xml::serialize(e, out_);
    schedule_flush();
}

void BoshSession::write_prepared(const xml::Element& stanza, const xml::Prepared& bytes,
                                 std::string_view to) {
    (void)bytes;  // serialized for a stream whose content namespace is in scope
    auto copy = stanza.shallow_copy();
    copy->set_attr("to", std::string(to));
    write(*copy);
}

void BoshSession::write_close() {
    closing_ = true;
    schedule_flush();
}

asio::awaitable<void> BoshSession::drain() {
    while (!out_.empty() && !ended_) {
        drain_wake_.expires_at(asio::steady_timer::time_point::max());
        auto [ec] = co_await drain_wake_.async_wait(kTuple);
        (void)ec;
    }
}

void BoshSession::close_after_write() {
    closing_ = true;
    read_closed_ = true;
    read_wake_.cancel();
    schedule_flush();
}

void BoshSession::close() {
    close_after_write();
}

}  // namespace parley::mod::bosh
