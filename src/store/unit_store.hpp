// unit_store: reads a unit's persisted state: its latest snapshot plus the op log rows after it
// (the tail; none to read when the snapshot is marked closed), and older ops for clients that
// catch up from far behind.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "store/op_log_writer.hpp"
#include "store/store.hpp"

namespace coplan::store {

// Which of a unit's snapshots is its newest, for every reader and for the op log writer's closed
// marks (they must agree: a unit loads from this snapshot, and only its mark counts).
inline constexpr const char* newest_snapshot_order = " ORDER BY upto_op DESC, id DESC ";

struct loaded_unit {
  std::string snapshot;       // JSON written by unit_doc::to_json()
  std::int64_t upto_op = 0;   // last op id the snapshot includes
  std::uint64_t ops = 0;      // ops the snapshot includes
  std::vector<op_row> tail;   // ops after the snapshot, in commit order
  bool closed = false;        // the snapshot is marked closed: no op follows it, the tail was not read
};

class unit_store {
public:
  explicit unit_store(store& s) : store_(s) {}

  // Throws std::runtime_error when the unit has no snapshot (unknown unit).
  loaded_unit load(std::int64_t unit_id);
  // Text ops of `stream` applied at versions from..to-1, in order. The op log has no index by unit,
  // so only its rows between two of the unit's snapshots are read: the newest whose version of the
  // stream is at most `from` (no op it holds is wanted) and the oldest whose version is at least
  // `to` (every wanted op is in it). A client back after a long time costs a scan of the ops
  // written while it was away, not of the whole log.
  std::vector<op_row> text_ops_between(std::int64_t unit_id, const std::string& stream, std::uint64_t from,
                                       std::uint64_t to);
  // Every op of the unit, in order (history, analytics).
  std::vector<op_row> all_ops(std::int64_t unit_id, std::int64_t after_id = 0);

private:
  store& store_;
};

}  // namespace coplan::store
