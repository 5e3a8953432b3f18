// The SQLite schema and its migrations. Versions are numbered from 1 and kept
// in PRAGMA user_version (0 = empty database); PRAGMA application_id marks
// the file as Parley's. Opening runs every migration the file lacks, each in
// its own write transaction, and refuses a file newer than this binary.
//
// Called once per connection at open time, before the storage is shared.
#pragma once

#include "storage/sqlite/database.hpp"

namespace parley::storage::sqlite {

// The newest schema version this binary knows.
int latest_schema_version();

// The file's schema version (0 for a new database).
int schema_version(Database& db);

// Brings the database to latest_schema_version(). Throws DbError when the
// file belongs to another application or to a newer Parley.
void migrate(Database& db);

}  // namespace parley::storage::sqlite
