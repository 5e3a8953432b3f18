// The part of XEP-0004 Data Forms v2.13.1 that modules need (MUC
// configuration, MAM queries): building a form (§3.1-§3.3) and reading the
// values of a submitted one (§3.1, §3.3). Pure functions on values; safe from
// any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "xml/element.hpp"
#include "xmpp/stanza_error.hpp"

namespace parley::xmpp::form {

struct Option {
    std::string label;
    std::string value;
};

// One <field/> (XEP-0004 §3.2): var may be empty only for type 'fixed'.
struct Field {
    std::string var;
    std::string type;  // "boolean", "text-single", "list-single", ...
    std::string label;
    std::vector<std::string> values;
    std::vector<Option> options;
};

// <x xmlns='jabber:x:data' type='...'> with <title/> and <instructions/> when
// not empty, then the fields in order.
xml::ElementPtr build(std::string_view type, std::string_view title, std::string_view instructions,
                      const std::vector<Field>& fields);

// A form as submitted: its type and each field's values, in document order.
struct Submitted {
    std::string type;  // "submit", "cancel", "form" or "result"
    std::vector<std::pair<std::string, std::vector<std::string>>> fields;

    // The values of field `var`, or nullptr when the form has no such field.
    const std::vector<std::string>* find(std::string_view var) const;
};

// Reads <x xmlns='jabber:x:data'/>. bad-request when the element is not a data
// form, its type is not one of the four of §3.1, a field has no var, or a var
// appears twice (§3.2: "the 'var' attribute ... MUST be unique").
Result<Submitted, StanzaError> parse(const xml::Element& x);

// XEP-0004 §3.3 boolean: "0"/"false" or "1"/"true"; nullopt for anything else.
std::optional<bool> parse_boolean(std::string_view s);

}  // namespace parley::xmpp::form
