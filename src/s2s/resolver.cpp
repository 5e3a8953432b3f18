// s2s connection planning (RFC 6120 §3.2, RFC 2782, XEP-0368 §3/§5) and the
// c-ares + Boost.Asio resolver behind it.
#include "s2s/resolver.hpp"

#include <ares.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <limits>
#include <mutex>
#include <optional>
#include <random>
#include <unordered_map>
#include <utility>

#include "s2s/domain_name.hpp"

namespace parley::s2s {

namespace {

constexpr int kClassIn = 1;   // RFC 1035 §3.2.4
constexpr int kTypeSrv = 33;  // RFC 2782
constexpr std::size_t kMaxNameLength = 253;  // RFC 1035 §2.3.4, as text

bool is_root(std::string_view target) { return target.empty() || target == "."; }

// An SRV record and the service it came from.
struct Candidate {
    SrvRecord record;
    bool direct_tls = false;
};

// RFC 2782: by priority, then weighted random selection inside each priority.
// The order within a priority before drawing is free ("in any order"), except
// that weight-0 records come first; after those, direct TLS first (XEP-0368 §3
// rule 1 lets the initiating entity prefer one kind), then DNS order.
std::vector<Candidate> order_candidates(std::vector<Candidate> all, const RandomUpTo& random) {
    std::stable_sort(all.begin(), all.end(), [](const Candidate& a, const Candidate& b) {
        if (a.record.priority != b.record.priority) {
            return a.record.priority < b.record.priority;
        }
        const bool a_zero = a.record.weight == 0;
        const bool b_zero = b.record.weight == 0;
        if (a_zero != b_zero) {
            return a_zero;
        }
        return a.direct_tls && !b.direct_tls;
    });
    std::vector<Candidate> out;
    out.reserve(all.size());
    auto first = all.begin();
    while (first != all.end()) {
        const std::uint16_t priority = first->record.priority;
        const auto last = std::find_if(first, all.end(), [priority](const Candidate& c) {
            return c.record.priority != priority;
        });
        std::vector<Candidate> pool(std::make_move_iterator(first), std::make_move_iterator(last));
        while (!pool.empty()) {
            std::uint64_t sum = 0;
            for (const Candidate& c : pool) {
                sum += c.record.weight;
            }
            const auto bound = static_cast<std::uint32_t>(
                std::min<std::uint64_t>(sum, std::numeric_limits<std::uint32_t>::max()));
            const std::uint64_t draw = std::min(random(bound), bound);
            // The first record whose running sum reaches the draw; the last
            // one always does, since its running sum is the total.
            auto pick = pool.end() - 1;
            std::uint64_t running = 0;
            for (auto it = pool.begin(); it != pool.end(); ++it) {
                running += it->record.weight;
                if (running >= draw) {
                    pick = it;
                    break;
                }
            }
            out.push_back(std::move(*pick));
            pool.erase(pick);
        }
        first = last;
    }
    return out;
}

}  // namespace

RandomUpTo default_random() {
    auto engine = std::make_shared<std::mt19937>(std::random_device{}());
    return [engine](std::uint32_t max) {
        return std::uniform_int_distribution<std::uint32_t>(0, max)(*engine);
    };
}

std::vector<SrvRecord> order_srv(std::vector<SrvRecord> records, const RandomUpTo& random) {
    std::vector<Candidate> candidates;
    candidates.reserve(records.size());
    for (SrvRecord& r : records) {
        candidates.push_back({std::move(r), false});
    }
    std::vector<SrvRecord> out;
    out.reserve(candidates.size());
    const RandomUpTo& draw = random ? random : default_random();
    for (Candidate& c : order_candidates(std::move(candidates), draw)) {
        out.push_back(std::move(c.record));
    }
    return out;
}

bool srv_decidedly_unavailable(const std::vector<SrvRecord>& records) {
    return records.size() == 1 && is_root(records.front().target);
}

const Target* find_static_route(const StaticRoutes& routes, std::string_view domain) {
    if (routes.empty()) {
        return nullptr;
    }
    const auto key = to_ascii_domain(domain);
    if (!key) {
        return nullptr;
    }
    const auto it = routes.find(*key);
    return it == routes.end() ? nullptr : &it->second;
}

std::string_view plan_source_name(ConnectPlan::Source s) {
    switch (s) {
    case ConnectPlan::Source::static_route:
        return "static route";
    case ConnectPlan::Source::srv:
        return "SRV";
    case ConnectPlan::Source::fallback:
        return "fallback";
    case ConnectPlan::Source::unavailable:
        return "unavailable";
    }
    return "unavailable";
}

ConnectPlan plan(std::string_view domain, const StaticRoutes& static_routes,
                 const SrvResults& srv_results, const RandomUpTo& random) {
    if (const Target* route = find_static_route(static_routes, domain)) {
        return {ConnectPlan::Source::static_route, {*route}};
    }
    std::vector<Candidate> candidates;
    for (const SrvRecord& r : srv_results.xmpps) {
        if (!is_root(r.target)) {
            candidates.push_back({r, true});
        }
    }
    for (const SrvRecord& r : srv_results.xmpp) {
        if (!is_root(r.target)) {
            candidates.push_back({r, false});
        }
    }
    if (!candidates.empty()) {
        ConnectPlan p{ConnectPlan::Source::srv, {}};
        for (Candidate& c : order_candidates(std::move(candidates),
                                             random ? random : default_random())) {
            p.targets.push_back({lower_ascii(c.record.target), c.record.port, c.direct_tls});
        }
        return p;
    }
    // Only "." answers (or nothing usable): the domain said no; RFC 6120
    // §3.2.1 step 3 and XEP-0368 §5 forbid the A/AAAA fallback.
    if (!srv_results.xmpps.empty() || !srv_results.xmpp.empty()) {
        return {ConnectPlan::Source::unavailable, {}};
    }
    const auto host = to_ascii_domain(domain);
    if (!host) {
        return {ConnectPlan::Source::unavailable, {}};
    }
    return {ConnectPlan::Source::fallback, {{*host, kXmppServerPort, false}}};
}

// ---------------------------------------------------------------------------
// DnsResolver

namespace {

// c-ares needs ares_library_init() once per process (it only does real work
// on Windows, but is documented as required before any other call).
std::once_flag g_ares_library_once;  // trivially destructible; no init order issues

// One lookup in flight. Shared by the c-ares callback context and the
// deadline timer; whichever comes first completes the awaiting coroutine.
template <class T>
struct Op {
    virtual ~Op() = default;
    virtual void deliver(Result<T> result) = 0;

    void finish(Result<T> result) {
        if (done) {
            return;
        }
        done = true;
        if (deadline) {
            deadline->cancel();
        }
        deliver(std::move(result));
    }

    bool done = false;
    std::optional<asio::steady_timer> deadline;
};

template <class T, class Handler>
struct HandlerOp final : Op<T> {
    explicit HandlerOp(Handler h)
        : handler(std::move(h)),
          // Resume on the awaiting coroutine's executor, counting as work
          // there so its io_context::run() does not return meanwhile.
          caller(asio::prefer(asio::get_associated_executor(handler),
                              asio::execution::outstanding_work.tracked)) {}

    // Always posted, never run inline: the c-ares callback may fire inside
    // the initiating call itself.
    void deliver(Result<T> result) override {
        asio::post(caller, [h = std::move(handler), r = std::move(result)]() mutable {
            std::move(h)(std::move(r));
        });
    }

    Handler handler;
    asio::any_io_executor caller;
};

std::string ares_reason(int status) { return ares_strerror(status); }

bool usable_name(std::string_view name) {
    return !name.empty() && name.size() <= kMaxNameLength &&
           name.find('\0') == std::string_view::npos;
}

Result<std::vector<SrvRecord>> parse_srv(const std::string& name, int status,
                                         const unsigned char* abuf, int alen) {
    if (status != ARES_SUCCESS) {
        return fail("SRV lookup for " + name + " failed: " + ares_reason(status));
    }
    ares_srv_reply* replies = nullptr;
    const int rc = ares_parse_srv_reply(abuf, alen, &replies);
    if (rc != ARES_SUCCESS) {
        return fail("SRV lookup for " + name + ": bad answer: " + ares_reason(rc));
    }
    std::vector<SrvRecord> out;
    for (const ares_srv_reply* r = replies; r != nullptr; r = r->next) {
        std::string target = r->host != nullptr ? r->host : "";
        if (!target.empty() && target.back() == '.') {
            target.pop_back();
        }
        out.push_back({target.empty() ? std::string(".") : std::move(target), r->port, r->priority,
                       r->weight});
    }
    ares_free_data(replies);
    if (out.empty()) {
        return fail("SRV lookup for " + name + ": no SRV records");
    }
    return out;
}

Result<std::vector<asio::ip::address>> parse_addresses(const std::string& host, int status,
                                                       const ares_addrinfo* info) {
    if (status != ARES_SUCCESS) {
        return fail("address lookup for " + host + " failed: " + ares_reason(status));
    }
    std::vector<asio::ip::address> out;
    for (const ares_addrinfo_node* n = info != nullptr ? info->nodes : nullptr; n != nullptr;
         n = n->ai_next) {
        asio::ip::address a;
        if (n->ai_family == AF_INET && n->ai_addrlen >= sizeof(sockaddr_in)) {
            const auto* sin = reinterpret_cast<const sockaddr_in*>(n->ai_addr);
            a = asio::ip::address_v4(ntohl(sin->sin_addr.s_addr));
        } else if (n->ai_family == AF_INET6 && n->ai_addrlen >= sizeof(sockaddr_in6)) {
            const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(n->ai_addr);
            asio::ip::address_v6::bytes_type bytes;
            std::copy_n(sin6->sin6_addr.s6_addr, bytes.size(), bytes.begin());
            a = asio::ip::address_v6(bytes, sin6->sin6_scope_id);
        } else {
            continue;
        }
        if (std::find(out.begin(), out.end(), a) == out.end()) {
            out.push_back(a);
        }
    }
    if (out.empty()) {
        return fail("address lookup for " + host + ": no addresses");
    }
    return out;
}

}  // namespace

struct DnsResolver::Impl : std::enable_shared_from_this<Impl> {
    // One c-ares socket, watched without owning it.
    struct Watch {
        Watch(const asio::any_io_executor& ex, int fd) : sd(ex), fd(fd) {}
        asio::posix::stream_descriptor sd;
        int fd;
        bool want_read = false;
        bool want_write = false;
        bool reading = false;  // an async_wait is pending
        bool writing = false;
        bool closed = false;   // c-ares closed it (or the resolver did)
    };

    Impl(asio::io_context& ioc, Options opts)
        : ex(ioc.get_executor()), options(std::move(opts)), timer(ioc) {}
    ~Impl() { close(); }

    static void on_sock_state(void* data, ares_socket_t fd, int readable, int writable) {
        static_cast<Impl*>(data)->sock_state(fd, readable != 0, writable != 0);
    }

    void sock_state(int fd, bool readable, bool writable) {
        auto it = watches.find(fd);
        if (!readable && !writable) {
            // c-ares is about to close fd: forget it before the number is reused.
            if (it != watches.end()) {
                it->second->closed = true;
                it->second->sd.release();
                watches.erase(it);
            }
            return;
        }
        if (it == watches.end()) {
            auto w = std::make_shared<Watch>(ex, fd);
            boost::system::error_code ec;
            w->sd.assign(fd, ec);
            if (ec) {
                return;  // cannot watch it: the lookup ends by its deadline
            }
            it = watches.emplace(fd, std::move(w)).first;
        }
        it->second->want_read = readable;
        it->second->want_write = writable;
        arm(it->second);
    }

    bool active() const { return channel != nullptr && !closing && pending > 0; }

    void arm(const std::shared_ptr<Watch>& w) {
        if (!active() || w->closed) {
            return;
        }
        if (w->want_read && !w->reading) {
            w->reading = true;
            w->sd.async_wait(asio::posix::descriptor_base::wait_read,
                             [self = weak_from_this(), w](boost::system::error_code ec) {
                                 w->reading = false;
                                 on_ready(self, w, ec, w->fd, ARES_SOCKET_BAD);
                             });
        }
        if (w->want_write && !w->writing) {
            w->writing = true;
            w->sd.async_wait(asio::posix::descriptor_base::wait_write,
                             [self = weak_from_this(), w](boost::system::error_code ec) {
                                 w->writing = false;
                                 on_ready(self, w, ec, ARES_SOCKET_BAD, w->fd);
                             });
        }
    }

    static void on_ready(const std::weak_ptr<Impl>& weak, const std::shared_ptr<Watch>& w,
                         boost::system::error_code ec, int read_fd, int write_fd) {
        auto self = weak.lock();
        if (!self || w->closed) {
            return;
        }
        if (ec) {
            // Cancelled while idle: re-arm if a lookup started meanwhile.
            self->arm(w);
            return;
        }
        if (!self->active()) {
            return;
        }
        ares_process_fd(self->channel, read_fd, write_fd);
        self->arm(w);
        self->rearm_timer();
    }

    // Follows ares_timeout(): c-ares's retransmissions and its own timeouts.
    void rearm_timer() {
        timeval tv{};
        if (!active() || ares_timeout(channel, nullptr, &tv) == nullptr) {
            timer.cancel();
            return;
        }
        timer.expires_after(std::chrono::seconds(tv.tv_sec) +
                            std::chrono::microseconds(tv.tv_usec));
        timer.async_wait([self = weak_from_this()](boost::system::error_code ec) {
            auto impl = self.lock();
            if (ec || !impl || !impl->active()) {
                return;
            }
            ares_process_fd(impl->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
            impl->rearm_timer();
        });
    }

    // A lookup is starting: count it, watch c-ares's sockets again.
    void started() {
        ++pending;
        for (auto& [fd, w] : watches) {
            arm(w);
        }
        rearm_timer();
    }

    // A lookup's c-ares callback ran. With nothing left in flight, stop
    // watching, so an idle resolver does not keep its io_context running
    // (c-ares keeps its UDP sockets open between queries).
    void finished() {
        if (pending > 0) {
            --pending;
        }
        if (pending == 0) {
            for (auto& [fd, w] : watches) {
                boost::system::error_code ec;
                w->sd.cancel(ec);
            }
            timer.cancel();
        }
    }

    template <class T>
    void start_deadline(const std::shared_ptr<Op<T>>& op, std::string what) {
        op->deadline.emplace(ex);
        op->deadline->expires_after(options.query_timeout);
        op->deadline->async_wait(
            [op, what = std::move(what), ms = options.query_timeout.count()](
                boost::system::error_code ec) {
                if (!ec) {
                    op->finish(fail(what + ": timed out after " + std::to_string(ms) + " ms"));
                }
            });
    }

    // The c-ares callback's argument: owns a reference to the op until the
    // callback, which c-ares calls exactly once (ARES_EDESTRUCTION at the latest).
    template <class T>
    struct Context {
        std::shared_ptr<Op<T>> op;
        Impl* impl;
        std::string name;
    };
    using SrvContext = Context<std::vector<SrvRecord>>;
    using AddressContext = Context<std::vector<asio::ip::address>>;

    static void on_srv(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) {
        std::unique_ptr<SrvContext> ctx(static_cast<SrvContext*>(arg));
        ctx->impl->finished();
        ctx->op->finish(parse_srv(ctx->name, status, abuf, alen));
    }

    static void on_addrinfo(void* arg, int status, int /*timeouts*/, ares_addrinfo* info) {
        std::unique_ptr<AddressContext> ctx(static_cast<AddressContext*>(arg));
        ctx->impl->finished();
        ctx->op->finish(parse_addresses(ctx->name, status, info));
        if (info != nullptr) {
            ares_freeaddrinfo(info);
        }
    }

    void start_srv(std::shared_ptr<Op<std::vector<SrvRecord>>> op, std::string name) {
        if (channel == nullptr || closing) {
            op->finish(fail("SRV lookup for " + name + ": the DNS resolver is shut down"));
            return;
        }
        if (!usable_name(name)) {
            op->finish(fail("SRV lookup: not a usable DNS name: " + name));
            return;
        }
        start_deadline(op, "SRV lookup for " + name);
        started();
        const std::string qname = name;
        ares_query(channel, qname.c_str(), kClassIn, kTypeSrv, &on_srv,
                   new SrvContext{std::move(op), this, std::move(name)});
        rearm_timer();
    }

    void start_addresses(std::shared_ptr<Op<std::vector<asio::ip::address>>> op,
                         std::string host) {
        if (channel == nullptr || closing) {
            op->finish(fail("address lookup for " + host + ": the DNS resolver is shut down"));
            return;
        }
        if (!usable_name(host)) {
            op->finish(fail("address lookup: not a usable host name: " + host));
            return;
        }
        start_deadline(op, "address lookup for " + host);
        started();
        ares_addrinfo_hints hints{};
        hints.ai_family = AF_UNSPEC;  // A and AAAA
        hints.ai_socktype = SOCK_STREAM;
        const std::string node = host;
        ares_getaddrinfo(channel, node.c_str(), nullptr, &hints, &on_addrinfo,
                         new AddressContext{std::move(op), this, std::move(host)});
        rearm_timer();
    }

    // async_initiate glue: the handler (the awaiting coroutine) goes into an
    // Op, and the lookup starts on this resolver.
    struct InitiateSrv {
        std::shared_ptr<Impl> impl;
        template <class Handler>
        void operator()(Handler handler, std::string name) const {
            impl->start_srv(
                std::make_shared<HandlerOp<std::vector<SrvRecord>, Handler>>(std::move(handler)),
                std::move(name));
        }
    };

    struct InitiateAddresses {
        std::shared_ptr<Impl> impl;
        template <class Handler>
        void operator()(Handler handler, std::string host) const {
            impl->start_addresses(
                std::make_shared<HandlerOp<std::vector<asio::ip::address>, Handler>>(
                    std::move(handler)),
                std::move(host));
        }
    };

    static asio::awaitable<Result<std::vector<SrvRecord>>> srv(std::shared_ptr<Impl> impl,
                                                               std::string name) {
        return asio::async_initiate<const asio::use_awaitable_t<>,
                                    void(Result<std::vector<SrvRecord>>)>(
            InitiateSrv{std::move(impl)}, asio::use_awaitable, std::move(name));
    }

    static asio::awaitable<Result<std::vector<asio::ip::address>>> addresses(
        std::shared_ptr<Impl> impl, std::string host) {
        return asio::async_initiate<const asio::use_awaitable_t<>,
                                    void(Result<std::vector<asio::ip::address>>)>(
            InitiateAddresses{std::move(impl)}, asio::use_awaitable, std::move(host));
    }

    void close() {
        if (channel == nullptr) {
            return;
        }
        closing = true;
        // Ends every pending lookup with ARES_EDESTRUCTION (their coroutines
        // resume with an error) and closes the sockets through sock_state().
        ares_destroy(channel);
        channel = nullptr;
        for (auto& [fd, w] : watches) {
            w->closed = true;
            w->sd.release();
        }
        watches.clear();
        timer.cancel();
    }

    asio::any_io_executor ex;
    Options options;
    ares_channel channel = nullptr;
    bool closing = false;
    int pending = 0;  // lookups whose c-ares callback has not run yet
    asio::steady_timer timer;
    std::unordered_map<int, std::shared_ptr<Watch>> watches;
    RandomUpTo random = default_random();
};

Result<std::unique_ptr<DnsResolver>> DnsResolver::create(asio::io_context& ioc, Options options) {
    std::call_once(g_ares_library_once, [] { ares_library_init(ARES_LIB_INIT_ALL); });
    const int tries = std::clamp(options.tries, 1, 8);
    const auto first_try = std::max<std::int64_t>(
        50, options.query_timeout.count() / ((std::int64_t{1} << tries) - 1));
    auto impl = std::make_shared<Impl>(ioc, std::move(options));

    ares_options o{};
    int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;
    o.sock_state_cb = &Impl::on_sock_state;
    o.sock_state_cb_data = impl.get();
    o.timeout = static_cast<int>(std::min<std::int64_t>(first_try, 60'000));
    o.tries = tries;
    const int rc = ares_init_options(&impl->channel, &o, mask);
    if (rc != ARES_SUCCESS) {
        impl->channel = nullptr;
        return fail(std::string("cannot start the DNS resolver: ") + ares_reason(rc));
    }
    if (!impl->options.servers.empty()) {
        const int src = ares_set_servers_ports_csv(impl->channel, impl->options.servers.c_str());
        if (src != ARES_SUCCESS) {
            return fail("bad DNS server list \"" + impl->options.servers + "\": " +
                        ares_reason(src));
        }
    }
    return std::unique_ptr<DnsResolver>(new DnsResolver(std::move(impl)));
}

DnsResolver::DnsResolver(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

DnsResolver::~DnsResolver() { impl_->close(); }

asio::awaitable<Result<std::vector<SrvRecord>>> DnsResolver::lookup_srv(std::string_view name) {
    return Impl::srv(impl_, std::string(name));
}

asio::awaitable<Result<std::vector<asio::ip::address>>> DnsResolver::lookup_addresses(
    std::string_view host) {
    return Impl::addresses(impl_, std::string(host));
}

asio::awaitable<ConnectPlan> DnsResolver::plan_s2s(std::string domain,
                                                   std::shared_ptr<const StaticRoutes> routes) {
    if (routes) {
        if (const Target* route = find_static_route(*routes, domain)) {
            co_return ConnectPlan{ConnectPlan::Source::static_route, {*route}};
        }
    }
    const auto ascii = to_ascii_domain(domain);
    if (!ascii) {
        co_return ConnectPlan{ConnectPlan::Source::unavailable, {}};
    }
    // From here on only locals: the resolver may be destroyed while we wait.
    std::shared_ptr<Impl> impl = impl_;
    // TODO(s2s): run the two queries concurrently.
    Result<std::vector<SrvRecord>> xmpps = co_await Impl::srv(impl, "_xmpps-server._tcp." + *ascii);
    Result<std::vector<SrvRecord>> xmpp = co_await Impl::srv(impl, "_xmpp-server._tcp." + *ascii);
    SrvResults srv;
    if (xmpps) {
        srv.xmpps = std::move(*xmpps);
    }
    if (xmpp) {
        srv.xmpp = std::move(*xmpp);
    }
    co_return plan(*ascii, StaticRoutes{}, srv, impl->random);
}

}  // namespace parley::s2s
