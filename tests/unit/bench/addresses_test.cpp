// --source-addresses parsing and the options' account names.
#include <gtest/gtest.h>

#include "parley-bench/addresses.hpp"
#include "parley-bench/options.hpp"

namespace parley::bench {
namespace {

TEST(SourceAddresses, RangeListAndSingle) {
    std::string error;
    auto r = parse_source_addresses("127.0.0.1-127.0.0.20", &error);
    ASSERT_EQ(r.size(), 20u) << error;
    EXPECT_EQ(r.front().to_string(), "127.0.0.1");
    EXPECT_EQ(r.back().to_string(), "127.0.0.20");
    r = parse_source_addresses("127.0.0.1,127.0.1.5-127.0.1.6", &error);
    ASSERT_EQ(r.size(), 3u);
    EXPECT_EQ(r[2].to_string(), "127.0.1.6");
    EXPECT_EQ(parse_source_addresses("10.0.0.1", &error).size(), 1u);
    EXPECT_TRUE(parse_source_addresses("", &error).empty());
}

TEST(SourceAddresses, RangeAcrossAnOctet) {
    std::string error;
    auto r = parse_source_addresses("127.0.0.254-127.0.1.1", &error);
    ASSERT_EQ(r.size(), 4u);
    EXPECT_EQ(r[2].to_string(), "127.0.1.0");
}

TEST(SourceAddresses, ErrorsSayWhat) {
    std::string error;
    EXPECT_TRUE(parse_source_addresses("localhost", &error).empty());
    EXPECT_NE(error.find("localhost"), std::string::npos);
    error.clear();
    EXPECT_TRUE(parse_source_addresses("127.0.0.9-127.0.0.1", &error).empty());
    EXPECT_NE(error.find("ends before"), std::string::npos);
}

TEST(Options, LocalPartFromThePattern) {
    Options o;
    o.user_pattern = "bench%d";
    EXPECT_EQ(o.local_part(1), "bench1");
    o.user_pattern = "u%d-x";
    EXPECT_EQ(o.local_part(20000), "u20000-x");
}

}  // namespace
}  // namespace parley::bench
