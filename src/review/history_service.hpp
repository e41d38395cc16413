// history_service: the history of units, for the timeslider, the blame view and the contribution
// view. Per unit it caches the list of ops (ids, times, authors; read from the op digests the writer
// stores with snapshots, and from the op log past them) and a full replay with the record
// (blame and counts), both brought up to date incrementally from the op log; any past version is
// rebuilt from the nearest kept snapshot plus at most ~10,000 ops, and the record as of a past
// moment by a replay from the start (kept, so moving forward from it is cheap). Thread-safe: one
// mutex guards the cache; callers are blocking-pool threads.
#pragma once
#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "review/history_replay.hpp"
#include "store/account_store.hpp"
#include "store/op_digest.hpp"
#include "store/store.hpp"
#include "unit/template_spec.hpp"
#include "unit/unit_authority.hpp"

namespace coplan::review {

class history_service {
public:
  // The UTC day of a time in milliseconds since the epoch, as YYYY-MM-DD.
  static std::string day_of(std::int64_t ms);
  // Ops grouped by UTC quarter hour: [[start ms, first op, last op], …], ops numbered from 1 in the
  // order of `times`. Every time zone's offset from UTC is a whole number of quarter hours, so a
  // quarter hour never straddles anyone's midnight and a browser groups these into its own local
  // days exactly (the timeline's "days" are UTC days).
  static nlohmann::json quarter_hours(const std::vector<std::int64_t>& times);

  history_service(store::store& db, std::shared_ptr<const unit::template_set> templates, unit::unit_limits limits,
                  std::size_t max_units = 4);

  // Number of ops, per-day (UTC) ranges (with each member's op count), the same ops by quarter hour
  // (quarter_hours), kept checkpoints, and every change of the unit's phase
  // ({"op","time","author","from","to"}; null: not set, which the unit shows as its first phase).
  nlohmann::json timeline(const store::unit_record& unit);
  // How many ops the unit's history holds (the last edit's number), without building the timeline.
  std::size_t op_count(const store::unit_record& unit);
  // The unit after its first `op` ops: structure, every text with its author runs, and what op
  // `op` was. Throws coded_error("bad_version") for an op past the end.
  nlohmann::json state_at(const store::unit_record& unit, std::uint64_t op);
  // Blame spans of every text field now: [[length, author, time, revisedBy], …].
  nlohmann::json blame(const store::unit_record& unit);
  // The contribution figures (contribution_report) as of the unit's first `op` ops, or now when
  // `op` is not given; with "latest" (the unit's ops now) and, past op 0, "at" ({"time","author",
  // "kind"} of op `op`). Throws coded_error("bad_version") for an op past the end.
  nlohmann::json contributions(const store::unit_record& unit, const std::vector<unit::member_info>& members,
                               const nlohmann::json& expertise, std::optional<std::uint64_t> op = std::nullopt);
  // The unit's structure now (values, lists, tags), from the same replay as contributions().
  nlohmann::json current_structure(const store::unit_record& unit);
  // The text of `stream` after `op` ops (for restoring a field from the past); nothing when the
  // stream did not exist then.
  std::optional<std::string> text_at(const store::unit_record& unit, std::uint64_t op, const std::string& stream);
  // A scalar value of the unit ("unit") or of a block as it was after `op` ops (null when unset);
  // nothing when the block did not exist then.
  std::optional<nlohmann::json> value_at(const store::unit_record& unit, std::uint64_t op, const std::string& block,
                                         const std::string& field);

private:
  struct op_meta {
    std::int64_t id;
    std::int64_t time;
    std::uint32_t author;
    int kind;
  };
  struct phase_change {
    std::uint64_t op;  // its number in the history (1-based)
    std::int64_t time;
    std::uint32_t author;
    nlohmann::json from, to;  // phase ids, or null when not set
  };
  struct checkpoint {
    std::int64_t snapshot_id;
    std::uint64_t ops;
    std::int64_t upto_op;
  };
  struct unit_history {
    std::int64_t unit_id = 0;
    std::string template_id;
    std::vector<op_meta> ops;  // every op since the unit was created, in order
    std::int64_t initial_upto = 0;
    std::vector<phase_change> phases;  // every set of the unit's phase that changed it, in order
    nlohmann::json phase;              // the phase after the ops read so far (null: not set)
    std::vector<checkpoint> checkpoints;  // kept snapshots, by ops
    std::unique_ptr<history_replay> full;   // with the record, at ops.size() (built on demand)
    std::unique_ptr<history_replay> cursor; // the last past version asked for
    std::unique_ptr<history_replay> past_record;  // with the record, the last past moment asked for
    std::chrono::steady_clock::time_point used;
  };

  unit_history& refresh(const store::unit_record& unit);  // with mutex_ held
  static std::int64_t last_read(const unit_history& h);   // id of the last op listed
  static void add_op(unit_history& h, const store::op_digest::entry& e);  // lists it, and a phase change it makes
  // Lists the unit's ops from the op log after the last one listed and before `before_id`.
  static void read_ops(store::database& db, unit_history& h, std::int64_t before_id);
  history_replay& full_replay(unit_history& h);           // with mutex_ held
  history_replay& replay_to(unit_history& h, std::uint64_t op);
  history_replay& record_to(unit_history& h, std::uint64_t op);  // with the record, after `op` ops
  void advance(const unit_history& h, history_replay& r, std::uint64_t op);  // applies ops r.ops()+1 … op
  nlohmann::json op_json(const unit_history& h, std::uint64_t op) const;    // {"time","author","kind"} of op `op`
  std::vector<store::op_row> rows_between(std::int64_t unit_id, std::int64_t after_id, std::int64_t upto_id);
  nlohmann::json snapshot_data(std::int64_t snapshot_id);
  std::shared_ptr<const unit::template_spec> spec_of(const unit_history& h) const;

  store::store& db_;
  std::shared_ptr<const unit::template_set> templates_;
  unit::unit_limits limits_;
  std::size_t max_units_;
  std::mutex mutex_;
  std::list<unit_history> cache_;  // guarded by mutex_; most recently used first
};

}  // namespace coplan::review
