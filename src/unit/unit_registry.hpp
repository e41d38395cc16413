// unit_registry: maps unit ids to their open authority, held weakly: a unit stays in memory while
// some session holds it and is loaded from SQLite (snapshot + tail) on the next open after that.
// units_ is guarded by mutex_; loading happens under the lock so a unit is never loaded twice.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "store/account_store.hpp"
#include "store/op_log_writer.hpp"
#include "store/unit_store.hpp"
#include "unit/template_spec.hpp"
#include "unit/unit_authority.hpp"

namespace coplan::unit {

class unit_registry {
public:
  unit_registry(boost::asio::io_context::executor_type ex, store::op_log_writer& writer, store::store& db,
                std::shared_ptr<const template_set> templates, unit_limits limits, authority_settings settings);

  // Returns the open authority of `unit`, loading it when needed. Blocks on SQLite: call it from
  // a blocking-work thread. Throws std::exception when the unit cannot be loaded.
  std::shared_ptr<unit_authority> open(const store::unit_record& unit);
  // Creates a unit from a template (empty, or starting from `initial`) with its first snapshot;
  // returns its record. Blocking.
  store::unit_record create_unit(std::int64_t partnership_id, const std::string& template_id, const std::string& title,
                                 std::int64_t created_by, const std::vector<std::int64_t>& members,
                                 const unit_doc* initial = nullptr, std::int64_t copied_from = 0);
  // Gives every open unit its members as the database has them now (one query), so a role change
  // or a membership changed from the command line reaches the units in memory. Blocking.
  void refresh_members();
  // Authorities currently alive (metrics, shutdown).
  std::vector<std::shared_ptr<unit_authority>> live();
  std::size_t open_count();

  const template_set& templates() const { return *templates_; }
  std::shared_ptr<const template_set> templates_ptr() const { return templates_; }
  const unit_limits& limits() const { return limits_; }

private:
  boost::asio::io_context::executor_type ex_;
  store::op_log_writer& writer_;
  store::store& db_;
  store::unit_store reader_;
  store::account_store accounts_;
  std::shared_ptr<const template_set> templates_;
  unit_limits limits_;
  authority_settings settings_;
  std::mutex mutex_;
  std::unordered_map<std::int64_t, std::weak_ptr<unit_authority>> units_;  // guarded by mutex_
};

}  // namespace coplan::unit
