// backup: online backup and restore of Coplan's database with SQLite's backup API. A backup is
// taken from a running server (WAL lets it read while the server writes; it copies a consistent
// snapshot) and checked with integrity_check; a restore (server stopped) checks the backup first,
// then replaces the database and its WAL.
#pragma once
#include <string>

namespace coplan::store {

class backup {
public:
  // Copies the database at `db_path` into a new file `to` (which must not exist). Returns the
  // number of pages copied. Throws std::runtime_error on failure (and leaves no partial file).
  static long take(const std::string& db_path, const std::string& to);
  // Replaces the database at `db_path` with the backup `from` after checking it. The server must
  // not be running. Throws std::runtime_error on failure (the old database is then untouched).
  static void restore(const std::string& from, const std::string& db_path);
};

}  // namespace coplan::store
