// XEP-0280 Message Carbons v1.0.1: §6 eligible messages, §7 <private/>,
// §8 received copies, §9 sent copies; XEP-0334 Message Processing Hints
// v0.3.0 §4 <no-copy/>.
#include "modules/carbons/carbon_copy.hpp"

#include "xmpp/forward.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod::carbons {

bool eligible(const xml::Element& message) {
    const auto type = message.attr_or("type");
    if (type == "chat") {
        // eligible by type
    } else if (type.empty() || type == "normal") {
        if (message.child("body", message.ns()) == nullptr) {
            return false;
        }
    } else {
        return false;  // groupchat, headline, error
    }
    for (const auto* child : message.children()) {
        if (child->ns() == ns::carbons) {
            return false;  // <private/>, or <sent/>/<received/>: never copy a copy
        }
        if (child->is("no-copy", ns::hints)) {
            return false;
        }
        if (child->is("x", ns::muc_user)) {
            return false;  // a MUC private message (§6: not from a MUC room or service)
        }
    }
    return true;
}

xml::ElementPtr make_copy(Direction d, const xml::ElementRef& original,
                          const std::string& owner_bare, const std::string& to_full) {
    auto copy = xml::Element::make("message", std::string(ns::client));
    copy->set_attr("from", owner_bare);
    copy->set_attr("to", to_full);
    if (auto type = original->attr("type")) {
        copy->set_attr("type", std::string(*type));  // "SHOULD maintain the same 'type'"
    }
    auto& wrapper =
        copy->add(d == Direction::sent ? "sent" : "received", std::string(ns::carbons));
    wrapper.add_child(xmpp::make_forwarded(original));
    return copy;
}

xml::ElementRef without_private(const xml::ElementRef& message) {
    if (message->child("private", ns::carbons) == nullptr) {
        return message;
    }
    auto copy = message->shallow_copy();
    copy->remove_children("private", ns::carbons);
    return copy;
}

}  // namespace parley::mod::carbons
