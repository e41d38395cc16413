// migrations: the numbered schema/NNN_*.sql files (embedded at build time) and the code that
// applies the missing ones at start, keeping the level in PRAGMA user_version.
#pragma once
#include <string>
#include <vector>

namespace coplan::store {

class database;

struct migration {
  int level;
  const char* name;
  const char* sql;
};

const std::vector<migration>& embedded_migrations();

// Applies every migration above the database's user_version, each in its own transaction.
// Returns the resulting level. Throws when the database is newer than this program.
int migrate(database& db, const std::vector<migration>& all = embedded_migrations());

}  // namespace coplan::store
