// database: one SQLite connection (RAII) configured the Coplan way: WAL, synchronous=FULL by
// default, foreign keys on, a busy timeout. A connection is used by one thread at a time.
#pragma once
#include <memory>
#include <string>
#include <string_view>

#include "store/statement.hpp"

struct sqlite3;

namespace coplan::store {

struct db_options {
  std::string synchronous = "FULL";  // FULL (default), NORMAL or OFF
  int busy_timeout_ms = 10'000;
  bool read_only = false;
};

class database {
public:
  database(const std::string& path, const db_options& options);
  database(const database&) = delete;
  database& operator=(const database&) = delete;
  ~database();

  void exec(std::string_view sql);
  statement prepare(std::string_view sql) { return statement(db_, sql); }
  std::int64_t last_insert_rowid() const;
  int changes() const;
  sqlite3* handle() const { return db_; }
  // "ok" when the database is sound.
  std::string integrity_check();

private:
  sqlite3* db_ = nullptr;
};

// Runs `f` inside BEGIN IMMEDIATE … COMMIT, rolling back when it throws.
template <class F>
void in_transaction(database& db, F&& f) {
  db.exec("BEGIN IMMEDIATE");
  try {
    f();
    db.exec("COMMIT");
  } catch (...) {
    try {
      db.exec("ROLLBACK");
    } catch (...) {
    }
    throw;
  }
}

}  // namespace coplan::store
