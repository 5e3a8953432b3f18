#include "core/server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <sys/socket.h>
#include <thread>

#include "core/module.hpp"
#include "http/http_server.hpp"
#include "core/throttle.hpp"
#include "core/tls.hpp"
#include "core/version.hpp"
#include "core/worker_pool.hpp"
#include "router/router.hpp"
#include "router/session_registry.hpp"
#include "storage/stores.hpp"
#include "stream/c2s_session.hpp"
#include "stream/component_session.hpp"
#include "stream/federation.hpp"
#include "stream/s2s_in.hpp"
#include "s2s/domain_name.hpp"

namespace parley {

namespace asio = boost::asio;
using asio::ip::tcp;

Result<void> setup_logging(const Config& config) {
    std::shared_ptr<spdlog::logger> logger;
    try {
        if (config.log_file.empty()) {
            logger = spdlog::stderr_color_mt("parley");
        } else {
            logger = spdlog::basic_logger_mt("parley", config.log_file);
        }
    } catch (const spdlog::spdlog_ex& e) {
        return fail(fmt::format("cannot open log file {}: {}", config.log_file, e.what()));
    }
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %v");
    logger->set_level(spdlog::level::from_str(config.log_level));
    logger->flush_on(spdlog::level::info);
    spdlog::set_default_logger(logger);
    return {};
}

namespace {

enum class ListenerKind {
    c2s_starttls,
    c2s_direct_tls,
    s2s,
    s2s_direct_tls,
    component,
    https,
    http,
    module
};

std::string_view kind_name(ListenerKind k) {
    switch (k) {
        case ListenerKind::c2s_starttls: return "c2s";
        case ListenerKind::c2s_direct_tls: return "c2s (direct TLS)";
        case ListenerKind::s2s: return "servers (s2s)";
        case ListenerKind::s2s_direct_tls: return "servers (s2s, direct TLS)";
        case ListenerKind::component: return "component";
        case ListenerKind::https: return "HTTPS";
        case ListenerKind::http: return "HTTP";
        case ListenerKind::module: return "module";
    }
    return "";
}

}  // namespace

struct Server::Impl {
    Config config;
    ServerInfo info;
    WorkerPool workers;
    std::unique_ptr<storage::Storage> storage;
    std::unique_ptr<TlsContexts> tls;
    SessionRegistry sessions;
    std::unique_ptr<Router> router;
    std::vector<std::unique_ptr<HookTable>> tables;
    std::vector<std::unique_ptr<Module>> modules;
    std::vector<std::unique_ptr<ModuleConfig>> module_configs;
    Throttle auth_failures;
    Throttle stream_opens;
    std::atomic<std::uint64_t> next_id{1};
    ResumableSessions resumable;
    std::unique_ptr<C2sServices> c2s;
    std::unique_ptr<ComponentServices> components;
    std::unique_ptr<S2sServices> s2s;
    std::unique_ptr<Federation> federation;
    http::Routes http_routes;
    http::Limits http_limits;
    NetworkServices net;
    std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
    std::unique_ptr<asio::signal_set> signals;

    std::mutex mu;
    std::condition_variable cv;
    bool stopping = false;

    explicit Impl(Config c)
        : config(std::move(c)),
          workers(config.workers ? config.workers : std::max(1u, std::thread::hardware_concurrency())),
          auth_failures(config.auth_failures_per_minute),
          stream_opens(config.stream_opens_per_minute) {}

    Result<void> load_modules();
    Result<void> start_federation();
    Result<void> listen(const ListenerConfig& l, ListenerKind kind,
                        const ModuleListener* module = nullptr);
    Result<void> start_http();
    asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, ListenerKind kind,
                                      const ModuleListener* module);
    void shutdown();
};

Server::Server(Config config) : impl_(std::make_unique<Impl>(std::move(config))) {}

Server::~Server() {
    stop();
    impl_->workers.join();
}

Result<void> Server::Impl::load_modules() {
    auto names = config.enabled_modules();
    for (const auto& host : config.hosts) {
        auto table = std::make_unique<HookTable>();
        router->add_host(host, table.get());
        for (const auto& info_entry : builtin_modules()) {
            if (std::find(names.begin(), names.end(), info_entry.name) == names.end()) {
                continue;
            }
            std::string name(info_entry.name);
            auto settings = config.module_settings.count(name) ? config.module_settings.at(name)
                                                                : ModuleConfig::Values{};
            module_configs.push_back(std::make_unique<ModuleConfig>(settings));
            ModuleContext ctx(host, name, *table, *router, *storage, *module_configs.back(), info,
                              spdlog::default_logger(), &net);
            auto module = info_entry.make();
            auto r = module->start(ctx);
            if (!r) {
                return fail(fmt::format("module '{}' on {}: {}", name, host, r.error().message));
            }
            modules.push_back(std::move(module));
        }
        tables.push_back(std::move(table));
    }
    spdlog::info("modules: {}", fmt::join(names, ", "));
    return {};
}

Result<void> Server::Impl::start_federation() {
    const auto& cfg = config.s2s;
    auto trust = cfg.ca_file.empty() ? s2s::TrustStore::system_default()
                                     : s2s::TrustStore::from_ca_file(cfg.ca_file);
    if (!trust) {
        return fail(fmt::format("{}: s2s.ca_file: {}", config.source, trust.error().message));
    }
    auto routes = std::make_shared<s2s::StaticRoutes>();
    for (const auto& [domain, route] : cfg.routes) {
        auto ascii = s2s::to_ascii_domain(domain);
        if (!ascii) {
            return fail(fmt::format("{}: s2s.routes: '{}' is not a domain name", config.source, domain));
        }
        (*routes)[*ascii] = s2s::Target{route.host, route.port, route.direct_tls};
    }
    s2s = std::make_unique<S2sServices>(S2sServices{
        config, *router, *tls, std::move(*trust),
        cfg.dialback_secret.empty() ? s2s::DialbackSecret::generate()
                                    : s2s::DialbackSecret(cfg.dialback_secret),
        std::move(routes), next_id, nullptr});
    federation = std::make_unique<Federation>(*s2s, workers.context(0).get_executor());
    s2s->federation = federation.get();
    router->set_remote(federation.get());
    return {};
}

// The HTTP listeners open only when a module serves something over HTTP.
Result<void> Server::Impl::start_http() {
    if (http_routes.empty()) {
        return {};
    }
    const auto& h = config.http;
    http_limits.max_header_bytes = h.max_header_size;
    http_limits.header_timeout = std::chrono::seconds(h.header_timeout);
    http_limits.body_timeout = std::chrono::seconds(h.body_timeout);
    http_limits.keep_alive_timeout = std::chrono::seconds(h.keep_alive_timeout);
    http_limits.max_requests_per_connection = h.max_requests_per_connection;
    for (auto [l, kind] : {std::pair{&h.https, ListenerKind::https},
                           std::pair{&h.http, ListenerKind::http}}) {
        auto r = listen(*l, kind);
        if (!r) {
            return r;
        }
    }
    return {};
}

Result<void> Server::Impl::listen(const ListenerConfig& l, ListenerKind kind,
                                  const ModuleListener* module) {
    if (l.port == 0) {
        return {};
    }
    boost::system::error_code ec;
    auto addr = asio::ip::make_address(l.bind, ec);
    if (ec) {
        return fail(fmt::format("{}: '{}' is not an IP address to listen on", config.source, l.bind));
    }
    tcp::endpoint ep(addr, l.port);
    auto in_use = [&](const boost::system::error_code& e) {
        return fail(fmt::format(
            "cannot listen for {} on {}:{}: {} (is another server using the port? change "
            "the port in the config file)",
            module ? std::string_view(module->name) : kind_name(kind), l.bind, l.port,
            e.message()));
    };
    {
        // SO_REUSEPORT below would let a second parleyd share the port with a
        // running one; a plain bind first proves that nobody holds it.
        tcp::acceptor probe(workers.context(0));
        probe.open(ep.protocol(), ec);
        if (!ec && addr.is_v6()) {
            probe.set_option(asio::ip::v6_only(false), ec);
        }
        probe.set_option(tcp::acceptor::reuse_address(true), ec);
        probe.bind(ep, ec);
        if (ec) {
            return in_use(ec);
        }
    }
    // One acceptor per worker on the same port (SO_REUSEPORT): the kernel
    // spreads connections over the workers (DESIGN.md).
    for (std::size_t i = 0; i < workers.size(); ++i) {
        auto acc = std::make_unique<tcp::acceptor>(workers.context(i));
        acc->open(ep.protocol(), ec);
        if (!ec && addr.is_v6()) {
            acc->set_option(asio::ip::v6_only(false), ec);
        }
        acc->set_option(tcp::acceptor::reuse_address(true), ec);
        int one = 1;
        ::setsockopt(acc->native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
        acc->bind(ep, ec);
        if (!ec) {
            acc->listen(1024, ec);
        }
        if (ec) {
            return in_use(ec);
        }
        asio::co_spawn(workers.context(i), accept_loop(*acc, kind, module), asio::detached);
        acceptors.push_back(std::move(acc));
    }
    return {};
}

asio::awaitable<void> Server::Impl::accept_loop(tcp::acceptor& acceptor, ListenerKind kind,
                                                const ModuleListener* module) {
    asio::steady_timer backoff(acceptor.get_executor());
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) {
            co_return;
        }
        if (ec) {
            // Out of file descriptors or similar: keep serving, try again shortly.
            spdlog::warn("{} listener: accept failed: {}", kind_name(kind), ec.message());
            backoff.expires_after(std::chrono::milliseconds(100));
            co_await backoff.async_wait(asio::as_tuple(asio::use_awaitable));
            continue;
        }
        switch (kind) {
            case ListenerKind::c2s_starttls: C2sSession::start(*c2s, std::move(socket), false); break;
            case ListenerKind::c2s_direct_tls: C2sSession::start(*c2s, std::move(socket), true); break;
            case ListenerKind::s2s: S2sIn::start(*s2s, std::move(socket), false); break;
            case ListenerKind::s2s_direct_tls: S2sIn::start(*s2s, std::move(socket), true); break;
            case ListenerKind::component: start_component_session(*components, std::move(socket)); break;
            case ListenerKind::https:
                http::serve(std::move(socket), http_routes, http_limits, &tls->default_context());
                break;
            case ListenerKind::http: http::serve(std::move(socket), http_routes, http_limits, nullptr); break;
            case ListenerKind::module: {
                // The completion handler owns the socket until the module's coroutine ends.
                auto s = std::make_shared<tcp::socket>(std::move(socket));
                auto exec = s->get_executor();
                asio::co_spawn(exec, module->handler(*s), [s, name = module->name](std::exception_ptr e) {
                    if (e) {
                        try {
                            std::rethrow_exception(e);
                        } catch (const std::exception& ex) {
                            spdlog::error("{}: connection ended by an exception: {}", name, ex.what());
                        }
                    }
                });
                break;
            }
        }
    }
}

Result<void> Server::start() {
    auto& d = *impl_;
    auto& cfg = d.config;
    d.info.version = std::string(version());
    d.info.hosts = cfg.hosts;
    d.info.data_dir = cfg.data_dir;
    spdlog::info("Parley {} starting (config: {}, {} worker thread{})", version(), cfg.source,
                 d.workers.size(), d.workers.size() == 1 ? "" : "s");

    std::error_code fec;
    std::filesystem::create_directories(cfg.data_dir, fec);
    if (fec) {
        return fail(fmt::format("cannot create the data directory {}: {} (set data_dir in the config)",
                                cfg.data_dir, fec.message()));
    }
    storage::StorageOptions so;
    so.backend = cfg.storage_backend;
    so.sqlite_path = cfg.sqlite_file();
    auto st = storage::open_storage(so);
    if (!st) {
        return fail(st.error());
    }
    d.storage = std::move(*st);
    spdlog::info("storage: {} {}", cfg.storage_backend, so.sqlite_path);

    auto tls = TlsContexts::create(cfg);
    if (!tls) {
        return fail(tls.error());
    }
    d.tls = std::move(*tls);
    for (const auto& c : d.tls->certificates()) {
        spdlog::info("TLS certificate for {}: {}{} (SHA-256 {})", c.host, c.path,
                     c.generated ? " (self-signed, generated now)" : "", c.sha256);
    }

    d.router = std::make_unique<Router>(d.sessions, *d.storage, d.workers.context(0).get_executor());
    d.net.http_routes = &d.http_routes;
    d.net.http_base_url = cfg.http.base_url(cfg.hosts.front());
    d.net.start_client_stream = [&d](std::shared_ptr<ClientChannel> channel) {
        C2sSession::start(*d.c2s, std::move(channel));
    };
    auto m = d.load_modules();
    if (!m) {
        return m;
    }
    d.c2s = std::make_unique<C2sServices>(C2sServices{cfg, *d.router, *d.storage, *d.tls,
                                                      d.auth_failures, d.stream_opens, d.next_id,
                                                      d.resumable});
    d.components = std::make_unique<ComponentServices>(ComponentServices{cfg, *d.router, d.next_id});

    for (auto [l, kind] : {std::pair{&cfg.c2s, ListenerKind::c2s_starttls},
                           std::pair{&cfg.c2s_direct_tls, ListenerKind::c2s_direct_tls}}) {
        auto r = d.listen(*l, kind);
        if (!r) {
            return r;
        }
    }
    if (cfg.s2s.listener.port) {
        auto f = d.start_federation();
        if (!f) {
            return f;
        }
        for (auto [l, kind] : {std::pair{&cfg.s2s.listener, ListenerKind::s2s},
                               std::pair{&cfg.s2s.direct_tls, ListenerKind::s2s_direct_tls}}) {
            auto r = d.listen(*l, kind);
            if (!r) {
                return r;
            }
        }
    }
    if (!cfg.components.empty()) {
        auto r = d.listen(cfg.component, ListenerKind::component);
        if (!r) {
            return r;
        }
    }
    if (auto r = d.start_http(); !r) {
        return r;
    }
    for (const auto& ml : d.net.listeners) {
        auto r = d.listen(ListenerConfig{ml.bind, ml.port}, ListenerKind::module, &ml);
        if (!r) {
            return r;
        }
    }

    d.signals = std::make_unique<asio::signal_set>(d.workers.context(0), SIGINT, SIGTERM);
    d.signals->async_wait([this](boost::system::error_code ec, int sig) {
        if (!ec) {
            spdlog::info("signal {}: shutting down", sig);
            stop();
        }
    });
    d.workers.start();

    spdlog::info("serving {} ", fmt::join(cfg.hosts, ", "));
    if (cfg.c2s.port) {
        spdlog::info("clients: port {} ({}){}", cfg.c2s.port,
                     cfg.require_encryption ? "STARTTLS required" : "STARTTLS optional",
                     cfg.c2s_direct_tls.port
                         ? fmt::format(", port {} (direct TLS, XEP-0368)", cfg.c2s_direct_tls.port)
                         : "");
    }
    if (cfg.s2s.listener.port) {
        spdlog::info("servers: port {}{}; peers authenticate by {} by default{}", cfg.s2s.listener.port,
                     cfg.s2s.direct_tls.port
                         ? fmt::format(", port {} (direct TLS, XEP-0368)", cfg.s2s.direct_tls.port)
                         : "",
                     s2s_auth_name(cfg.s2s.default_auth),
                     cfg.s2s.routes.empty()
                         ? ""
                         : fmt::format(" ({} static route(s))", cfg.s2s.routes.size()));
    } else {
        spdlog::info("federation is off (s2s.port = 0)");
    }
    if (!d.http_routes.empty()) {
        spdlog::info("HTTP: {}{} (public URL {})",
                     cfg.http.https.port ? fmt::format("HTTPS on {}:{}", cfg.http.https.bind,
                                                       cfg.http.https.port)
                                         : std::string("HTTPS off"),
                     cfg.http.http.port ? fmt::format(", plain HTTP on {}:{}", cfg.http.http.bind,
                                                      cfg.http.http.port)
                                        : std::string(),
                     d.net.http_base_url);
    }
    for (const auto& ml : d.net.listeners) {
        spdlog::info("{}: port {}:{}", ml.name, ml.bind, ml.port);
    }
    for (const auto& c : cfg.components) {
        spdlog::info("component {} may connect on {}:{}", c.domain, cfg.component.bind,
                     cfg.component.port);
    }
    spdlog::info("ready. Add a user with: parleyctl{} adduser alice@{}",
                 cfg.source == "(defaults)" ? "" : " --config " + cfg.source, cfg.hosts.front());
    return {};
}

void Server::wait() {
    std::unique_lock lock(impl_->mu);
    impl_->cv.wait(lock, [&] { return impl_->stopping; });
    lock.unlock();
    impl_->shutdown();
}

void Server::stop() {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
    impl_->cv.notify_all();
}

void Server::Impl::shutdown() {
    for (auto& acc : acceptors) {
        asio::post(acc->get_executor(), [a = acc.get()] {
            boost::system::error_code ec;
            a->close(ec);
        });
    }
    if (federation) {
        federation->close_all();
    }
    for (const auto& s : sessions.all()) {
        asio::post(s->executor(), [s] { s->close({xmpp::StreamCondition::system_shutdown, {}}); });
    }
    // Give the closing streams a moment to flush, then stop the workers.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    for (std::size_t i = 0; i < workers.size(); ++i) {
        workers.context(i).stop();
    }
    workers.join();
    spdlog::info("stopped");
}

}  // namespace parley
