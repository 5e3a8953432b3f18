#include "xml/parser_memory.hpp"

#include <sys/mman.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>

#if defined(__SANITIZE_ADDRESS__)
#define PARLEY_PARSER_MEMORY_MALLOC 1
#endif

namespace parley::xml::parser_memory {

#if defined(PARLEY_PARSER_MEMORY_MALLOC)

void* allocate(std::size_t size) { return std::malloc(size); }
void* reallocate(void* p, std::size_t size) { return std::realloc(p, size); }
void release(void* p) { std::free(p); }
std::size_t mapped_bytes() { return 0; }

#else

namespace {

constexpr std::size_t kSlabBytes = 64 * 1024;
constexpr std::size_t kHeaderBytes = 16;  // before every block: keeps 16-byte alignment
// Block sizes: four classes per doubling from 64 bytes to 8 KiB, so a block
// wastes about an eighth of its size on average.
constexpr std::size_t kClasses = 4 * 7 + 1;
constexpr std::array<std::size_t, kClasses> kBlockBytes = [] {
    std::array<std::size_t, kClasses> sizes{};
    std::size_t k = 0;
    for (std::size_t base = 64; base < 8192; base *= 2) {
        for (std::size_t step = 0; step < 4; ++step) {
            sizes[k++] = base + step * base / 4;
        }
    }
    sizes[k] = 8192;
    return sizes;
}();
constexpr std::uint32_t kFromMalloc = 0xFFFFFFFF;

struct Header {
    std::uint32_t cls;  // size class, or kFromMalloc
    std::uint32_t unused;
    std::uint64_t size;  // usable bytes (kFromMalloc blocks only)
};
static_assert(sizeof(Header) == kHeaderBytes);

struct FreeBlock {
    FreeBlock* next;
};

// At the start of every slab (slabs are kSlabBytes-aligned, so a block finds
// its slab by masking its address).
struct Slab {
    Slab* prev;
    Slab* next;         // in its class's list of slabs with room
    FreeBlock* free;    // freed blocks
    char* bump;         // never-used space starts here
    std::uint32_t used;  // blocks handed out
    std::uint32_t cls;
    bool listed;
};
constexpr std::size_t kSlabHeader = (sizeof(Slab) + 15) & ~std::size_t{15};

std::size_t block_bytes(std::size_t cls) { return kBlockBytes[cls]; }

struct Pool {
    std::mutex mu;
    Slab* with_room[kClasses] = {};
    Slab* spare[kClasses] = {};  // one empty slab kept per class, against map/unmap churn
    std::size_t mapped = 0;
};

Pool& pool() {
    static Pool* p = new Pool;  // never destroyed: parsers may be freed during exit
    return *p;
}

Slab* slab_of(void* block) {
    return reinterpret_cast<Slab*>(reinterpret_cast<std::uintptr_t>(block) & ~(kSlabBytes - 1));
}

void unlink(Pool& p, Slab* s) {
    if (!s->listed) {
        return;
    }
    (s->prev ? s->prev->next : p.with_room[s->cls]) = s->next;
    if (s->next) {
        s->next->prev = s->prev;
    }
    s->prev = s->next = nullptr;
    s->listed = false;
}

void push(Pool& p, Slab* s) {
    if (s->listed) {
        return;
    }
    s->prev = nullptr;
    s->next = p.with_room[s->cls];
    if (s->next) {
        s->next->prev = s;
    }
    p.with_room[s->cls] = s;
    s->listed = true;
}

Slab* new_slab(Pool& p, std::uint32_t cls) {
    if (Slab* s = p.spare[cls]) {
        p.spare[cls] = nullptr;
        return s;
    }
    // Map twice the size and keep the aligned middle.
    void* raw = mmap(nullptr, 2 * kSlabBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                     -1, 0);
    if (raw == MAP_FAILED) {
        return nullptr;
    }
    auto start = reinterpret_cast<std::uintptr_t>(raw);
    auto aligned = (start + kSlabBytes - 1) & ~(kSlabBytes - 1);
    if (aligned > start) {
        munmap(raw, aligned - start);
    }
    auto end = start + 2 * kSlabBytes;
    if (end > aligned + kSlabBytes) {
        munmap(reinterpret_cast<void*>(aligned + kSlabBytes), end - aligned - kSlabBytes);
    }
    auto* s = reinterpret_cast<Slab*>(aligned);
    *s = Slab{nullptr, nullptr, nullptr, reinterpret_cast<char*>(aligned) + kSlabHeader, 0, cls,
              false};
    p.mapped += kSlabBytes;
    return s;
}

std::size_t class_for(std::size_t size) {
    std::size_t need = size + kHeaderBytes;
    for (std::size_t c = 0; c < kClasses; ++c) {
        if (need <= block_bytes(c)) {
            return c;
        }
    }
    return kClasses;
}

std::size_t usable(void* p) {
    auto* h = reinterpret_cast<Header*>(static_cast<char*>(p) - kHeaderBytes);
    return h->cls == kFromMalloc ? h->size : block_bytes(h->cls) - kHeaderBytes;
}

}  // namespace

void* allocate(std::size_t size) {
    const std::size_t cls = class_for(size);
    Header* h = nullptr;
    if (cls == kClasses) {
        h = static_cast<Header*>(std::malloc(size + kHeaderBytes));
        if (!h) {
            return nullptr;
        }
        *h = Header{kFromMalloc, 0, size};
        return reinterpret_cast<char*>(h) + kHeaderBytes;
    }
    Pool& p = pool();
    std::lock_guard lock(p.mu);
    Slab* s = p.with_room[cls];
    if (!s) {
        s = new_slab(p, static_cast<std::uint32_t>(cls));
        if (!s) {
            return nullptr;
        }
        push(p, s);
    }
    const std::size_t bytes = block_bytes(cls);
    void* block;
    if (s->free) {
        block = s->free;
        s->free = s->free->next;
    } else {
        block = s->bump;
        s->bump += bytes;
    }
    ++s->used;
    auto* slab_end = reinterpret_cast<char*>(s) + kSlabBytes;
    if (!s->free && s->bump + bytes > slab_end) {
        unlink(p, s);  // full
    }
    h = static_cast<Header*>(block);
    *h = Header{static_cast<std::uint32_t>(cls), 0, 0};
    return reinterpret_cast<char*>(h) + kHeaderBytes;
}

void release(void* ptr) {
    if (!ptr) {
        return;
    }
    auto* h = reinterpret_cast<Header*>(static_cast<char*>(ptr) - kHeaderBytes);
    if (h->cls == kFromMalloc) {
        std::free(h);
        return;
    }
    Pool& p = pool();
    std::lock_guard lock(p.mu);
    Slab* s = slab_of(h);
    auto* f = reinterpret_cast<FreeBlock*>(h);
    f->next = s->free;
    s->free = f;
    if (--s->used == 0) {
        unlink(p, s);
        if (!p.spare[s->cls]) {
            *s = Slab{nullptr, nullptr, nullptr, reinterpret_cast<char*>(s) + kSlabHeader, 0, s->cls,
                      false};
            p.spare[s->cls] = s;
            return;
        }
        munmap(s, kSlabBytes);
        p.mapped -= kSlabBytes;
        return;
    }
    push(p, s);
}

void* reallocate(void* ptr, std::size_t size) {
    if (!ptr) {
        return allocate(size);
    }
    const std::size_t have = usable(ptr);
    if (size <= have && class_for(size) == class_for(have)) {
        return ptr;
    }
    void* fresh = allocate(size);
    if (!fresh) {
        return nullptr;  // realloc semantics: the old block stays valid
    }
    std::memcpy(fresh, ptr, have < size ? have : size);
    release(ptr);
    return fresh;
}

std::size_t mapped_bytes() {
    Pool& p = pool();
    std::lock_guard lock(p.mu);
    return p.mapped;
}

#endif

}  // namespace parley::xml::parser_memory
