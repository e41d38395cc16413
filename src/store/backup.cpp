// Online backup and restore with sqlite3_backup_* (see backup.hpp).
#include "store/backup.hpp"

#include <filesystem>
#include <stdexcept>

#include <sqlite3.h>

#include "store/database.hpp"

namespace coplan::store {

namespace {

// Copies every page of `src` into `dst` in steps, so a busy source only blocks writers briefly.
long copy_pages(sqlite3* src, sqlite3* dst) {
  sqlite3_backup* b = sqlite3_backup_init(dst, "main", src, "main");
  if (!b) throw std::runtime_error(std::string("backup: ") + sqlite3_errmsg(dst));
  int rc;
  do {
    rc = sqlite3_backup_step(b, 256);
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(5);
  } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
  long pages = sqlite3_backup_pagecount(b);
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) throw std::runtime_error(std::string("backup: ") + sqlite3_errstr(rc));
  return pages;
}

void remove_with_wal(const std::string& path) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix, ec);
}

}  // namespace

long backup::take(const std::string& db_path, const std::string& to) {
  if (!std::filesystem::exists(db_path)) throw std::runtime_error("no database at " + db_path);
  if (std::filesystem::exists(to)) throw std::runtime_error(to + " exists; choose a new file");
  long pages = 0;
  try {
    database src(db_path, {.synchronous = "FULL", .busy_timeout_ms = 10'000, .read_only = true});
    {
      database dst(to, {});
      pages = copy_pages(src.handle(), dst.handle());
      dst.exec("PRAGMA journal_mode=DELETE");  // one self-contained file
      auto check = dst.integrity_check();
      if (check != "ok") throw std::runtime_error("the backup failed its integrity check: " + check);
    }
  } catch (...) {
    remove_with_wal(to);
    throw;
  }
  return pages;
}

void backup::restore(const std::string& from, const std::string& db_path) {
  if (!std::filesystem::exists(from)) throw std::runtime_error("no backup at " + from);
  {
    database src(from, {.synchronous = "FULL", .busy_timeout_ms = 1000, .read_only = true});
    auto check = src.integrity_check();
    if (check != "ok") throw std::runtime_error("the backup failed its integrity check: " + check);
  }
  // Restore into a new file next to the database, then move it into place: a failure half-way
  // leaves the old database as it was.
  auto staging = db_path + ".restoring";
  remove_with_wal(staging);
  try {
    database src(from, {.synchronous = "FULL", .busy_timeout_ms = 1000, .read_only = true});
    database dst(staging, {});
    copy_pages(src.handle(), dst.handle());
    dst.exec("PRAGMA journal_mode=DELETE");
  } catch (...) {
    remove_with_wal(staging);
    throw;
  }
  remove_with_wal(db_path);
  std::filesystem::rename(staging, db_path);
}

}  // namespace coplan::store
