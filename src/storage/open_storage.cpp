// open_storage(): picks the backend named in the configuration.

#include <fmt/format.h>

#include "storage/sqlite/sqlite_stores.hpp"
#include "storage/stores.hpp"

namespace parley::storage {

Result<std::unique_ptr<Storage>> open_storage(const StorageOptions& opts) {
    if (opts.backend == "sqlite") {
        return sqlite::open_sqlite_storage(opts);
    }
    return fail(fmt::format("unknown storage backend '{}' (supported: sqlite)", opts.backend));
}

}  // namespace parley::storage
