// XEP-0115 v1.6 §5.4 / §6.2: verifying and caching entity capabilities.
#include "modules/pep/caps_cache.hpp"

#include <algorithm>
#include <tuple>

#include "modules/disco/caps.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod::pep {

std::optional<CapsRef> caps_of(const xml::Element& presence) {
    const xml::Element* c = presence.child("c", ns::caps);
    if (!c) {
        return std::nullopt;
    }
    CapsRef ref{std::string(c->attr_or("hash")), std::string(c->attr_or("node")),
                std::string(c->attr_or("ver"))};
    if (ref.ver.empty() || ref.node.empty()) {
        return std::nullopt;
    }
    return ref;
}

std::string sha1_ver_of_info(const xml::Element& query) {
    std::vector<disco::CapsIdentity> ids;
    std::vector<std::string> features;
    std::vector<disco::CapsForm> forms;
    for (const auto* e : query.children("identity", ns::disco_info)) {
        ids.push_back({std::string(e->attr_or("category")), std::string(e->attr_or("type")),
                       std::string(e->attr_or("xml:lang")), std::string(e->attr_or("name"))});
    }
    for (const auto* e : query.children("feature", ns::disco_info)) {
        features.emplace_back(e->attr_or("var"));
    }
    for (const auto* x : query.children("x", ns::data_forms)) {
        disco::CapsForm form;
        bool has_type = false;
        for (const auto* f : x->children("field", ns::data_forms)) {
            std::vector<std::string> values;
            for (const auto* v : f->children("value", ns::data_forms)) {
                values.push_back(v->text());
            }
            if (f->attr_or("var") == "FORM_TYPE") {
                if (values.size() != 1 || has_type) {
                    return "";  // §5.4 3.5: FORM_TYPE must have one value
                }
                form.form_type = values.front();
                has_type = true;
            } else {
                form.fields.push_back({std::string(f->attr_or("var")), std::move(values)});
            }
        }
        if (!has_type) {
            continue;  // §5.4 3.5: forms without FORM_TYPE are ignored
        }
        forms.push_back(std::move(form));
    }
    // §5.4 3.3-3.4: duplicate identities or features make the answer invalid.
    auto sorted = features;
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
        return "";
    }
    std::set<std::tuple<std::string, std::string, std::string, std::string>> seen;
    for (const auto& id : ids) {
        if (!seen.emplace(id.category, id.type, id.lang, id.name).second) {
            return "";
        }
    }
    return disco::caps_ver_sha1(ids, features, forms);
}

std::set<std::string> features_of_info(const xml::Element& query) {
    std::set<std::string> out;
    for (const auto* e : query.children("feature", ns::disco_info)) {
        out.emplace(e->attr_or("var"));
    }
    return out;
}

CapsCache::Features CapsCache::find(const std::string& ver) const {
    std::lock_guard lock(mu_);
    auto it = map_.find(ver);
    return it == map_.end() ? nullptr : it->second;
}

void CapsCache::insert(const std::string& ver, std::set<std::string> features) {
    auto value = std::make_shared<const std::set<std::string>>(std::move(features));
    std::lock_guard lock(mu_);
    auto [it, added] = map_.insert_or_assign(ver, std::move(value));
    if (!added) {
        return;
    }
    order_.push_back(ver);
    while (map_.size() > capacity_ && !order_.empty()) {
        map_.erase(order_.front());
        order_.pop_front();
    }
}

bool CapsCache::start_query(const std::string& ver) {
    std::lock_guard lock(mu_);
    if (map_.count(ver)) {
        return false;
    }
    return querying_.insert(ver).second;
}

void CapsCache::end_query(const std::string& ver) {
    std::lock_guard lock(mu_);
    querying_.erase(ver);
}

std::size_t CapsCache::size() const {
    std::lock_guard lock(mu_);
    return map_.size();
}

CapsCache& shared_caps_cache(std::size_t capacity) {
    static CapsCache cache(capacity);
    return cache;
}

}  // namespace parley::mod::pep
