// statement: a prepared SQLite statement with typed binding and column access (RAII).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace coplan::store {

class statement {
public:
  statement(sqlite3* db, std::string_view sql);
  statement(statement&& o) noexcept : db_(o.db_), stmt_(o.stmt_) { o.stmt_ = nullptr; }
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;
  ~statement();

  statement& bind(int index, std::int64_t v);
  statement& bind(int index, std::string_view v);
  // Binds text without copying it: it must stay alive and unchanged until run() or reset() (or a
  // step() that throws, which resets).
  statement& bind_unowned(int index, std::string_view v);
  statement& bind_blob(int index, const void* data, std::size_t size);
  statement& bind_null(int index);

  // Steps once; true while a row is available. Throws std::runtime_error on error.
  bool step();
  // Steps to completion (for statements that return no rows).
  void run();
  void reset();

  std::int64_t int64(int col) const;
  std::string text(int col) const;
  std::vector<unsigned char> blob(int col) const;
  bool is_null(int col) const;
  int columns() const;

private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace coplan::store
