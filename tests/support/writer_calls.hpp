// writer_calls: appending ops and snapshots to an op_log_writer and waiting for their commit, for
// storage and history tests that script a unit's op log directly.
#pragma once
#include <cstdint>
#include <future>
#include <vector>

#include "store/op_log_writer.hpp"

namespace coplan::test_support {

inline bool append_and_wait(store::op_log_writer& w, std::vector<store::op_row> rows, std::int64_t* last = nullptr,
                            store::op_log_writer::failure_guard guard = nullptr) {
  std::promise<std::pair<bool, std::int64_t>> p;
  w.append(std::move(rows), [&](bool ok, std::int64_t id) { p.set_value({ok, id}); }, guard);
  auto [ok, id] = p.get_future().get();
  if (last) *last = id;
  return ok;
}

inline bool snapshot_and_wait(store::op_log_writer& w, store::snapshot_row snap) {
  std::promise<bool> p;
  w.append_snapshot(std::move(snap), [&](bool ok, std::int64_t) { p.set_value(ok); });
  return p.get_future().get();
}

}  // namespace coplan::test_support
