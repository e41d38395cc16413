// SQLite connection wrapper (see database.hpp).
#include "store/database.hpp"

#include <sqlite3.h>

#include <stdexcept>

namespace coplan::store {

database::database(const std::string& path, const db_options& options) {
  // Once per process, before the first connection: no allocation statistics. With them, every
  // sqlite3_malloc takes a process-wide mutex (a tenth of the op log writer's time went to it).
  [[maybe_unused]] static const int no_memstatus = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  int flags = options.read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  flags |= SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw std::runtime_error("cannot open database " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db_, options.busy_timeout_ms);
  try {
    if (!options.read_only) exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=" + options.synchronous);
    exec("PRAGMA foreign_keys=ON");
  } catch (...) {
    // A file that is not a database fails here; the destructor will not run, so close now.
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw;
  }
}

database::~database() {
  if (db_) sqlite3_close_v2(db_);
}

void database::exec(std::string_view sql) {
  char* err = nullptr;
  std::string s(sql);
  if (sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw std::runtime_error("sqlite: " + msg);
  }
}

std::int64_t database::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

int database::changes() const { return sqlite3_changes(db_); }

std::string database::integrity_check() {
  auto st = prepare("PRAGMA integrity_check");
  std::string out;
  while (st.step()) out += (out.empty() ? "" : "\n") + st.text(0);
  return out;
}

}  // namespace coplan::store
