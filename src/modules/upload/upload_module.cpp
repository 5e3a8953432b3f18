// XEP-0363 HTTP File Upload v1.1.0: the service upload.<host>, served through
// ModuleContext::serve_domain. §3 discovery (identity store/file, the
// feature, and the XEP-0128 form with max-file-size), §4 slot requests with
// the §4.2/§4.3 errors (file-too-large with <max-file-size/>, quota as
// resource-constraint, not-allowed for users of other domains), and the HTTP
// route (upload_http.cpp) registered through ModuleContext::http_route.
// Settings: [modules.upload] (docs/CONFIGURATION.md).
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <chrono>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "auth/crypto.hpp"
#include "http/http_server.hpp"
#include "modules/served_domain.hpp"
#include "modules/upload/upload_service.hpp"
#include "router/router.hpp"
#include "xmpp/data_form.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod {

namespace upload {

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

void UploadService::maybe_sweep(std::int64_t now) {
    std::int64_t last = last_sweep.load();
    if (now - last < sweep_interval || !last_sweep.compare_exchange_strong(last, now)) {
        return;  // not due, or another worker sweeps now
    }
    if (const std::size_t n = store->sweep(now); n > 0) {
        log->info("upload: removed {} expired file(s) for {}", n, host);
    }
}

namespace {

using xmpp::Condition;
using xmpp::ErrorType;
using xmpp::StanzaError;

// §3: identity store/file, the feature, and max-file-size in an XEP-0128
// extended-information form (Example 2).
xml::ElementPtr service_info(const UploadService& svc) {
    const std::string dns(ns::disco_info);
    auto q = xml::Element::make("query", dns);
    auto& id = q->add("identity", dns);
    id.set_attr("category", "store");
    id.set_attr("type", "file");
    id.set_attr("name", svc.name);
    for (auto f : {ns::disco_info, ns::disco_items, ns::http_upload}) {
        q->add("feature", dns).set_attr("var", std::string(f));
    }
    q->add_child(xmpp::form::build(
        "result", "", "",
        {{"FORM_TYPE", "hidden", "", {std::string(ns::http_upload)}, {}},
         {"max-file-size", "", "", {std::to_string(svc.max_file_size)}, {}}}));
    return q;
}

// §4.2: the file is too large; the error carries the limit.
StanzaError file_too_large(std::uint64_t max) {
    StanzaError err(Condition::not_acceptable, ErrorType::modify,
                    fmt::format("File too large. The maximum file size is {} bytes", max));
    err.app_specific = xml::Element::make("file-too-large", std::string(ns::http_upload));
    err.app_specific->add_text_child("max-file-size", std::string(ns::http_upload),
                                     std::to_string(max));
    return err;
}

std::optional<std::uint64_t> parse_size(std::string_view s) {
    std::uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || s.empty()) {
        return std::nullopt;
    }
    return v;
}

// §4: a slot for one file, or the error that says why not.
Result<xml::ElementPtr, StanzaError> request_slot(UploadService& svc, const xmpp::Jid& from,
                                                  const xml::Element& request) {
    if (!svc.allowed_domains.contains(from.domain())) {
        return fail(StanzaError(Condition::not_allowed, ErrorType::cancel,
                                "Only users of this server may upload files"));
    }
    const auto filename = sanitize_filename(request.attr_or("filename"));
    const auto size = parse_size(request.attr_or("size"));
    if (filename.empty() || !size || *size == 0) {
        return fail(StanzaError(Condition::bad_request, ErrorType::modify,
                                "A slot request needs a filename and a positive size"));
    }
    if (*size > svc.max_file_size) {
        return fail(file_too_large(svc.max_file_size));
    }
    const std::int64_t now = unix_now();
    svc.maybe_sweep(now);
    const std::string owner = from.bare_str();
    const auto quota = svc.store->options().quota;
    if (quota > 0 && svc.store->usage(owner) + *size > quota) {
        return fail(StanzaError(
            Condition::resource_constraint, ErrorType::wait,
            fmt::format("Quota reached: you may store {} bytes and have {} bytes stored", quota,
                        svc.store->usage(owner))));
    }
    Slot slot;
    slot.id = new_slot_id();
    slot.filename = filename;
    slot.size = *size;
    slot.content_type = std::string(request.attr_or("content-type"));
    slot.owner = owner;
    slot.expires = now + svc.slot_lifetime;
    const std::string get_url = svc.base_url + slot.id + "/" + http::percent_encode(filename);
    const std::string dns(ns::http_upload);
    auto el = xml::Element::make("slot", dns);
    el->add("put", dns).set_attr("url", get_url + "?" + sign_query(slot, svc.key));
    el->add("get", dns).set_attr("url", get_url);
    svc.log->debug("upload: slot {} for {} ({} bytes)", slot.id, owner, slot.size);
    return el;
}

Awaitable<void> handle_stanza(UploadService& svc, Router& router, StanzaEvent& ev) {
    const xml::Element* payload = service_request(router, ev);
    if (!payload || answer_disco(router, ev, *payload, [&svc] { return service_info(svc); })) {
        co_return;
    }
    if (ev.type == "get" && payload->is("request", ns::http_upload)) {
        auto slot = request_slot(svc, ev.from, *payload);
        if (slot) {
            router.send(iq_result(*ev.stanza, std::move(*slot)));
        } else {
            router.bounce(*ev.stanza, slot.error());
        }
    } else {
        router.bounce(*ev.stanza, StanzaError(Condition::service_unavailable));
    }
}

// The HMAC key for slot URLs: the configured secret, else one generated on
// first start and kept (mode 0600) beside the files, so URLs survive restarts.
Result<std::string> slot_key(const ModuleConfig& c, const std::string& dir) {
    if (c.has("secret")) {
        return c.get_string("secret", "");
    }
    const auto path = std::filesystem::path(dir) / ".key";
    if (std::ifstream in(path, std::ios::binary); in) {
        std::stringstream text;
        text << in.rdbuf();
        if (text.str().size() >= 32) {
            return text.str();
        }
    }
    const std::string key = auth::crypto::random_bytes(32);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << key;
    if (!out.flush()) {
        return fail(fmt::format("cannot write {}", path.string()));
    }
    ::chmod(path.c_str(), 0600);
    return key;
}

Result<void> read_options(const ModuleContext& ctx, UploadService& svc, StoreOptions& so) {
    const auto& c = ctx.config();
    const auto& host = ctx.host();
    svc.host = host;
    svc.domain = c.get_string("domain", "upload." + host);
    svc.name = c.get_string("name", "HTTP File Upload");
    const auto positive = [&](std::string_view key, std::int64_t fallback) -> Result<std::int64_t> {
        const auto v = c.get_int(key, fallback);
        if (v <= 0) {
            return fail(fmt::format("modules.upload.{} must be a positive number", key));
        }
        return v;
    };
    const auto non_negative = [&](std::string_view key, std::int64_t fallback) -> Result<std::int64_t> {
        const auto v = c.get_int(key, fallback);
        if (v < 0) {
            return fail(fmt::format("modules.upload.{} must not be negative", key));
        }
        return v;
    };
    auto max_size = positive("max_file_size", 100 * 1024 * 1024);
    auto lifetime = positive("slot_lifetime", 300);
    auto sweep = positive("sweep_interval", 3600);
    auto quota = non_negative("quota", 1024LL * 1024 * 1024);
    auto max_age = non_negative("max_age", 30 * 24 * 3600);
    auto max_total = non_negative("max_total_size", 0);
    for (const auto* r : {&max_size, &lifetime, &sweep, &quota, &max_age, &max_total}) {
        if (!*r) {
            return fail(r->error());
        }
    }
    svc.max_file_size = static_cast<std::uint64_t>(*max_size);
    svc.slot_lifetime = *lifetime;
    svc.sweep_interval = *sweep;
    so.quota = static_cast<std::uint64_t>(*quota);
    so.max_age = *max_age;
    so.max_total_size = static_cast<std::uint64_t>(*max_total);
    so.dir = c.get_string("storage_dir", ctx.server_info().data_dir + "/upload/" + host);
    svc.allowed_domains = domain_set(c.get_string("allowed_domains", host));
    return {};
}

class UploadModule final : public Module {
public:
    Result<void> start(ModuleContext& ctx) override {
        auto svc = std::make_shared<UploadService>();
        StoreOptions so;
        if (auto r = read_options(ctx, *svc, so); !r) {
            return r;
        }
        auto store = FileStore::open(so);
        if (!store) {
            return fail(store.error());
        }
        svc->store = std::move(*store);
        auto key = slot_key(ctx.config(), so.dir);
        if (!key) {
            return fail(key.error());
        }
        svc->key = std::move(*key);
        svc->path_prefix = "/upload/" + ctx.host() + "/";
        svc->base_url = ctx.http_url(svc->path_prefix);
        svc->log = std::make_shared<spdlog::logger>(ctx.log());
        svc->maybe_sweep(unix_now());
        if (auto r = ctx.http_route(svc->path_prefix,
                                    [svc](http::Exchange& ex) { return handle_http(*svc, ex); });
            !r) {
            return r;
        }
        service_ = svc;
        Router* router = &ctx.router();
        return ctx.serve_domain(svc->domain, svc->name, [svc, router](StanzaEvent& ev) {
            return handle_stanza(*svc, *router, ev);
        });
    }

private:
    std::shared_ptr<UploadService> service_;
};

}  // namespace

}  // namespace upload

std::unique_ptr<Module> make_upload_module() { return std::make_unique<upload::UploadModule>(); }

}  // namespace parley::mod
