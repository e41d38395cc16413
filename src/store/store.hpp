// store: the SQLite database file of a Coplan instance. Opens it, applies migrations, and lends
// connections to reader threads from a small pool (each lease is used by one thread at a time).
// The pool's free list is guarded by mutex_.
#pragma once
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/database.hpp"

namespace coplan::store {

class store {
public:
  class lease {
  public:
    lease(store& s, std::unique_ptr<database> db) : store_(&s), db_(std::move(db)) {}
    lease(lease&&) = default;
    ~lease() {
      if (db_) store_->give_back(std::move(db_));
    }
    database* operator->() { return db_.get(); }
    database& operator*() { return *db_; }

  private:
    store* store_;
    std::unique_ptr<database> db_;
  };

  // Opens (creating if needed) and migrates the database at `path`.
  store(std::string path, db_options options);
  lease borrow();
  const std::string& path() const { return path_; }
  const db_options& options() const { return options_; }

private:
  void give_back(std::unique_ptr<database> db);

  std::string path_;
  db_options options_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<database>> free_;  // guarded by mutex_
};

}  // namespace coplan::store
