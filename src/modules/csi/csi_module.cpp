// XEP-0352 Client State Indication v1.0.0: the stream feature after
// authentication (§3), <active/> and <inactive/> from the client (§4), and
// the server-side optimisation it allows (§5): csi_filter.hpp.
#include "core/module.hpp"
#include "modules/csi/csi_filter.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod {

namespace {

struct CsiSlot {
    std::shared_ptr<csi::Filter> filter;
};

class CsiModule final : public Module {
public:
    Result<void> start(ModuleContext& ctx) override {
        ctx.add_stream_feature(xml::Element::make("csi", std::string(ns::csi)));
        ctx.on_nonza(std::string(ns::csi), set_state);
        // XEP-0386 §2.2: the session may begin in the state the client names
        // inside its Bind 2 request.
        ctx.on_bind_inline(std::string(ns::csi),
                           [](Session& s, const xml::Element& el, xml::Element&) { set_state(s, el); });
        return {};
    }

private:
    static void set_state(Session& session, const xml::Element& el) {
        if (el.name() != "active" && el.name() != "inactive") {
            return;  // nothing else is defined in this namespace
        }
        auto& slot = session.ext<CsiSlot>();
        if (!slot.filter) {
            slot.filter = std::make_shared<csi::Filter>();
            session.set_delivery_filter(slot.filter);
        }
        slot.filter->set_inactive(session, el.name() == "inactive");
    }
};

}  // namespace

std::unique_ptr<Module> make_csi_module() { return std::make_unique<CsiModule>(); }

}  // namespace parley::mod
