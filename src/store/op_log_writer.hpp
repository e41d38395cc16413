// op_log_writer: the single writer of the op log and snapshots, with group commit. Any thread
// appends batches; one dedicated thread commits everything queued so far in one transaction
// (synchronous=FULL by default), then calls each batch's completion on that thread with the id of
// the batch's last row. Completions must only post work elsewhere. With each snapshot it also
// stores the op digest (op_digest) of the unit's ops committed since its previous digest, and it
// keeps the `closed` marks of snapshots right (schema/008). queue_ is guarded by mutex_; the
// connection and units_ belong to the writer thread.
#pragma once
#include <array>
#include <chrono>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "store/database.hpp"
#include "store/op_digest.hpp"

namespace coplan::store {

struct op_row {
  std::int64_t id = 0;  // row id, filled when read back
  std::int64_t unit_id = 0;
  int kind = 0;  // 0 text update, 1 structure command
  std::string stream;
  std::uint64_t version = 0;
  std::uint32_t author = 0;
  std::string client_id;
  std::uint64_t client_seq = 0;
  std::int64_t time = 0;
  std::string payload;
};

struct snapshot_row {
  std::int64_t unit_id = 0;
  std::int64_t upto_op = 0;
  std::uint64_t ops = 0;
  std::int64_t created_at = 0;
  std::string data;
  bool keep = false;  // a history checkpoint, never pruned
  // Written as the unit closes: marked closed (loading it then reads no op log) unless an op of
  // the unit was written after upto_op (a new opening of the unit already wrote one).
  bool closing = false;
};

class op_log_writer {
public:
  using completion = std::function<void(bool ok, std::int64_t last_id)>;
  // Set by the writer when a commit holding one of its jobs fails: the owner's later jobs are
  // refused too, so the log never holds an op whose predecessor was lost.
  using failure_guard = std::shared_ptr<std::atomic<bool>>;
  // Extra statements run inside the same transaction as a job's rows.
  using extra_fn = std::function<void(database&)>;

  // Commit latency histogram bucket bounds in microseconds (the last bucket is +Inf).
  static constexpr std::array<std::int64_t, 12> latency_bounds_us{100,   250,   500,    1000,   2000,   5000,
                                                                  10000, 25000, 50000, 100000, 250000, 1000000};
  struct stats {
    std::uint64_t commits = 0;
    std::uint64_t rows = 0;
    std::uint64_t failures = 0;
    std::array<std::uint64_t, latency_bounds_us.size() + 1> latency_buckets{};
    double latency_sum_seconds = 0;
  };

  // `commit_interval`: under load, a commit starts at most this long after the previous one
  // started, so that each commit carries many jobs (one fsync for all). An append to an idle
  // writer is committed at once, and so is a lone job after a commit that carried a single job: a
  // lone client that waits for each acknowledgement before sending more gains nothing from the wait.
  op_log_writer(const std::string& path, const db_options& options,
                std::chrono::microseconds commit_interval = std::chrono::microseconds(2000));
  ~op_log_writer();

  void append(std::vector<op_row> rows, completion done, failure_guard guard = nullptr, extra_fn extra = nullptr);
  void append_snapshot(snapshot_row snap, completion done, failure_guard guard = nullptr);
  // Waits until everything appended so far is committed (tests, shutdown).
  void flush();
  void stop();
  stats current_stats() const;
  // Test hook: the next `n` commits fail as a disk error would.
  void fail_next_commits(int n) { fail_next_.store(n); }
  // Test hook: while held, nothing is committed (appends queue up); releasing commits them.
  void hold_commits(bool held);

private:
  std::chrono::microseconds commit_interval_;
  struct job {
    std::vector<op_row> rows;
    std::optional<snapshot_row> snap;
    completion done;
    failure_guard guard;
    extra_fn extra;
  };
  void run();
  // What the writer knows of a unit's log. Writer thread only.
  struct unit_log {
    // The ops committed (or in the transaction being built) since the unit's last digest. Dropped
    // when a commit fails: the next digest then starts after a gap, which the history reads from
    // the op log.
    op_digest digest;
    std::int64_t last_id = 0;  // the unit's last op written by this writer (0: none)
    bool closed = false;       // its latest snapshot is marked closed (as the database has it)
  };
  // Within the transaction of a snapshot: stores the digest gathered for its unit, if it is exactly
  // the unit's ops up to the snapshot, and starts the next.
  void write_digest(statement& insert, const snapshot_row& s, unit_log& u);
  // Reads which units' latest snapshots are marked closed (at start, and after a failed commit);
  // marks_stale_ stays set if it throws.
  void read_closed_marks(database& db);

  std::unique_ptr<database> db_;  // used by the writer thread only
  std::unordered_map<std::int64_t, unit_log> units_;  // writer thread only
  // The marks in units_ may be wrong (reading them after a rollback failed): every op clears its
  // unit's mark, and the next transaction reads them again. Writer thread only.
  bool marks_stale_ = false;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::vector<job> queue_;  // guarded by mutex_
  bool stopping_ = false;   // guarded by mutex_
  bool busy_ = false;       // guarded by mutex_
  bool held_ = false;       // guarded by mutex_
  stats stats_;             // guarded by mutex_
  std::atomic<int> fail_next_{0};
  std::thread thread_;
};

}  // namespace coplan::store
