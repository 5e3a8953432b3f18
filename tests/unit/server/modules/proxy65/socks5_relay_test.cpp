// XEP-0065 §5.3.2: the DST.ADDR hash.
#include "modules/proxy65/socks5_relay.hpp"

#include <gtest/gtest.h>

namespace parley::mod::proxy65 {
namespace {

TEST(Socks5Relay, Xep0065_5_3_2_HashIsSha1OfSidInitiatorTargetInHex) {
    EXPECT_EQ(stream_hash("vxf9n471bn46", "requester@example.com/foo", "target@example.org/bar"),
              "98b8d688d0f5d895fd41c5e7309a2e9e33ba32ff");
}

TEST(Socks5Relay, ActivationOfAnUnknownHashIsNotFound) {
    Socks5Relay relay({});
    EXPECT_EQ(relay.activate(std::string(40, 'a')), Socks5Relay::Activation::not_found);
    EXPECT_EQ(relay.active_transfers(), 0u);
}

}  // namespace
}  // namespace parley::mod::proxy65
