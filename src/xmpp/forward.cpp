// XEP-0297 Stanza Forwarding v1.0 §3.
#include "xmpp/forward.hpp"

#include "xmpp/ns.hpp"

namespace parley::xmpp {

xml::ElementPtr make_forwarded(const xml::ElementRef& stanza, std::string_view delay_stamp) {
    auto fwd = xml::Element::make("forwarded", std::string(ns::forward));
    if (!delay_stamp.empty()) {
        fwd->add("delay", std::string(ns::delay)).set_attr("stamp", std::string(delay_stamp));
    }
    // shallow_copy shares the children: the wrapper costs one element, not a
    // copy of the message.
    fwd->add_child(stanza->shallow_copy());
    return fwd;
}

const xml::Element* forwarded_stanza(const xml::Element& forwarded) {
    for (const auto* child : forwarded.children()) {
        if (!child->is("delay", ns::delay)) {
            return child;
        }
    }
    return nullptr;
}

}  // namespace parley::xmpp
