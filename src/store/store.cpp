// Database file, migrations at open, and the connection pool (see store.hpp).
#include "store/store.hpp"

#include "store/migrations.hpp"

namespace coplan::store {

store::store(std::string path, db_options options) : path_(std::move(path)), options_(std::move(options)) {
  auto db = std::make_unique<database>(path_, options_);
  migrate(*db);
  free_.push_back(std::move(db));
}

store::lease store::borrow() {
  {
    std::lock_guard lock(mutex_);
    if (!free_.empty()) {
      auto db = std::move(free_.back());
      free_.pop_back();
      return lease(*this, std::move(db));
    }
  }
  return lease(*this, std::make_unique<database>(path_, options_));
}

void store::give_back(std::unique_ptr<database> db) {
  std::lock_guard lock(mutex_);
  if (free_.size() < 16) free_.push_back(std::move(db));
}

}  // namespace coplan::store
