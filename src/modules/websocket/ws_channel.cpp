// RFC 7395 client streams over Beast WebSocket streams (ws_channel.hpp).
#include "modules/websocket/ws_channel.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <spdlog/spdlog.h>

#include "modules/websocket/framing.hpp"

namespace parley::mod::websocket {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bws = beast::websocket;

namespace {
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kReadChunk = 16 * 1024;    // bytes taken from the socket per read
constexpr std::size_t kKeepBuffer = 4 * 1024;    // a read buffer larger than this is given back

bool all_whitespace(std::string_view s) {
    return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}
}  // namespace

template <class Stream>
WsChannel<Stream>::WsChannel(Ws ws, std::string remote, const ChannelSettings& settings,
                             std::shared_ptr<void> keep)
    : ws_(std::move(ws)),
      executor_(ws_.get_executor()),
      remote_(std::move(remote)),
      settings_(settings),
      keep_(std::move(keep)),
      drained_(executor_) {}

template <class Stream>
asio::awaitable<bool> WsChannel<Stream>::read(std::vector<xml::ParseEvent>& out,
                                              xml::ParseError& error) {
    if (failed_ != xml::ParseError::none) {
        error = failed_;
        co_return false;
    }
    const std::size_t max = settings_.limits.max_stanza_bytes;
    for (;;) {
        if (closed_) {
            co_return false;
        }
        rbuf_.clear();
        bool too_big = false;
        // One message, read in chunks so that no more than the stanza limit
        // (and one chunk) is ever held: a longer one is refused with
        // policy-violation before the rest of it is read (RFC 7395 §3.3.3).
        do {
            const std::size_t room = std::min(kReadChunk, max + 1 - rbuf_.size());
            auto [ec, n] = co_await ws_.async_read_some(rbuf_, room, kTuple);
            if (ec) {
                if (ec != bws::error::closed && ec != asio::error::operation_aborted) {
                    spdlog::debug("websocket {}: read ended: {}", remote_, ec.message());
                }
                closed_ = true;
                wake_drainers();
                co_return false;
            }
            if (rbuf_.size() > max) {
                too_big = true;
                break;
            }
        } while (!ws_.is_message_done());
        if (too_big) {
            failed_ = error = xml::ParseError::too_big;
            co_return true;
        }
        if (!ws_.got_text()) {
            // RFC 7395 §3.2: XMPP messages are text frames. Like Prosody's
            // mod_websocket, refuse a binary one with close code 1003.
            spdlog::info("websocket {}: binary message refused", remote_);
            closed_ = true;
            out_.clear();
            queued_ = 0;
            auto [ec] = co_await ws_.async_close(bws::close_reason(bws::close_code::unknown_data),
                                                 kTuple);
            (void)ec;
            wake_drainers();
            co_return false;
        }
        const auto data = rbuf_.cdata();
        std::string_view text(static_cast<const char*>(data.data()), data.size());
        if (all_whitespace(text)) {
            continue;  // a whitespace keepalive carries no element
        }
        const std::size_t before = out.size();
        const xml::ParseError err = message_to_events(text, settings_.limits, header_due_, out);
        if (out.size() > before && std::holds_alternative<xml::StreamOpen>(out.back())) {
            header_due_ = false;
        }
        if (rbuf_.capacity() > kKeepBuffer) {
            rbuf_.clear();
            rbuf_.shrink_to_fit();
        }
        if (err != xml::ParseError::none) {
            failed_ = error = err;
        }
        co_return true;
    }
}

template <class Stream>
void WsChannel<Stream>::write_header(const xml::Element& header) {
    send(open_message(header));
}

template <class Stream>
void WsChannel<Stream>::write(const xml::Element& e) {
    send(element_message(e));
}

template <class Stream>
void WsChannel<Stream>::write_prepared(const xml::Element& stanza, const xml::Prepared& bytes,
                                       std::string_view to) {
    (void)stanza;
    send(prepared_message(bytes, to));
}

template <class Stream>
void WsChannel<Stream>::write_close() {
    send(close_message());
}

template <class Stream>
void WsChannel<Stream>::send(std::string message) {
    if (closed_ || close_after_write_) {
        return;
    }
    queued_ += message.size();
    out_.push_back(std::move(message));
    start_writer();
}

template <class Stream>
void WsChannel<Stream>::start_writer() {
    if (writing_) {
        return;
    }
    writing_ = true;
    // The completion handler keeps the channel alive while the loop runs.
    asio::co_spawn(executor_, write_loop(), [self = this->shared_from_this()](std::exception_ptr e) {
        if (e) {
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                spdlog::error("websocket {}: writer failed: {}", self->remote_, ex.what());
            }
        }
    });
}

// Writes the queue one message at a time (each its own text message, §3.3.1),
// then, when asked, the WebSocket closing handshake (§3.6).
template <class Stream>
asio::awaitable<void> WsChannel<Stream>::write_loop() {
    while (!out_.empty() && !closed_) {
        std::string msg = std::move(out_.front());
        out_.pop_front();
        ws_.text(true);
        auto [ec, n] = co_await ws_.async_write(asio::buffer(msg), kTuple);
        queued_ -= std::min(queued_, msg.size());
        if (ec) {
            spdlog::debug("websocket {}: write failed: {}", remote_, ec.message());
            close();
        }
    }
    if (close_after_write_ && !closed_) {
        closed_ = true;
        // Sends the close frame and waits (Beast's close timeout) for the
        // client's; a pending read then ends.
        auto [ec] = co_await ws_.async_close(bws::close_reason(bws::close_code::normal), kTuple);
        (void)ec;
        beast::get_lowest_layer(ws_).close();
    }
    writing_ = false;
    wake_drainers();
}

template <class Stream>
void WsChannel<Stream>::wake_drainers() {
    drained_.cancel();
}

template <class Stream>
asio::awaitable<void> WsChannel<Stream>::drain() {
    while (writing_ && !closed_) {
        drained_.expires_at(asio::steady_timer::time_point::max());
        auto [ec] = co_await drained_.async_wait(kTuple);
        (void)ec;
    }
}

template <class Stream>
void WsChannel<Stream>::close_after_write() {
    if (closed_ || close_after_write_) {
        return;
    }
    close_after_write_ = true;
    start_writer();
}

template <class Stream>
void WsChannel<Stream>::close() {
    if (closed_) {
        return;
    }
    closed_ = true;
    out_.clear();
    queued_ = 0;
    beast::get_lowest_layer(ws_).close();  // ends the pending read and write
    wake_drainers();
}

template <class Stream>
SSL* WsChannel<Stream>::ssl() const {
    if constexpr (kTls) {
        return const_cast<Ws&>(ws_).next_layer().native_handle();
    } else {
        return nullptr;
    }
}

template <class Stream>
void WsChannel<Stream>::release_idle_memory() {
    if (rbuf_.size() == 0) {
        rbuf_.shrink_to_fit();
    }
}

template class WsChannel<http::PlainStream>;
template class WsChannel<http::TlsStream>;

}  // namespace parley::mod::websocket
