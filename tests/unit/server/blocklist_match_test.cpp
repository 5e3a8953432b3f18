// Tests for modules/blocking/blocklist: the JID matching rules of XEP-0191 §6
// (the XEP-0016 order) and the block-list cache.
#include "modules/blocking/blocklist.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace parley::mod::blocking {
namespace {

xmpp::Jid jid(std::string_view s) {
    auto r = xmpp::Jid::parse(s);
    EXPECT_TRUE(r.ok()) << s;
    return r ? *r : xmpp::Jid{};
}

bool matches(std::string_view item, std::string_view address) {
    return item_matches(jid(item), jid(address));
}

bool list_blocks(std::vector<std::string> items, std::string_view address) {
    return Blocklist(std::move(items)).blocks(jid(address));
}

TEST(BlocklistMatch, Xep0191_6_FullJidMatchesOnlyThatResource) {
    EXPECT_TRUE(matches("romeo@montague.net/orchard", "romeo@montague.net/orchard"));
    EXPECT_FALSE(matches("romeo@montague.net/orchard", "romeo@montague.net/garden"));
    EXPECT_FALSE(matches("romeo@montague.net/orchard", "romeo@montague.net"));
    EXPECT_FALSE(matches("romeo@montague.net/orchard", "montague.net"));
}

TEST(BlocklistMatch, Xep0191_6_BareJidMatchesAnyResource) {
    EXPECT_TRUE(matches("romeo@montague.net", "romeo@montague.net"));
    EXPECT_TRUE(matches("romeo@montague.net", "romeo@montague.net/orchard"));
    EXPECT_FALSE(matches("romeo@montague.net", "juliet@montague.net"));
    EXPECT_FALSE(matches("romeo@montague.net", "montague.net"));
    EXPECT_FALSE(matches("romeo@montague.net", "montague.net/orchard"));
    EXPECT_FALSE(matches("romeo@montague.net", "romeo@capulet.com"));
}

TEST(BlocklistMatch, Xep0191_6_DomainWithResourceMatchesOnlyThatResource) {
    EXPECT_TRUE(matches("muc.example/nick", "muc.example/nick"));
    // As XEP-0016 is read by ejabberd: any address at the domain with that resource.
    EXPECT_TRUE(matches("muc.example/nick", "room@muc.example/nick"));
    EXPECT_FALSE(matches("muc.example/nick", "muc.example/other"));
    EXPECT_FALSE(matches("muc.example/nick", "muc.example"));
    EXPECT_FALSE(matches("muc.example/nick", "room@muc.example"));
}

TEST(BlocklistMatch, Xep0191_6_DomainMatchesEveryAddressAtIt) {
    EXPECT_TRUE(matches("montague.net", "montague.net"));
    EXPECT_TRUE(matches("montague.net", "romeo@montague.net"));
    EXPECT_TRUE(matches("montague.net", "romeo@montague.net/orchard"));
    EXPECT_TRUE(matches("montague.net", "montague.net/resource"));
    // v1.3 dropped "or address containing a subdomain".
    EXPECT_FALSE(matches("montague.net", "romeo@chat.montague.net"));
    EXPECT_FALSE(matches("montague.net", "capulet.com"));
}

TEST(BlocklistMatch, ComparesNormalizedJids) {
    // Items and addresses are normalized when parsed (RFC 7622 §3).
    EXPECT_TRUE(matches("Romeo@Montague.NET", "romeo@montague.net/orchard"));
    EXPECT_TRUE(list_blocks({jid("Romeo@Montague.NET").str()}, "ROMEO@montague.net/x"));
}

TEST(Blocklist, BlocksAgreesWithItemMatches) {
    const std::vector<std::string> items{"romeo@montague.net/orchard", "iago@shakespeare.lit",
                                         "muc.example/nick", "evil.example"};
    const std::vector<std::string> addresses{
        "romeo@montague.net/orchard", "romeo@montague.net/garden", "romeo@montague.net",
        "iago@shakespeare.lit", "iago@shakespeare.lit/x", "othello@shakespeare.lit",
        "shakespeare.lit", "muc.example/nick", "room@muc.example/nick", "room@muc.example/other",
        "muc.example", "evil.example", "a@evil.example/b", "evil.example/r", "sub.evil.example",
        "juliet@capulet.com/balcony"};
    Blocklist list(items);
    for (const auto& a : addresses) {
        bool any = false;
        for (const auto& i : items) {
            any = any || matches(i, a);
        }
        EXPECT_EQ(list.blocks(jid(a)), any) << a;
    }
}

TEST(Blocklist, EmptyListBlocksNothing) {
    Blocklist list;
    EXPECT_TRUE(list.empty());
    EXPECT_FALSE(list.blocks(jid("romeo@montague.net")));
    EXPECT_FALSE(list.blocks(xmpp::Jid{}));
}

TEST(Blocklist, ItemsAreSortedAndUnique) {
    Blocklist list({"b.example", "a@b.example", "a@b.example", "a.example"});
    EXPECT_EQ(list.size(), 3u);
    EXPECT_EQ(list.items(), (std::vector<std::string>{"a.example", "a@b.example", "b.example"}));
    EXPECT_TRUE(list.contains("a@b.example"));
    EXPECT_FALSE(list.contains("c.example"));
}

TEST(BlocklistCache, RemembersAndForgets) {
    BlocklistCache cache(10);
    EXPECT_EQ(cache.find("alice@example.org"), nullptr);
    auto list = std::make_shared<const Blocklist>(std::vector<std::string>{"x.example"});
    cache.put("alice@example.org", list, cache.generation());
    EXPECT_EQ(cache.find("alice@example.org"), list);
    cache.invalidate("alice@example.org");
    EXPECT_EQ(cache.find("alice@example.org"), nullptr);
}

TEST(BlocklistCache, IgnoresAListReadBeforeAChange) {
    BlocklistCache cache(10);
    auto before = cache.generation();  // a reader starts loading...
    cache.invalidate("alice@example.org");  // ...the list changes meanwhile
    cache.put("alice@example.org", std::make_shared<const Blocklist>(), before);
    EXPECT_EQ(cache.find("alice@example.org"), nullptr);
}

TEST(BlocklistCache, StaysWithinItsBound) {
    BlocklistCache cache(3);
    for (int i = 0; i < 10; ++i) {
        cache.put("user" + std::to_string(i) + "@example.org", std::make_shared<const Blocklist>(),
                  cache.generation());
    }
    EXPECT_EQ(cache.size(), 3u);
    EXPECT_NE(cache.find("user9@example.org"), nullptr);  // the newest is kept
}

}  // namespace
}  // namespace parley::mod::blocking
