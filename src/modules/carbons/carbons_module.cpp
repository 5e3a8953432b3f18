// XEP-0280 Message Carbons v1.0.1:
//   §3 the "urn:xmpp:carbons:2" server disco feature;
//   §4/§5 enable and disable per session (also inline in a XEP-0386 Bind 2
//         request, ModuleContext::on_bind_inline) (repeating either is not an error,
//         §11.1; only a local client may ask, else not-allowed);
//   §6 which messages are copied (carbon_copy.hpp), §7 <private/>, and
//      XEP-0334 v0.3.0 §4 <no-copy/>;
//   §8 received copies: a message for the user (to the bare JID or to one
//      resource) is copied to every carbons-enabled resource that did not get
//      it under the RFC 6121 §8.5 rules;
//   §9 sent copies: a message a resource sends is copied to the user's other
//      carbons-enabled resources, whether or not the sender enabled carbons.
//
// Thread model: whether carbons are enabled is per-session state
// (CarbonsState) that only the session's thread touches, so a copy is offered
// as a post to each candidate resource's executor, where the flag is read and
// the copy built and written. No lock, nothing shared.
//
// Priority: the hooks run at Priority::archive, below MAM's stanza-id stamping
// (Priority::archive + 10), so that copies carry the archive id XEP-0313 §3.5
// asks for; see docs/ARCHITECTURE.md "The archive band".
#include <boost/asio/post.hpp>

#include <string>
#include <vector>

#include "core/module.hpp"
#include "modules/carbons/carbon_copy.hpp"
#include "router/delivery_rules.hpp"
#include "router/router.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod {

namespace {

namespace asio = boost::asio;
using carbons::Direction;
using xmpp::Condition;
using xmpp::StanzaError;

// Session slot, read and written on the session's thread only.
struct CarbonsState {
    bool enabled = false;
};

// Offers a copy of `original` to one resource of `owner`: on that resource's
// thread, it is written only if the resource enabled carbons.
void offer(const ResourceEntry& to, Direction d, const xml::ElementRef& original,
           const std::string& owner) {
    asio::post(to.executor, [weak = to.session, d, original, owner] {
        auto session = weak.lock();
        if (!session || !session->ext<CarbonsState>().enabled) {
            return;
        }
        session->deliver(carbons::make_copy(d, original, owner, session->jid().str()));
    });
}

class CarbonsModule final : public Module {
public:
    Result<void> start(ModuleContext& ctx) override {
        ctx.add_feature(std::string(ns::carbons));  // §3
        for (auto scope : {IqScope::host, IqScope::account}) {
            ctx.on_iq(IqType::set, scope, ns::carbons, "enable",
                      [](IqRequest& req) { return toggle(req, true); });
            ctx.on_iq(IqType::set, scope, ns::carbons, "disable",
                      [](IqRequest& req) { return toggle(req, false); });
        }
        // XEP-0386 §2.2: <enable/> inside a Bind 2 request; it cannot fail
        // and needs no answer in <bound/>.
        ctx.on_bind_inline(std::string(ns::carbons), [](Session& s, const xml::Element& req, xml::Element&) {
            if (req.name() == "enable") {
                s.ext<CarbonsState>().enabled = true;
            }
        });
        ctx.hook(StanzaHook::message_from_client, Priority::archive,
                 [](StanzaEvent& ev) { return sent(ev); });
        ctx.hook(StanzaHook::message_to_bare, Priority::archive,
                 [](StanzaEvent& ev) { return received(ev, /*to_bare=*/true); });
        ctx.hook(StanzaHook::message_to_full, Priority::archive,
                 [](StanzaEvent& ev) { return received(ev, /*to_bare=*/false); });
        return {};
    }

private:
    // §4, §5: runs on the requesting session's thread (the iq came from it).
    static Awaitable<void> toggle(IqRequest& req, bool enable) {
        Session* origin = req.origin();
        if (origin == nullptr || origin->jid() != req.from() ||
            (!req.to().local().empty() && !req.from_self())) {
            req.reply_error(StanzaError(Condition::not_allowed,
                                        "carbons are enabled by a client for its own session"));
            co_return;
        }
        origin->ext<CarbonsState>().enabled = enable;
        req.reply();
        co_return;
    }

    // §9: copies of what a resource sends, to the user's other resources.
    static Awaitable<Handled> sent(StanzaEvent& ev) {
        if (!carbons::eligible(*ev.stanza)) {
            co_return Handled::no;
        }
        const std::string owner = ev.from.bare_str();
        for (const auto& r : ev.router.sessions().resources(owner)) {
            if (r.resource == ev.from.resource()) {
                continue;  // §9: not to the sending resource
            }
            if (ev.to.bare_view() == owner && r.resource == ev.to.resource()) {
                continue;  // a message to one's own resource: that one gets the original
            }
            offer(r, Direction::sent, ev.stanza, owner);
        }
        co_return Handled::no;
    }

    // §8: copies of what the user receives, to the resources that do not get
    // the original under RFC 6121 §8.5.
    static Awaitable<Handled> received(StanzaEvent& ev, bool to_bare) {
        const bool copy = carbons::eligible(*ev.stanza);  // sees <private/> before it goes
        if (auto stripped = carbons::without_private(ev.stanza); stripped != ev.stanza) {
            ev.stanza = std::move(stripped);  // §7
            ev.type = ev.stanza->attr_or("type");  // ev.type pointed into the old stanza
        }
        const std::string owner = ev.to.bare_str();
        if (!copy || ev.from.bare_view() == owner) {
            co_return Handled::no;  // to oneself: the sent copies (§9) cover the other resources
        }
        const auto resources = ev.router.sessions().resources(owner);
        std::vector<bool> gets_original(resources.size(), false);
        if (to_bare) {
            const auto d = message_to_bare(ev.type, resources);
            if (d.action == Delivery::deliver) {
                for (auto i : d.targets) {
                    gets_original[i] = true;
                }
            }
        } else {
            for (std::size_t i = 0; i < resources.size(); ++i) {
                gets_original[i] = resources[i].resource == ev.to.resource();
            }
        }
        for (std::size_t i = 0; i < resources.size(); ++i) {
            if (!gets_original[i]) {
                offer(resources[i], Direction::received, ev.stanza, owner);
            }
        }
        co_return Handled::no;
    }
};

}  // namespace

std::unique_ptr<Module> make_carbons_module() { return std::make_unique<CarbonsModule>(); }

}  // namespace parley::mod
