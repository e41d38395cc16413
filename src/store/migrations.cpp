// Applying embedded schema migrations (see migrations.hpp).
#include "store/migrations.hpp"

#include <stdexcept>

#include "store/database.hpp"

namespace coplan::store {

int migrate(database& db, const std::vector<migration>& all) {
  auto level_of = [&] {
    auto st = db.prepare("PRAGMA user_version");
    st.step();
    return static_cast<int>(st.int64(0));
  };
  int level = level_of();
  int newest = all.empty() ? 0 : all.back().level;
  if (level > newest)
    throw std::runtime_error("database schema level " + std::to_string(level) + " is newer than this program (" +
                             std::to_string(newest) + ")");
  for (const auto& m : all) {
    if (m.level <= level) continue;
    in_transaction(db, [&] {
      db.exec(m.sql);
      db.exec("PRAGMA user_version=" + std::to_string(m.level));
    });
    level = m.level;
  }
  return level;
}

}  // namespace coplan::store
