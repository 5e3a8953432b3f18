// A MAM query and its answer (XEP-0313 v0.8.0 §4): the <query/> a client sends
// (data form filters §4.1, RSM §4.3, <flip-page/> §4.3.4) read into an
// ArchiveQuery, the form that lists the supported fields (§4.1.5), and the
// <result/> messages and <fin/> of the answer (§4.2, §4.3). Shared by the
// archives of users (modules/mam) and of rooms (modules/muc). Values and one
// coroutine over the ArchiveStore; any thread.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "storage/stores.hpp"
#include "xml/element.hpp"
#include "xmpp/stanza_error.hpp"

namespace parley::mod::mam {

struct Request {
    storage::ArchiveQuery query;
    std::string queryid;  // echoed in every <result/> (§4); may be empty
    bool flip = false;    // §4.3.4: send the page newest first
};

struct Limits {
    std::size_t default_page = 50;  // when the client gives no RSM <max/>
    std::size_t max_page = 250;     // a larger <max/> (or more 'ids') is cut to this
};

// Reads <query xmlns='urn:xmpp:mam:2'>. Errors: bad-request for a form of
// another FORM_TYPE, an unparsable 'with' (jid-malformed), 'start' or 'end'
// (XEP-0082 DateTime), or bad RSM; feature-not-implemented for a field this
// server does not know (§4.1.5 "MUST") or an RSM <index/> (XEP-0059 §2.4).
Result<Request, xmpp::StanzaError> parse_query(const xml::Element& query, const Limits& limits);

// §4.1.5: <query><x type='form'> with every supported field.
xml::ElementPtr query_form();

// §4.2: <message to='to' from='archive'><result queryid id><forwarded>
// <delay stamp/>stored message</forwarded></result></message>.
xml::ElementPtr result_message(const storage::ArchiveEntry& entry, const xml::ElementRef& stored,
                               const std::string& archive, const std::string& to,
                               const std::string& queryid);

// §4.3: <fin xmlns='urn:xmpp:mam:2' [complete='true']> with the RSM <set/>
// naming the page's first and last items (chronological order).
xml::ElementPtr fin(const storage::ArchivePage& page);

// §5: <metadata xmlns='urn:xmpp:mam:2'> with <start/> and <end/> (id and
// timestamp) of a non-empty archive.
xml::ElementPtr metadata(const std::optional<std::pair<storage::ArchiveEntry,
                                                       storage::ArchiveEntry>>& ends);

// The whole answer to `request` on `archive`'s archive: the <result/>
// messages for `to`, in the order to send them (flipped when asked, §4.3.4),
// then the <fin/> for the iq result.
struct Answer {
    std::vector<xml::ElementPtr> results;
    xml::ElementPtr fin;
};
// Errors: item-not-found when an id the query names is not in the archive
// (§4.1.3, §4.3.2); internal-server-error when the store fails. `problem`
// receives what went wrong for the log (also an unparsable stored message,
// which is skipped). Arguments are references the caller keeps alive.
boost::asio::awaitable<Result<Answer, xmpp::StanzaError>> answer(
    storage::ArchiveStore& store, const std::string& archive, const Request& request,
    const std::string& to, std::string& problem);

}  // namespace parley::mod::mam
