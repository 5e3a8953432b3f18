// XEP-0313 Message Archive Management v0.8.0: §4.1 filters (with, start, end;
// before-id, after-id, ids of urn:xmpp:mam:2#extended), §4.1.5 the form of
// supported fields, §4.2 results, §4.3 paging with XEP-0059 and <fin/>,
// §4.3.4 flipped pages.
#include "modules/archive/mam_query.hpp"

#include <algorithm>

#include "xml/stream_parser.hpp"
#include "xmpp/data_form.hpp"
#include "xmpp/datetime.hpp"
#include "xmpp/forward.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/ns.hpp"
#include "xmpp/rsm.hpp"

namespace parley::mod::mam {

using xmpp::Condition;
using xmpp::StanzaError;

namespace {

constexpr std::string_view kValidateNs = "http://jabber.org/protocol/xdata-validate";  // XEP-0122

Result<std::int64_t, StanzaError> parse_time(const std::string& field, const std::string& value) {
    auto t = xmpp::datetime::parse_micros(value);
    if (!t) {
        return fail(StanzaError(Condition::bad_request,
                                "'" + field + "' is not an XEP-0082 DateTime: " + value));
    }
    return *t;
}

// The data form's filters into q (§4.1).
Result<void, StanzaError> apply_form(const xml::Element& x, storage::ArchiveQuery& q) {
    auto form = xmpp::form::parse(x);
    if (!form) {
        return fail(form.error());
    }
    for (const auto& [var, values] : form->fields) {
        const std::string value = values.empty() ? std::string() : values.front();
        if (var == "FORM_TYPE") {
            if (value != ns::mam) {
                return fail(StanzaError(Condition::bad_request, "FORM_TYPE is not urn:xmpp:mam:2"));
            }
        } else if (var == "with") {
            auto jid = xmpp::Jid::parse(value);
            if (!jid) {
                return fail(StanzaError(Condition::jid_malformed, jid.error().reason));
            }
            q.with = jid->bare_str();
            if (!jid->is_bare()) {
                q.with_resource = std::string(jid->resource());
            }
        } else if (var == "start" || var == "end") {
            auto t = parse_time(var, value);
            if (!t) {
                return fail(t.error());
            }
            (var == "start" ? q.start_us : q.end_us) = *t;
        } else if (var == "after-id" || var == "before-id") {
            if (value.empty()) {
                return fail(StanzaError(Condition::bad_request, "'" + var + "' is empty"));
            }
            (var == "after-id" ? q.after_id : q.before_id) = value;
        } else if (var == "ids") {
            q.ids = values;
        } else {
            return fail(StanzaError(Condition::feature_not_implemented,
                                    "unknown query field '" + var + "'"));
        }
    }
    return {};
}

}  // namespace

Result<Request, StanzaError> parse_query(const xml::Element& query, const Limits& limits) {
    Request r;
    r.queryid = std::string(query.attr_or("queryid"));
    auto& q = r.query;
    q.max = limits.default_page;
    if (const auto* x = query.child("x", ns::data_forms)) {
        auto applied = apply_form(*x, q);
        if (!applied) {
            return fail(applied.error());
        }
    }
    if (q.ids.size() > limits.max_page) {
        return fail(StanzaError(Condition::policy_violation,
                                "at most " + std::to_string(limits.max_page) + " ids per query"));
    }
    if (const auto* set = query.child("set", ns::rsm)) {
        auto rsm = xmpp::rsm::parse(*set);
        if (!rsm) {
            return fail(rsm.error());
        }
        if (rsm->index) {
            return fail(StanzaError(Condition::feature_not_implemented,
                                    "RSM <index/> is not supported; page with <after/>/<before/>"));
        }
        if (rsm->max) {
            q.max = std::min(*rsm->max, limits.max_page);
        }
        q.rsm_after = std::move(rsm->after);
        q.rsm_before = std::move(rsm->before);
    }
    r.flip = query.child("flip-page", ns::mam) != nullptr;
    return r;
}

xml::ElementPtr query_form() {
    using xmpp::form::Field;
    const std::string xns(ns::data_forms);
    auto x = xmpp::form::build("form", "", "",
                               {Field{"FORM_TYPE", "hidden", "", {std::string(ns::mam)}, {}},
                                Field{"with", "jid-single", "", {}, {}},
                                Field{"start", "text-single", "", {}, {}},
                                Field{"end", "text-single", "", {}, {}},
                                Field{"before-id", "text-single", "", {}, {}},
                                Field{"after-id", "text-single", "", {}, {}}});
    // §4.1.5: 'ids' is list-multi with an open XEP-0122 validation, and no options.
    auto& ids = x->add("field", xns);
    ids.set_attr("var", "ids");
    ids.set_attr("type", "list-multi");
    auto& validate = ids.add("validate", std::string(kValidateNs));
    validate.set_attr("datatype", "xs:string");
    validate.add("open", std::string(kValidateNs));
    auto query = xml::Element::make("query", std::string(ns::mam));
    query->add_child(std::move(x));
    return query;
}

xml::ElementPtr result_message(const storage::ArchiveEntry& entry, const xml::ElementRef& stored,
                               const std::string& archive, const std::string& to,
                               const std::string& queryid) {
    auto m = xml::Element::make("message", std::string(ns::client));
    m->set_attr("from", archive);
    m->set_attr("to", to);
    auto& result = m->add("result", std::string(ns::mam));
    if (!queryid.empty()) {
        result.set_attr("queryid", queryid);
    }
    result.set_attr("id", entry.id);
    result.add_child(
        xmpp::make_forwarded(stored, xmpp::datetime::format_utc_micros(entry.timestamp_us)));
    return m;
}

xml::ElementPtr fin(const storage::ArchivePage& page) {
    auto f = xml::Element::make("fin", std::string(ns::mam));
    if (page.complete) {
        f->set_attr("complete", "true");
    }
    xmpp::rsm::Reply reply;
    if (!page.items.empty()) {
        reply.first = page.items.front().id;
        reply.last = page.items.back().id;
    }
    f->add_child(xmpp::rsm::build(reply));
    return f;
}

xml::ElementPtr metadata(
    const std::optional<std::pair<storage::ArchiveEntry, storage::ArchiveEntry>>& ends) {
    const std::string mns(ns::mam);
    auto md = xml::Element::make("metadata", mns);
    if (ends) {
        for (const auto& [name, e] : {std::pair{"start", ends->first},
                                      std::pair{"end", ends->second}}) {
            auto& el = md->add(name, mns);
            el.set_attr("id", e.id);
            el.set_attr("timestamp", xmpp::datetime::format_utc_micros(e.timestamp_us));
        }
    }
    return md;
}

boost::asio::awaitable<Result<Answer, StanzaError>> answer(storage::ArchiveStore& store,
                                                           const std::string& archive,
                                                           const Request& request,
                                                           const std::string& to,
                                                           std::string& problem) {
    auto page = co_await store.query(archive, request.query);
    if (!page) {
        problem = "query on the archive of " + archive + " failed: " + page.error().message;
        co_return fail(StanzaError(Condition::internal_server_error));
    }
    if (!page->has_value()) {
        co_return fail(StanzaError(Condition::item_not_found,
                                   "no such message id in this archive"));  // §4.1.3
    }
    const auto& items = (*page)->items;
    Answer a;
    a.results.reserve(items.size());
    for (std::size_t i = 0; i < items.size(); ++i) {
        const auto& e = request.flip ? items[items.size() - 1 - i] : items[i];
        xml::ElementRef stored = xml::parse_element(e.stanza);
        if (!stored) {
            problem = "archived message " + e.id + " of " + archive + " cannot be parsed";
            continue;
        }
        a.results.push_back(result_message(e, stored, archive, to, request.queryid));
    }
    a.fin = fin(**page);
    co_return a;
}

}  // namespace parley::mod::mam
