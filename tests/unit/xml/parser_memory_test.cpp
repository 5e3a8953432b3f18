// The slab pool behind expat's allocations (xml/parser_memory): blocks keep
// their contents through realloc, and freeing every block gives the slabs back.
#include "xml/parser_memory.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

namespace parley::xml {
namespace {

struct Block {
    void* p;
    std::size_t size;
    unsigned char fill;
};

bool intact(const Block& b) {
    const auto* bytes = static_cast<const unsigned char*>(b.p);
    for (std::size_t i = 0; i < b.size; ++i) {
        if (bytes[i] != b.fill) {
            return false;
        }
    }
    return true;
}

TEST(ParserMemory, BlocksKeepTheirBytesAndAreAligned) {
    std::mt19937 rng(42);
    std::vector<Block> blocks;
    for (int i = 0; i < 5000; ++i) {
        std::size_t size = 1 + rng() % (i % 10 == 0 ? 20000 : 3000);
        auto fill = static_cast<unsigned char>(rng());
        void* p = parser_memory::allocate(size);
        ASSERT_NE(p, nullptr);
        EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % 16, 0u);
        std::memset(p, fill, size);
        blocks.push_back({p, size, fill});
        if (rng() % 3 == 0) {  // free one at random
            auto k = rng() % blocks.size();
            ASSERT_TRUE(intact(blocks[k]));
            parser_memory::release(blocks[k].p);
            blocks.erase(blocks.begin() + static_cast<long>(k));
        }
        if (rng() % 5 == 0 && !blocks.empty()) {  // grow or shrink one
            auto& b = blocks[rng() % blocks.size()];
            ASSERT_TRUE(intact(b));
            std::size_t size2 = 1 + rng() % 12000;
            void* q = parser_memory::reallocate(b.p, size2);
            ASSERT_NE(q, nullptr);
            b.p = q;
            b.size = std::min(b.size, size2);
            ASSERT_TRUE(intact(b));
            std::memset(q, b.fill, size2);
            b.size = size2;
        }
    }
    for (const auto& b : blocks) {
        ASSERT_TRUE(intact(b));
        parser_memory::release(b.p);
    }
    // Freed slabs are unmapped, except one kept per size class.
    EXPECT_LE(parser_memory::mapped_bytes(), 29u * 64 * 1024);
}

TEST(ParserMemory, ReallocOfNullAllocatesAndFreeOfNullIsANoOp) {
    void* p = parser_memory::reallocate(nullptr, 100);
    ASSERT_NE(p, nullptr);
    std::memset(p, 1, 100);
    parser_memory::release(p);
    parser_memory::release(nullptr);
}

}  // namespace
}  // namespace parley::xml
