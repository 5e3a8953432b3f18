// Session: what the router and modules see of a connected, authenticated
// entity (a client resource, later an s2s link or a component). The
// concrete session classes live in stream/.
//
// Thread safety: a session lives on one worker thread for its whole life
// (DESIGN.md "Threads and memory"). Every method except id(), jid() and
// executor() must be called on executor(); other threads reach a session by
// posting to that executor (Router::deliver does that). jid() is set once at
// resource binding, before the session is published to the registry, and not
// changed after.
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include <any>
#include <memory>
#include <string>
#include <typeindex>
#include <unordered_map>

#include "xml/element.hpp"
#include "xml/prepared.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/stanza_error.hpp"

namespace parley {

class Session : public std::enable_shared_from_this<Session> {
public:
    virtual ~Session() = default;

    const std::string& id() const { return id_; }       // for logs: "c2s-42"
    const xmpp::Jid& jid() const { return jid_; }       // full JID once bound
    boost::asio::any_io_executor executor() const { return executor_; }

    // Writes a stanza to this session's stream (serialised in the stream's
    // content namespace). Never blocks; the write is queued.
    virtual void deliver(const xml::ElementRef& stanza) = 0;
    // The same stanza, prepared once for many recipients (xml/prepared.hpp):
    // `stanza` is this recipient's copy (with its 'to'), `bytes` the shared
    // serialization without it. The default serializes `stanza`; a session
    // whose stream uses bytes.content_ns writes the shared bytes instead.
    virtual void deliver_prepared(const xml::ElementRef& stanza, const xml::Prepared& bytes) {
        (void)bytes;
        deliver(stanza);
    }
    // Sends a stream error and closes the stream.
    virtual void close(xmpp::StreamError err) = 0;
    virtual bool secure() const = 0;
    // The peer's IP address ("" when not a network connection), for logs and
    // per-address limits.
    virtual std::string remote_address() const { return {}; }

    // A module may hold back stanzas on their way to a client (XEP-0352 client
    // state indication): hold() runs on the session's thread for every
    // stanza delivered to it and returns true to keep it; the filter later
    // writes what it kept with deliver_unfiltered(). One filter per session.
    class DeliveryFilter {
    public:
        virtual ~DeliveryFilter() = default;
        virtual bool hold(Session& session, const xml::ElementRef& stanza) = 0;
    };
    void set_delivery_filter(std::shared_ptr<DeliveryFilter> f) { filter_ = std::move(f); }
    // deliver() without the filter. Sessions that are not client streams
    // have no filter: the default is deliver().
    virtual void deliver_unfiltered(const xml::ElementRef& stanza) { deliver(stanza); }

    // Per-session data for a module: a typed slot (STYLE.md b.3), created
    // empty on first use. e.g. session.ext<CarbonsState>().enabled = true;
    template <class T>
    T& ext() {
        auto& slot = ext_[std::type_index(typeid(T))];
        if (!slot.has_value()) {
            slot = std::make_shared<T>();
        }
        return *std::any_cast<std::shared_ptr<T>&>(slot);
    }

protected:
    Session(std::string id, boost::asio::any_io_executor ex)
        : id_(std::move(id)), executor_(std::move(ex)) {}
    void set_jid(xmpp::Jid j) { jid_ = std::move(j); }
    DeliveryFilter* filter() const { return filter_.get(); }

    // The modules' slots, handed from a session to the one that resumes it
    // (XEP-0198 §5): the resumed session is the same session to modules.
    using ExtSlots = std::unordered_map<std::type_index, std::any>;
    ExtSlots take_ext() { return std::move(ext_); }
    void set_ext(ExtSlots slots) { ext_ = std::move(slots); }
    std::shared_ptr<DeliveryFilter> take_filter() { return std::move(filter_); }

private:
    std::string id_;
    xmpp::Jid jid_;
    boost::asio::any_io_executor executor_;
    ExtSlots ext_;
    std::shared_ptr<DeliveryFilter> filter_;
};

using SessionPtr = std::shared_ptr<Session>;

}  // namespace parley
