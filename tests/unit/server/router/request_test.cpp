// Router::request: an iq sent by the server is answered to the waiting caller
// (matched by id and by the answering JID), or times out with nullptr.

#include <gtest/gtest.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <functional>
#include <vector>

#include "unit/server/modules/module_harness.hpp"

namespace parley::test {
namespace {

using namespace std::chrono_literals;

xml::ElementPtr disco_get(const std::string& from, const std::string& to) {
    auto iq = xml::parse_element("<iq xmlns='jabber:client' type='get'>"
                                 "<query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
    iq->set_attr("from", from);
    iq->set_attr("to", to);
    return iq;
}

// The answer `s` would send to the request it received (from `from`).
xml::ElementRef answer_to(const xml::Element& request, const std::string& from, bool error) {
    auto reply = xml::Element::make("iq", "jabber:client");
    reply->set_attr("type", error ? "error" : "result");
    reply->set_attr("id", std::string(request.attr_or("id")));
    reply->set_attr("from", from);
    reply->set_attr("to", std::string(request.attr_or("from")));
    return reply;
}

// Waits until the fake session got something (the router delivers by post).
Awaitable<void> received(FakeSession& s) {
    asio::steady_timer t(co_await asio::this_coro::executor);
    while (s.received.empty()) {
        t.expires_after(1ms);
        co_await t.async_wait(asio::use_awaitable);
    }
}

// Sends a disco#info request from `from` to `target` through the router;
// once the target has it, routes the stanzas `answers` makes from it. Returns
// what the request returned.
xml::ElementRef ask(ModuleHarness& h, FakeSession& target, const std::string& from,
                    const std::function<std::vector<xml::ElementRef>(const xml::Element&)>& answers) {
    xml::ElementRef answer;
    h.run([&]() -> Awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        asio::co_spawn(
            ex,
            [&]() -> Awaitable<void> {
                auto iq = disco_get(from, target.jid().str());
                answer = co_await h.router().request(iq, 5s);
            },
            asio::detached);
        co_await received(target);
        const xml::ElementRef req = target.received.front();
        EXPECT_TRUE(req->attr("id").has_value());
        EXPECT_EQ(req->attr_or("from"), from);
        for (const auto& a : answers(*req)) {
            co_await h.router().route(a);
        }
    });
    return answer;
}

TEST(RouterRequest, ResultFromTheAskedJidCompletesTheRequest) {
    ModuleHarness h;
    auto juliet = h.connect("juliet@example.org/balcony");
    h.connect("romeo@example.org/orchard");
    auto answer = ask(h, *juliet, "romeo@example.org", [](const xml::Element& req) {
        // A forged answer from another JID is ignored; the real one is taken.
        return std::vector<xml::ElementRef>{answer_to(req, "romeo@example.org/orchard", false),
                                            answer_to(req, "juliet@example.org/balcony", false)};
    });
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->attr_or("type"), "result");
    EXPECT_EQ(answer->attr_or("from"), "juliet@example.org/balcony");
}

TEST(RouterRequest, ErrorAnswersToo) {
    ModuleHarness h;
    auto juliet = h.connect("juliet@example.org/balcony");
    auto answer = ask(h, *juliet, "example.org", [](const xml::Element& req) {
        return std::vector<xml::ElementRef>{answer_to(req, "juliet@example.org/balcony", true)};
    });
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->attr_or("type"), "error");
}

TEST(RouterRequest, NoAnswerTimesOut) {
    ModuleHarness h;
    auto juliet = h.connect("juliet@example.org/balcony");
    xml::ElementRef answer = xml::Element::make("x", "y");
    const auto start = std::chrono::steady_clock::now();
    h.run([&]() -> Awaitable<void> {
        auto iq = disco_get("example.org", "juliet@example.org/balcony");
        answer = co_await h.router().request(iq, 50ms);
    });
    EXPECT_FALSE(answer);
    EXPECT_GE(std::chrono::steady_clock::now() - start, 50ms);
    EXPECT_EQ(juliet->received.size(), 1u);
}

}  // namespace
}  // namespace parley::test
