// See prepared.hpp. The split is made on the serializer's own output, so the
// bytes are the serializer's (escaping included); only 'to' is added here,
// escaped by the serializer's escape_attr.
#include "xml/prepared.hpp"

#include "xml/serializer.hpp"

namespace parley::xml {

PreparedRef prepare(ElementRef element, std::string_view content_ns) {
    if (!element || element->attr("to")) {
        return nullptr;
    }
    std::string text;
    serialize(*element, text, {content_ns});
    auto p = std::make_shared<Prepared>();
    const std::size_t name_end = 1 + element->name().size();  // after "<name"
    p->head = text.substr(0, name_end);
    p->tail = text.substr(name_end);
    p->content_ns = std::string(content_ns);
    p->element = std::move(element);
    return p;
}

void write_addressed(const Prepared& p, std::string_view to, std::string& out) {
    out += p.head;
    out += " to=\"";
    escape_attr(to, out);
    out += '"';
    out += p.tail;
}

}  // namespace parley::xml
