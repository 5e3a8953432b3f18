// XEP-0352 Client State Indication: what an inactive client gets later.
// Presence updates and chat-state-only messages wait (a newer presence from
// the same JID replaces the older one); anything important — a message with
// content, a subscription request — first releases what waited, in order,
// then goes out. iqs go out at once without releasing anything.
#pragma once

#include <vector>

#include "core/session.hpp"
#include "xml/element.hpp"

namespace parley::mod::csi {

enum class Importance {
    can_wait,  // held while the client is inactive
    urgent,    // releases what is held, then goes out
    neutral,   // goes out, releases nothing
};
Importance classify(const xml::Element& stanza);

class Filter final : public Session::DeliveryFilter {
public:
    // More held stanzas than this release them all (a bound on memory).
    static constexpr std::size_t kMaxHeld = 500;

    bool hold(Session& session, const xml::ElementRef& stanza) override;
    void set_inactive(Session& session, bool inactive);
    std::size_t held() const { return held_.size(); }

private:
    void release(Session& session);
    bool inactive_ = false;
    std::vector<xml::ElementRef> held_;
};

}  // namespace parley::mod::csi
