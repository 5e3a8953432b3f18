#include "core/config.hpp"

#include <fmt/format.h>

#include <set>
#include <toml++/toml.h>

#include "xmpp/jid.hpp"

namespace parley {

std::string Config::sqlite_file() const {
    return sqlite_path.empty() ? data_dir + "/parley.sqlite" : sqlite_path;
}

std::vector<std::string> Config::enabled_modules() const {
    std::vector<std::string> names;
    if (modules_enabled) {
        names = *modules_enabled;
    } else {
        for (const auto& m : builtin_modules()) {
            if (m.default_enabled) {
                names.emplace_back(m.name);
            }
        }
    }
    std::erase_if(names, [&](const std::string& n) {
        return std::find(modules_disabled.begin(), modules_disabled.end(), n) !=
               modules_disabled.end();
    });
    return names;
}

std::string HttpConfig::base_url(const std::string& first_host) const {
    std::string url = external_url.empty()
                          ? fmt::format("https://{}:{}", first_host, https.port)
                          : external_url;
    while (!url.empty() && url.back() == '/') {
        url.pop_back();
    }
    return url;
}

std::string_view s2s_auth_name(S2sAuth a) {
    switch (a) {
        case S2sAuth::certificate: return "certificate";
        case S2sAuth::dialback: return "dialback";
        case S2sAuth::insecure: return "insecure";
    }
    return "?";
}

Config default_config() {
    Config c;
    c.source = "(defaults)";
    return c;
}

namespace {

// Reads one table, refusing keys it does not know: a misspelt setting is an
// error with its line, not a silent default.
class Reader {
public:
    Reader(const std::string& file, const toml::table& t, std::string prefix)
        : file_(file), table_(t), prefix_(std::move(prefix)) {}

    std::string where(const toml::node& n) const {
        return fmt::format("{}:{}", file_, n.source().begin.line);
    }

    template <class T>
    Result<void> get(std::string_view key, T& out) {
        seen_.insert(std::string(key));
        const toml::node* n = table_.get(key);
        if (!n) {
            return {};
        }
        if constexpr (std::is_same_v<T, bool>) {
            if (auto v = n->value<bool>()) {
                out = *v;
                return {};
            }
            return type_error(*n, key, "true or false");
        } else if constexpr (std::is_same_v<T, std::string>) {
            if (auto v = n->value<std::string>()) {
                out = *v;
                return {};
            }
            return type_error(*n, key, "a string");
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
            const auto* arr = n->as_array();
            if (!arr) {
                return type_error(*n, key, "a list of strings");
            }
            out.clear();
            for (const auto& el : *arr) {
                auto v = el.value<std::string>();
                if (!v) {
                    return type_error(el, key, "a list of strings");
                }
                out.push_back(*v);
            }
            return {};
        } else {
            if (auto v = n->value<std::int64_t>(); v && *v >= 0) {
                out = static_cast<T>(*v);
                return {};
            }
            return type_error(*n, key, "a non-negative whole number");
        }
    }

    // Marks a key as known without reading it (a sub-table read elsewhere).
    void allow(std::string_view key) { seen_.insert(std::string(key)); }

    Result<void> check_unknown() const {
        for (const auto& [k, v] : table_) {
            if (!seen_.count(std::string(k.str()))) {
                return fail(fmt::format("{}: unknown setting '{}{}' (see docs/CONFIGURATION.md)",
                                        where(v), prefix_, k.str()));
            }
        }
        return {};
    }

private:
    Result<void> type_error(const toml::node& n, std::string_view key, std::string_view want) const {
        return fail(fmt::format("{}: setting '{}{}' must be {}", where(n), prefix_, key, want));
    }

    const std::string& file_;
    const toml::table& table_;
    std::string prefix_;
    std::set<std::string> seen_;
};

#define PARLEY_TRY(expr)            \
    do {                            \
        auto r_ = (expr);           \
        if (!r_) {                  \
            return fail(r_.error()); \
        }                           \
    } while (0)

std::string toml_value_text(const toml::node& n) {
    if (auto s = n.value<std::string>()) {
        return *s;
    }
    if (n.is_boolean()) {  // before the integer test: toml++ converts booleans to 0/1
        return *n.value<bool>() ? "true" : "false";
    }
    if (auto i = n.value<std::int64_t>()) {
        return std::to_string(*i);
    }
    if (auto d = n.value<double>()) {
        return std::to_string(*d);
    }
    return {};
}

Result<S2sAuth> parse_s2s_auth(std::string_view s) {
    if (s == "certificate") {
        return S2sAuth::certificate;
    }
    if (s == "dialback") {
        return S2sAuth::dialback;
    }
    if (s == "insecure") {
        return S2sAuth::insecure;
    }
    return fail(fmt::format("'{}' is not one of \"certificate\", \"dialback\", \"insecure\"", s));
}

// "host:port", "[v6]:port" or "host" (port 5269); a "tls://" prefix means
// direct TLS (XEP-0368).
Result<S2sRoute> parse_s2s_route(std::string_view s) {
    S2sRoute route;
    if (s.starts_with("tls://")) {
        route.direct_tls = true;
        s.remove_prefix(6);
    }
    std::string_view port;
    if (s.starts_with('[')) {
        auto close = s.find(']');
        if (close == std::string_view::npos) {
            return fail(fmt::format("'{}' has no closing ']'", s));
        }
        route.host = std::string(s.substr(1, close - 1));
        s.remove_prefix(close + 1);
        if (s.starts_with(':')) {
            port = s.substr(1);
        } else if (!s.empty()) {
            return fail("expected ':port' after ']'");
        }
    } else if (auto colon = s.rfind(':'); colon != std::string_view::npos) {
        route.host = std::string(s.substr(0, colon));
        port = s.substr(colon + 1);
    } else {
        route.host = std::string(s);
    }
    if (route.host.empty()) {
        return fail("the host is empty");
    }
    if (!port.empty()) {
        unsigned value = 0;
        for (char ch : port) {
            if (ch < '0' || ch > '9' || value > 65535) {
                return fail(fmt::format("'{}' is not a port number", port));
            }
            value = value * 10 + static_cast<unsigned>(ch - '0');
        }
        if (value == 0 || value > 65535) {
            return fail(fmt::format("'{}' is not a port number", port));
        }
        route.port = static_cast<std::uint16_t>(value);
    }
    return route;
}

Result<void> read_s2s(const std::string& path, const toml::table& t, S2sConfig& s) {
    Reader r(path, t, "s2s.");
    PARLEY_TRY(r.get("bind", s.listener.bind));
    s.direct_tls.bind = s.listener.bind;
    PARLEY_TRY(r.get("port", s.listener.port));
    PARLEY_TRY(r.get("direct_tls_port", s.direct_tls.port));
    std::string auth(s2s_auth_name(s.default_auth));
    PARLEY_TRY(r.get("auth", auth));
    if (auto a = parse_s2s_auth(auth)) {
        s.default_auth = *a;
    } else {
        return fail(fmt::format("{}: s2s.auth: {}", path, a.error().message));
    }
    PARLEY_TRY(r.get("ca_file", s.ca_file));
    PARLEY_TRY(r.get("dialback_secret", s.dialback_secret));
    PARLEY_TRY(r.get("dns_servers", s.dns_servers));
    PARLEY_TRY(r.get("connect_timeout", s.connect_timeout));
    PARLEY_TRY(r.get("idle_timeout", s.idle_timeout));
    PARLEY_TRY(r.get("max_queue", s.max_queue));
    r.allow("routes");
    r.allow("domains");
    PARLEY_TRY(r.check_unknown());
    // Both sub-tables map a domain to a string.
    auto each = [&](std::string_view name, auto&& take) -> Result<void> {
        if (!t.contains(name)) {
            return {};
        }
        const auto* table = t[name].as_table();
        if (!table) {
            return fail(fmt::format("{}: s2s.{} must be a table of \"domain\" = \"value\"", path,
                                    name));
        }
        for (const auto& [k, v] : *table) {
            auto domain = xmpp::normalize_domainpart(k.str());
            auto value = v.template value<std::string>();
            if (!domain || !value) {
                return fail(fmt::format("{}:{}: s2s.{}.\"{}\" needs a domain name and a string value",
                                        path, v.source().begin.line, name, k.str()));
            }
            auto r = take(*domain, *value);
            if (!r) {
                return fail(fmt::format("{}:{}: s2s.{}.\"{}\": {}", path, v.source().begin.line,
                                        name, k.str(), r.error().message));
            }
        }
        return {};
    };
    PARLEY_TRY(each("routes", [&](const std::string& domain, const std::string& value) -> Result<void> {
        auto route = parse_s2s_route(value);
        if (!route) {
            return fail(route.error());
        }
        s.routes[domain] = *route;
        return {};
    }));
    PARLEY_TRY(each("domains", [&](const std::string& domain, const std::string& value) -> Result<void> {
        auto a = parse_s2s_auth(value);
        if (!a) {
            return fail(a.error());
        }
        s.domain_auth[domain] = *a;
        return {};
    }));
    return {};
}

Result<void> validate(Config& c) {
    if (c.hosts.empty()) {
        return fail(fmt::format("{}: 'hosts' is empty: name at least one virtual host", c.source));
    }
    for (auto& h : c.hosts) {
        auto d = xmpp::normalize_domainpart(h);
        if (!d) {
            return fail(fmt::format("{}: host '{}' is not a valid domain name", c.source, h));
        }
        h = *d;
    }
    for (auto& comp : c.components) {
        auto d = xmpp::normalize_domainpart(comp.domain);
        if (!d) {
            return fail(fmt::format("{}: component domain '{}' is not a valid domain name",
                                    c.source, comp.domain));
        }
        comp.domain = *d;
        if (comp.secret.empty()) {
            return fail(fmt::format("{}: component '{}' needs a secret", c.source, comp.domain));
        }
    }
    if (c.resource_conflict != "replace" && c.resource_conflict != "refuse") {
        return fail(fmt::format("{}: c2s.resource_conflict must be \"replace\" or \"refuse\"",
                                c.source));
    }
    static const std::set<std::string> levels{"trace", "debug", "info", "warn", "error", "off"};
    if (!levels.count(c.log_level)) {
        return fail(fmt::format(
            "{}: log_level must be one of trace, debug, info, warn, error, off", c.source));
    }
    if (c.tls_certificate.empty() != c.tls_key.empty()) {
        return fail(fmt::format("{}: tls.certificate and tls.key go together: set both or neither",
                                c.source));
    }
    for (const auto& name : c.enabled_modules()) {
        bool known = false;
        for (const auto& m : builtin_modules()) {
            known = known || m.name == name;
        }
        if (!known) {
            return fail(fmt::format("{}: unknown module '{}' in modules.enabled", c.source, name));
        }
    }
    if (c.max_stanza_size < 10000) {
        return fail(fmt::format(
            "{}: c2s.max_stanza_size must be at least 10000 bytes (RFC 6120 §13.12)", c.source));
    }
    return {};
}

}  // namespace

Result<Config> load_config(const std::string& path) {
    toml::table root;
    try {
        root = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
        if (e.source().begin.line == 0) {
            return fail(fmt::format("{}: cannot read the config file: {}", path, e.description()));
        }
        return fail(fmt::format("{}:{}: {}", path, e.source().begin.line, e.description()));
    }
    Config c;
    c.source = path;
    Reader top(path, root, "");
    PARLEY_TRY(top.get("hosts", c.hosts));
    PARLEY_TRY(top.get("data_dir", c.data_dir));
    PARLEY_TRY(top.get("workers", c.workers));
    PARLEY_TRY(top.get("log_level", c.log_level));
    PARLEY_TRY(top.get("log_file", c.log_file));

    auto section = [&](std::string_view name) -> const toml::table* {
        return root[name].as_table();
    };
    static const toml::table empty;
    auto table_or_empty = [&](std::string_view name) -> const toml::table& {
        auto* t = section(name);
        return t ? *t : empty;
    };
    // Tables that are present but not tables are an error.
    for (auto name : {"c2s", "s2s", "tls", "storage", "components", "modules", "http"}) {
        top.allow(name);
        if (root.contains(name) && !section(name)) {
            return fail(fmt::format("{}:{}: '{}' must be a table ([{}])", path,
                                    root[name].node()->source().begin.line, name, name));
        }
    }
    PARLEY_TRY(top.check_unknown());

    {
        Reader r(path, table_or_empty("c2s"), "c2s.");
        PARLEY_TRY(r.get("bind", c.c2s.bind));
        c.c2s_direct_tls.bind = c.c2s.bind;
        PARLEY_TRY(r.get("port", c.c2s.port));
        PARLEY_TRY(r.get("direct_tls_port", c.c2s_direct_tls.port));
        PARLEY_TRY(r.get("require_encryption", c.require_encryption));
        PARLEY_TRY(r.get("resource_conflict", c.resource_conflict));
        PARLEY_TRY(r.get("max_stanza_size", c.max_stanza_size));
        PARLEY_TRY(r.get("max_depth", c.max_depth));
        PARLEY_TRY(r.get("max_attributes", c.max_attributes));
        PARLEY_TRY(r.get("auth_failures_per_minute", c.auth_failures_per_minute));
        PARLEY_TRY(r.get("stream_opens_per_minute", c.stream_opens_per_minute));
        PARLEY_TRY(r.get("sm_resume_timeout", c.sm_resume_timeout));
        PARLEY_TRY(r.get("sm_max_unacked", c.sm_max_unacked));
        PARLEY_TRY(r.get("fast_token_lifetime", c.fast_token_lifetime));
        PARLEY_TRY(r.check_unknown());
    }
    {
        Reader r(path, table_or_empty("tls"), "tls.");
        PARLEY_TRY(r.get("certificate", c.tls_certificate));
        PARLEY_TRY(r.get("key", c.tls_key));
        PARLEY_TRY(r.get("ciphers", c.tls_ciphers));
        PARLEY_TRY(r.check_unknown());
    }
    {
        auto r = read_s2s(path, table_or_empty("s2s"), c.s2s);
        if (!r) {
            return fail(r.error());
        }
    }
    {
        Reader r(path, table_or_empty("http"), "http.");
        PARLEY_TRY(r.get("bind", c.http.https.bind));
        PARLEY_TRY(r.get("port", c.http.https.port));
        PARLEY_TRY(r.get("http_bind", c.http.http.bind));
        PARLEY_TRY(r.get("http_port", c.http.http.port));
        PARLEY_TRY(r.get("external_url", c.http.external_url));
        PARLEY_TRY(r.get("max_header_size", c.http.max_header_size));
        PARLEY_TRY(r.get("header_timeout", c.http.header_timeout));
        PARLEY_TRY(r.get("body_timeout", c.http.body_timeout));
        PARLEY_TRY(r.get("keep_alive_timeout", c.http.keep_alive_timeout));
        PARLEY_TRY(r.get("max_requests_per_connection", c.http.max_requests_per_connection));
        PARLEY_TRY(r.check_unknown());
        if (!c.http.external_url.empty() && !c.http.external_url.starts_with("https://") &&
            !c.http.external_url.starts_with("http://")) {
            return fail(fmt::format("{}: http.external_url must start with https:// or http://",
                                    path));
        }
    }
    {
        Reader r(path, table_or_empty("storage"), "storage.");
        PARLEY_TRY(r.get("backend", c.storage_backend));
        PARLEY_TRY(r.get("sqlite_path", c.sqlite_path));
        PARLEY_TRY(r.check_unknown());
    }
    {
        const auto& t = table_or_empty("components");
        Reader r(path, t, "components.");
        PARLEY_TRY(r.get("bind", c.component.bind));
        PARLEY_TRY(r.get("port", c.component.port));
        r.allow("secrets");
        PARLEY_TRY(r.check_unknown());
        if (const auto* secrets = t["secrets"].as_table()) {
            for (const auto& [domain, secret] : *secrets) {
                auto s = secret.value<std::string>();
                if (!s) {
                    return fail(fmt::format("{}:{}: components.secrets.\"{}\" must be a string",
                                            path, secret.source().begin.line, domain.str()));
                }
                c.components.push_back({std::string(domain.str()), *s});
            }
        } else if (t.contains("secrets")) {
            return fail(fmt::format("{}: components.secrets must be a table of domain = \"secret\"",
                                    path));
        }
    }
    {
        const auto& t = table_or_empty("modules");
        for (const auto& [k, v] : t) {
            std::string key(k.str());
            if (key == "enabled") {
                std::vector<std::string> list;
                Reader r(path, t, "modules.");
                PARLEY_TRY(r.get("enabled", list));
                c.modules_enabled = list;
            } else if (key == "disabled") {
                Reader r(path, t, "modules.");
                PARLEY_TRY(r.get("disabled", c.modules_disabled));
            } else if (const auto* sub = v.as_table()) {
                const ModuleInfo* info = nullptr;
                for (const auto& m : builtin_modules()) {
                    if (m.name == key) {
                        info = &m;
                    }
                }
                if (!info) {
                    return fail(fmt::format("{}:{}: unknown module 'modules.{}' (see "
                                            "docs/CONFIGURATION.md for the module names)",
                                            path, v.source().begin.line, key));
                }
                auto& values = c.module_settings[key];
                for (const auto& [sk, sv] : *sub) {
                    if (std::find(info->options.begin(), info->options.end(), sk.str()) ==
                        info->options.end()) {
                        return fail(fmt::format(
                            "{}:{}: unknown setting 'modules.{}.{}' (see docs/CONFIGURATION.md)",
                            path, sv.source().begin.line, key, sk.str()));
                    }
                    values[std::string(sk.str())] = toml_value_text(sv);
                }
            } else {
                return fail(fmt::format(
                    "{}:{}: unknown setting 'modules.{}' (modules take 'enabled', 'disabled' and "
                    "[modules.NAME] tables)",
                    path, v.source().begin.line, key));
            }
        }
    }
    PARLEY_TRY(validate(c));
    return c;
}

}  // namespace parley
