#include "router/delivery_rules.hpp"

#include <limits>

namespace parley {

bool is_subscription_type(std::string_view t) {
    return t == "subscribe" || t == "subscribed" || t == "unsubscribe" || t == "unsubscribed";
}

DeliveryDecision message_to_bare(std::string_view type, const std::vector<ResourceEntry>& resources) {
    DeliveryDecision d;
    if (type == "error") {
        return d;  // drop: §8.5.2.1.1, §8.5.2.2.1
    }
    if (type == "groupchat") {
        d.action = Delivery::bounce;
        return d;
    }
    const bool headline = type == "headline";
    int best = std::numeric_limits<int>::min();
    for (const auto& r : resources) {
        if (r.available && r.priority >= 0 && r.priority > best) {
            best = r.priority;
        }
    }
    for (std::size_t i = 0; i < resources.size(); ++i) {
        const auto& r = resources[i];
        if (r.available && r.priority >= 0 && (headline || r.priority == best)) {
            d.targets.push_back(i);
        }
    }
    if (!d.targets.empty()) {
        d.action = Delivery::deliver;
    } else {
        d.action = headline ? Delivery::drop : Delivery::offline;
    }
    return d;
}

Delivery message_to_absent_full(std::string_view type) {
    if (type == "error") {
        return Delivery::drop;
    }
    if (type == "groupchat") {
        return Delivery::bounce;
    }
    return Delivery::as_bare;
}

DeliveryDecision presence_to_bare(std::string_view type, const std::vector<ResourceEntry>& resources) {
    DeliveryDecision d;
    if (type != "" && type != "unavailable" && type != "error") {
        return d;  // probe and subscription types never reach the clients this way
    }
    for (std::size_t i = 0; i < resources.size(); ++i) {
        if (resources[i].available) {
            d.targets.push_back(i);
        }
    }
    d.action = d.targets.empty() ? Delivery::drop : Delivery::deliver;
    return d;
}

Delivery presence_to_absent_full(std::string_view type) {
    return is_subscription_type(type) || type == "probe" ? Delivery::as_bare : Delivery::drop;
}

}  // namespace parley
