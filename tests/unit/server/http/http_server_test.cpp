// The HTTP server's pure parts: the route table (longest prefix), percent
// coding (RFC 3986 §2.1) and query parameters.
#include "http/http_server.hpp"

#include <gtest/gtest.h>

namespace parley::http {
namespace {

TEST(HttpRoutes, LongestPrefixWinsAndPrefixesAreUnique) {
    Routes r;
    int hit = 0;
    Handler a = [&hit](Exchange&) -> boost::asio::awaitable<void> { hit = 1; co_return; };
    EXPECT_TRUE(r.add("/upload/", a));
    EXPECT_TRUE(r.add("/upload/localhost/", a));
    EXPECT_FALSE(r.add("/upload/", a));
    EXPECT_FALSE(r.add("nope", a));
    EXPECT_NE(r.find("/upload/localhost/x"), nullptr);
    EXPECT_EQ(r.find("/upload/localhost/x"), r.find("/upload/localhost/"));
    EXPECT_NE(r.find("/upload/localhost/x"), r.find("/upload/other"));
    EXPECT_EQ(r.find("/admin"), nullptr);
}

TEST(HttpPercent, Rfc3986_2_1_RoundTripAndMalformed) {
    EXPECT_EQ(percent_encode("très cool.jpg"), "tr%C3%A8s%20cool.jpg");
    EXPECT_EQ(*percent_decode("tr%C3%A8s%20cool.jpg"), "très cool.jpg");
    EXPECT_FALSE(percent_decode("%4"));
    EXPECT_FALSE(percent_decode("%zz"));
    EXPECT_FALSE(percent_decode("abc%"));
    EXPECT_EQ(*percent_decode("a%2Fb"), "a/b");
}

TEST(HttpQuery, FindsDecodedParameters) {
    EXPECT_EQ(*query_param("a=1&b=x%40y&c=", "b"), "x@y");
    EXPECT_EQ(*query_param("a=1&b=x%40y&c=", "c"), "");
    EXPECT_FALSE(query_param("a=1", "b"));
}

}  // namespace
}  // namespace parley::http
