// XEP-0115 Entity Capabilities v1.6 §6.2 processing for PEP's filtered
// notifications (XEP-0163 §4): the <c/> of a presence, the verification of a
// disco#info answer against its 'ver' (§5.4), and a bounded cache ver ->
// feature set shared by every host (a 'ver' names the same software
// everywhere). CapsCache is thread-safe (one mutex, held for a look-up).
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "xml/element.hpp"

namespace parley::mod::pep {

// <c xmlns='http://jabber.org/protocol/caps' hash node ver/> (§4).
struct CapsRef {
    std::string hash;
    std::string node;
    std::string ver;
};
std::optional<CapsRef> caps_of(const xml::Element& presence);

// §5.4 step 3.6: the SHA-1 'ver' of a disco#info <query/> (identities,
// features, XEP-0128 forms), "" when the answer is malformed (§5.4 3.3-3.5:
// a duplicate identity or feature, a form without FORM_TYPE).
std::string sha1_ver_of_info(const xml::Element& query);
// The features of a disco#info <query/>.
std::set<std::string> features_of_info(const xml::Element& query);

class CapsCache {
public:
    using Features = std::shared_ptr<const std::set<std::string>>;
    explicit CapsCache(std::size_t capacity) : capacity_(capacity) {}

    Features find(const std::string& ver) const;
    // Adds (or refreshes) a verified ver; the oldest entry goes when full.
    void insert(const std::string& ver, std::set<std::string> features);
    // true for the first caller asking about `ver`, which then queries and
    // calls end_query(); false while that query is in flight.
    bool start_query(const std::string& ver);
    void end_query(const std::string& ver);
    std::size_t size() const;

private:
    std::size_t capacity_;
    mutable std::mutex mu_;
    std::unordered_map<std::string, Features> map_;  // GUARDED_BY(mu_)
    std::deque<std::string> order_;                  // GUARDED_BY(mu_): insertion order
    std::unordered_set<std::string> querying_;       // GUARDED_BY(mu_)
};

// The process-wide cache (every host, every PEP module instance); the first
// call fixes its capacity.
CapsCache& shared_caps_cache(std::size_t capacity);

}  // namespace parley::mod::pep
