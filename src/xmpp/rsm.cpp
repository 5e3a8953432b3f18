// XEP-0059 Result Set Management v1.0: §2.1-§2.6.
#include "xmpp/rsm.hpp"

#include <charconv>
#include <string_view>

#include "xmpp/ns.hpp"

namespace parley::xmpp::rsm {

namespace {

std::optional<std::size_t> parse_count(std::string_view s) {
    std::size_t v = 0;
    const auto* end = s.data() + s.size();
    auto [p, ec] = std::from_chars(s.data(), end, v);
    if (s.empty() || ec != std::errc() || p != end) {
        return std::nullopt;
    }
    return v;
}

}  // namespace

Result<Request, StanzaError> parse(const xml::Element& set) {
    Request r;
    if (auto max = set.child_text("max", ns::rsm)) {
        r.max = parse_count(*max);
        if (!r.max) {
            return fail(StanzaError(Condition::bad_request, "RSM <max/> is not a number"));
        }
    }
    if (auto index = set.child_text("index", ns::rsm)) {
        r.index = parse_count(*index);
        if (!r.index) {
            return fail(StanzaError(Condition::bad_request, "RSM <index/> is not a number"));
        }
    }
    if (auto after = set.child_text("after", ns::rsm)) {
        if (after->empty()) {
            return fail(StanzaError(Condition::bad_request, "RSM <after/> needs an item id"));
        }
        r.after = std::move(*after);
    }
    r.before = set.child_text("before", ns::rsm);
    return r;
}

xml::ElementPtr build(const Reply& reply) {
    const std::string rns(ns::rsm);
    auto set = xml::Element::make("set", rns);
    if (reply.first) {
        auto& first = set->add("first", rns);
        if (reply.first_index) {
            first.set_attr("index", std::to_string(*reply.first_index));
        }
        first.add_text(*reply.first);
    }
    if (reply.last) {
        set->add_text_child("last", rns, *reply.last);
    }
    if (reply.count) {
        set->add_text_child("count", rns, std::to_string(*reply.count));
    }
    return set;
}

}  // namespace parley::xmpp::rsm
