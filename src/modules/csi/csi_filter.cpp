#include "modules/csi/csi_filter.hpp"

#include <algorithm>

#include "xmpp/ns.hpp"

namespace parley::mod::csi {

Importance classify(const xml::Element& stanza) {
    const auto type = stanza.attr_or("type");
    if (stanza.name() == "presence") {
        // Availability changes wait; subscription management does not (RFC 6121 §3).
        return type.empty() || type == "unavailable" ? Importance::can_wait : Importance::urgent;
    }
    if (stanza.name() != "message") {
        return Importance::neutral;
    }
    bool chat_state = false;
    for (const auto* child : stanza.children()) {
        if (child->name() == "body" || child->name() == "subject" || child->name() == "encrypted") {
            return Importance::urgent;
        }
        chat_state = chat_state || child->ns() == ns::chatstates;
    }
    return chat_state ? Importance::can_wait : Importance::urgent;
}

bool Filter::hold(Session& session, const xml::ElementRef& stanza) {
    if (!inactive_) {
        return false;
    }
    switch (classify(*stanza)) {
        case Importance::neutral:
            return false;
        case Importance::urgent:
            release(session);
            return false;
        case Importance::can_wait:
            break;
    }
    if (stanza->name() == "presence") {
        // Only the newest presence of each sender matters.
        const auto from = stanza->attr_or("from");
        std::erase_if(held_, [&](const xml::ElementRef& h) {
            return h->name() == "presence" && h->attr_or("from") == from;
        });
    }
    held_.push_back(stanza);
    if (held_.size() > kMaxHeld) {
        release(session);
    }
    return true;
}

void Filter::set_inactive(Session& session, bool inactive) {
    inactive_ = inactive;
    if (!inactive) {
        release(session);  // XEP-0352 §4: the client is back: everything now
    }
}

void Filter::release(Session& session) {
    auto held = std::move(held_);
    held_.clear();
    for (const auto& stanza : held) {
        session.deliver_unfiltered(stanza);
    }
}

}  // namespace parley::mod::csi
