// XEP-0045 Multi-User Chat v1.35.5: §7.2.13 discussion history, §7.2.14
// managing discussion history. XEP-0203 Delayed Delivery v2.0 §2 (the stamp).
// XEP-0082 XMPP Date and Time Profiles v1.1.1 §3.2 (the 'since' attribute).
#include "modules/muc/history.hpp"

#include <algorithm>
#include <charconv>

#include "modules/time/datetime.hpp"
#include "xml/serializer.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod::muc {

namespace {

std::optional<std::size_t> parse_count(std::optional<std::string_view> s) {
    if (!s) {
        return std::nullopt;
    }
    std::size_t v = 0;
    const auto* end = s->data() + s->size();
    auto [p, ec] = std::from_chars(s->data(), end, v);
    if (s->empty() || ec != std::errc() || p != end) {
        return std::nullopt;
    }
    return v;
}

// UTF-8 characters: every byte that is not a continuation byte starts one.
std::size_t count_chars(std::string_view s) {
    return static_cast<std::size_t>(std::count_if(
        s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// Reads exactly `n` decimal digits at `pos`.
std::optional<int> digits(std::string_view s, std::size_t pos, std::size_t n) {
    if (pos + n > s.size()) {
        return std::nullopt;
    }
    int v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        if (s[i] < '0' || s[i] > '9') {
            return std::nullopt;
        }
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

}  // namespace

HistoryRequest parse_history_request(const xml::Element* history) {
    HistoryRequest r;
    if (history == nullptr) {
        return r;
    }
    r.max_chars = parse_count(history->attr("maxchars"));
    r.max_stanzas = parse_count(history->attr("maxstanzas"));
    if (auto s = parse_count(history->attr("seconds"))) {
        // A century is "everything"; larger values would overflow now - seconds.
        constexpr std::size_t kCentury = 100ull * 366 * 24 * 3600;
        r.seconds = std::chrono::seconds(
            static_cast<std::chrono::seconds::rep>(std::min<std::size_t>(*s, kCentury)));
    }
    if (auto since = history->attr("since")) {
        r.since = parse_datetime(*since);
    }
    return r;
}

std::optional<TimePoint> parse_datetime(std::string_view s) {
    // CCYY-MM-DDThh:mm:ss
    if (s.size() < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
        s[16] != ':') {
        return std::nullopt;
    }
    auto y = digits(s, 0, 4), mo = digits(s, 5, 2), d = digits(s, 8, 2);
    auto h = digits(s, 11, 2), mi = digits(s, 14, 2), sec = digits(s, 17, 2);
    if (!y || !mo || !d || !h || !mi || !sec || *mo < 1 || *mo > 12 || *h > 23 || *mi > 59 ||
        *sec > 60) {
        return std::nullopt;
    }
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const int month_days = kDays[*mo - 1] + (*mo == 2 && leap(*y) ? 1 : 0);
    if (*d < 1 || *d > month_days) {
        return std::nullopt;
    }
    std::size_t pos = 19;
    if (s[pos] == '.') {  // fractional seconds: any number of digits, ignored
        ++pos;
        const std::size_t start = pos;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            ++pos;
        }
        if (pos == start) {
            return std::nullopt;
        }
    }
    long offset = 0;  // seconds east of UTC
    if (pos < s.size() && s[pos] == 'Z' && pos + 1 == s.size()) {
        offset = 0;
    } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-') && pos + 6 == s.size() &&
               s[pos + 3] == ':') {
        auto oh = digits(s, pos + 1, 2), om = digits(s, pos + 4, 2);
        if (!oh || !om || *oh > 23 || *om > 59) {
            return std::nullopt;
        }
        offset = (*oh * 60L + *om) * 60L * (s[pos] == '-' ? -1 : 1);
    } else {
        return std::nullopt;
    }
    using namespace std::chrono;
    const sys_days day = year_month_day{year{*y}, month{static_cast<unsigned>(*mo)},
                                        std::chrono::day{static_cast<unsigned>(*d)}};
    const sys_seconds t = day + hours(*h) + minutes(*mi) + seconds(*sec) - seconds(offset);
    // Clock::duration may be too narrow for the four-digit years XEP-0082
    // allows (nanoseconds span 1678-2262): clamp instead of overflowing, which
    // keeps "since" meaning "everything" or "nothing".
    const auto lo = time_point_cast<seconds>(TimePoint::min()) + seconds(1);
    const auto hi = time_point_cast<seconds>(TimePoint::max()) - seconds(1);
    if (t < lo) {
        return TimePoint::min();
    }
    if (t > hi) {
        return TimePoint::max();
    }
    return time_point_cast<Clock::duration>(t);
}

void History::set_capacity(std::size_t capacity) {
    capacity_ = capacity;
    while (entries_.size() > capacity_) {
        entries_.pop_front();
    }
}

void History::append(const xml::Element& message, const xmpp::Jid& room, TimePoint now) {
    if (capacity_ == 0) {
        return;
    }
    auto copy = message.shallow_copy();
    copy->remove_attr("to");
    const std::string delay_ns(ns::delay);
    // Drop a <delay/> claiming to be the room's (a client could forge one);
    // a sender's own delay (§7.9 history of a one-to-one chat) stays.
    bool forged = false;
    for (const auto* child : copy->children("delay", delay_ns)) {
        forged = forged || child->attr_or("from") == room.str();
    }
    if (forged) {
        auto cleaned = xml::Element::make(copy->name(), copy->ns());
        for (const auto& a : copy->attributes()) {
            cleaned->set_attr(a.name, a.value);
        }
        for (const auto& node : copy->nodes()) {
            if (const auto* child = std::get_if<xml::ElementPtr>(&node)) {
                if ((*child)->is("delay", delay_ns) && (*child)->attr_or("from") == room.str()) {
                    continue;
                }
                cleaned->add_child(*child);
            } else {
                cleaned->add_text(std::get<std::string>(node));
            }
        }
        copy = cleaned;
    }
    auto& delay = copy->add("delay", delay_ns);
    delay.set_attr("from", room.str());
    delay.set_attr("stamp", datetime::format_utc(now));
    const std::size_t chars = count_chars(xml::to_string(*copy, {ns::client}));
    entries_.push_back(Entry{std::move(copy), now, chars});
    while (entries_.size() > capacity_) {
        entries_.pop_front();
    }
}

std::vector<xml::ElementRef> History::select(const HistoryRequest& request, TimePoint now) const {
    std::size_t first = 0;  // index of the oldest entry to send
    const std::size_t n = entries_.size();
    // Time limits: entries are in time order, so each cuts a prefix.
    for (std::size_t i = 0; i < n; ++i) {
        const auto stamp = entries_[i].stamp;
        const bool too_old = (request.since && stamp < *request.since) ||
                             (request.seconds && stamp < now - *request.seconds);
        if (!too_old) {
            break;
        }
        first = i + 1;
    }
    // Count limits: the room's capacity is already the size bound.
    if (request.max_stanzas && n - first > *request.max_stanzas) {
        first = n - *request.max_stanzas;
    }
    if (request.max_chars) {
        std::size_t total = 0;
        std::size_t i = n;
        while (i > first && total + entries_[i - 1].chars <= *request.max_chars) {
            total += entries_[i - 1].chars;
            --i;
        }
        first = i;
    }
    std::vector<xml::ElementRef> out;
    out.reserve(n - first);
    for (std::size_t i = first; i < n; ++i) {
        out.push_back(entries_[i].stanza);
    }
    return out;
}

void History::remove(std::string_view room, std::string_view id) {
    std::erase_if(entries_, [&](const Entry& e) {
        for (const auto* sid : e.stanza->children("stanza-id", ns::sid)) {
            if (sid->attr_or("by") == room && sid->attr_or("id") == id) {
                return true;
            }
        }
        return false;
    });
}

}  // namespace parley::mod::muc
