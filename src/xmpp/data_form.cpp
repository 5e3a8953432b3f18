// XEP-0004 Data Forms v2.13.1: §3.1 form types, §3.2 fields, §3.3 field types.
#include "xmpp/data_form.hpp"

#include "xmpp/ns.hpp"

namespace parley::xmpp::form {

xml::ElementPtr build(std::string_view type, std::string_view title, std::string_view instructions,
                      const std::vector<Field>& fields) {
    const std::string xns(ns::data_forms);
    auto x = xml::Element::make("x", xns);
    x->set_attr("type", std::string(type));
    if (!title.empty()) {
        x->add_text_child("title", xns, std::string(title));
    }
    if (!instructions.empty()) {
        x->add_text_child("instructions", xns, std::string(instructions));
    }
    for (const auto& f : fields) {
        auto& field = x->add("field", xns);
        if (!f.var.empty()) {
            field.set_attr("var", f.var);
        }
        if (!f.type.empty()) {
            field.set_attr("type", f.type);
        }
        if (!f.label.empty()) {
            field.set_attr("label", f.label);
        }
        for (const auto& v : f.values) {
            field.add_text_child("value", xns, v);
        }
        for (const auto& o : f.options) {
            auto& option = field.add("option", xns);
            if (!o.label.empty()) {
                option.set_attr("label", o.label);
            }
            option.add_text_child("value", xns, o.value);
        }
    }
    return x;
}

const std::vector<std::string>* Submitted::find(std::string_view var) const {
    for (const auto& [name, values] : fields) {
        if (name == var) {
            return &values;
        }
    }
    return nullptr;
}

Result<Submitted, StanzaError> parse(const xml::Element& x) {
    if (!x.is("x", ns::data_forms)) {
        return fail(StanzaError(Condition::bad_request, "Expected a jabber:x:data form"));
    }
    Submitted out;
    out.type = std::string(x.attr_or("type"));
    if (out.type != "submit" && out.type != "cancel" && out.type != "form" &&
        out.type != "result") {
        return fail(StanzaError(Condition::bad_request, "Invalid data form type"));
    }
    for (const auto* field : x.children("field", ns::data_forms)) {
        auto var = field->attr("var");
        if (!var || var->empty()) {
            if (field->attr_or("type") == "fixed") {
                continue;  // §3.2: a fixed field needs no var and carries no data
            }
            return fail(StanzaError(Condition::bad_request, "A form field has no var"));
        }
        if (out.find(*var) != nullptr) {
            return fail(StanzaError(Condition::bad_request, "Duplicate form field"));
        }
        std::vector<std::string> values;
        for (const auto* v : field->children("value", ns::data_forms)) {
            values.push_back(v->text());
        }
        out.fields.emplace_back(std::string(*var), std::move(values));
    }
    return out;
}

std::optional<bool> parse_boolean(std::string_view s) {
    if (s == "1" || s == "true") {
        return true;
    }
    if (s == "0" || s == "false") {
        return false;
    }
    return std::nullopt;
}

}  // namespace parley::xmpp::form
