// Group-commit op log writer (see op_log_writer.hpp).
#include "store/op_log_writer.hpp"

#include "log/event_log.hpp"
#include "store/unit_store.hpp"

#include <chrono>

namespace coplan::store {

op_log_writer::op_log_writer(const std::string& path, const db_options& options, std::chrono::microseconds commit_interval)
    : commit_interval_(commit_interval), db_(std::make_unique<database>(path, options)) {
  // Opened on the caller's thread so a bad path fails loudly at start; the writer thread owns it after.
  thread_ = std::thread([this] { run(); });
}

op_log_writer::~op_log_writer() { stop(); }

void op_log_writer::append(std::vector<op_row> rows, completion done, failure_guard guard, extra_fn extra) {
  std::lock_guard lock(mutex_);
  queue_.push_back(job{std::move(rows), std::nullopt, std::move(done), std::move(guard), std::move(extra)});
  if (queue_.size() == 1) wake_.notify_one();  // the writer waits only for an empty queue to fill
}

void op_log_writer::append_snapshot(snapshot_row snap, completion done, failure_guard guard) {
  std::lock_guard lock(mutex_);
  queue_.push_back(job{{}, std::move(snap), std::move(done), std::move(guard), nullptr});
  if (queue_.size() == 1) wake_.notify_one();
}

void op_log_writer::flush() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [&] { return queue_.empty() && !busy_; });
}

void op_log_writer::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
    wake_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

void op_log_writer::hold_commits(bool held) {
  std::lock_guard lock(mutex_);
  held_ = held;
  wake_.notify_one();
}

op_log_writer::stats op_log_writer::current_stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void op_log_writer::run() {
  database& db = *db_;
  auto insert_op = db.prepare(
      "INSERT INTO oplog(unit_id, kind, stream, version, author, client_id, client_seq, time, payload) "
      "VALUES (?,?,?,?,?,?,?,?,?)");
  auto insert_snap =
      db.prepare("INSERT INTO snapshots(unit_id, upto_op, ops, created_at, data, keep, closed) VALUES (?,?,?,?,?,?,?)");
  auto clear_closed = db.prepare("UPDATE snapshots SET closed = 0 WHERE unit_id = ? AND closed = 1");
  auto newest_closed =
      db.prepare(std::string("SELECT closed FROM snapshots WHERE unit_id = ?") + newest_snapshot_order + "LIMIT 1");
  read_closed_marks(db);
  auto prune_snaps = db.prepare(
      "DELETE FROM snapshots WHERE unit_id = ? AND keep = 0 AND id < (SELECT min(id) FROM "
      "(SELECT id FROM snapshots WHERE unit_id = ? ORDER BY id DESC LIMIT 3))");
  auto insert_digest = db.prepare(
      "INSERT OR REPLACE INTO op_digests(unit_id, after_op, ops, first_id, last_id, data) VALUES (?,?,?,?,?,?)");
  std::vector<job> batch;
  auto last_start = std::chrono::steady_clock::now() - commit_interval_;
  std::size_t last_jobs = 0;  // jobs the last commit carried
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      busy_ = false;
      if (queue_.empty()) idle_.notify_all();
      wake_.wait(lock, [&] { return stopping_ || (!queue_.empty() && !held_); });
      if (queue_.empty() && stopping_) return;
      // Under load (the last commit carried several jobs, or several wait now), let the batch
      // grow until the commit interval is up (appends do not wake us).
      auto next = last_start + commit_interval_;
      if (!stopping_ && (last_jobs > 1 || queue_.size() > 1) && std::chrono::steady_clock::now() < next) {
        busy_ = true;
        lock.unlock();
        std::this_thread::sleep_until(next);
        lock.lock();
      }
      batch.swap(queue_);
      busy_ = true;
    }
    // Jobs of an owner whose earlier commit failed are refused without touching the log.
    std::erase_if(batch, [](job& j) {
      if (!j.guard || !j.guard->load()) return false;
      if (j.done) j.done(false, 0);
      return true;
    });
    if (batch.empty()) continue;
    last_jobs = batch.size();
    auto start = std::chrono::steady_clock::now();
    last_start = start;
    bool ok = true;
    std::vector<std::int64_t> last_ids(batch.size(), 0);
    std::uint64_t rows = 0;
    try {
      db.exec("BEGIN IMMEDIATE");
      if (marks_stale_) read_closed_marks(db);
      for (std::size_t i = 0; i < batch.size(); ++i) {
        auto& j = batch[i];
        for (const auto& r : j.rows) {
          insert_op.bind(1, r.unit_id).bind(2, static_cast<std::int64_t>(r.kind));
          // The row outlives run(), which resets the statement: its texts are bound without a copy.
          if (r.kind == 0) insert_op.bind_unowned(3, r.stream);
          else insert_op.bind_null(3);
          insert_op.bind(4, static_cast<std::int64_t>(r.version))
              .bind(5, static_cast<std::int64_t>(r.author))
              .bind_unowned(6, r.client_id)
              .bind(7, static_cast<std::int64_t>(r.client_seq))
              .bind(8, r.time)
              .bind_unowned(9, r.payload);
          insert_op.run();
          auto& u = units_[r.unit_id];
          u.last_id = db.last_insert_rowid();
          u.digest.append(u.last_id, r.time, r.author, r.kind, r.payload);
          if (u.closed || marks_stale_) {
            // The unit's first op since it closed: its closed snapshot is no longer the whole unit.
            clear_closed.bind(1, r.unit_id);
            clear_closed.run();
            u.closed = false;
          }
          ++rows;
        }
        last_ids[i] = db.last_insert_rowid();
        if (j.extra) j.extra(db);
        if (j.snap) {
          const auto& s = *j.snap;
          auto& u = units_[s.unit_id];
          bool closed = s.closing && u.last_id <= s.upto_op;
          insert_snap.bind(1, s.unit_id)
              .bind(2, s.upto_op)
              .bind(3, static_cast<std::int64_t>(s.ops))
              .bind(4, s.created_at)
              .bind_unowned(5, s.data)  // the job outlives run()
              .bind(6, s.keep ? 1 : 0)
              .bind(7, closed ? 1 : 0);
          insert_snap.run();
          // The newest snapshot (as loading orders them) decides; a late, older closing snapshot
          // must not make the writer forget a newer one's mark.
          newest_closed.bind(1, s.unit_id);
          u.closed = newest_closed.step() && newest_closed.int64(0) != 0;
          newest_closed.reset();
          prune_snaps.bind(1, s.unit_id).bind(2, s.unit_id);
          prune_snaps.run();
          write_digest(insert_digest, s, u);
        }
      }
      if (fail_next_.load() > 0) {
        fail_next_.fetch_sub(1);
        throw std::runtime_error("injected commit failure");
      }
      db.exec("COMMIT");
    } catch (const std::exception& e) {
      ok = false;
      log::event_log::write("error", "commit_failed", {{"jobs", batch.size()}, {"what", e.what()}});
      for (auto& j : batch)
        if (j.guard) j.guard->store(true);
      for (auto& [id, u] : units_) u.digest = {};
      try {
        db.exec("ROLLBACK");
      } catch (const std::exception& e2) {
        // SQLite may have rolled back by itself (an I/O error, a full disk).
        log::event_log::write("error", "rollback_failed", {{"what", e2.what()}});
      }
      // The rollback undid any mark set or cleared in the transaction: read them again now, or,
      // if that fails too, at the start of the next transaction (until then every op clears).
      marks_stale_ = true;
      try {
        read_closed_marks(db);
      } catch (const std::exception& e3) {
        log::event_log::write("error", "read_closed_marks_failed", {{"what", e3.what()}});
      }
    }
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count();
    {
      std::lock_guard lock(mutex_);
      if (ok) {
        ++stats_.commits;
        stats_.rows += rows;
      } else {
        ++stats_.failures;
      }
      std::size_t b = 0;
      while (b < latency_bounds_us.size() && us > latency_bounds_us[b]) ++b;
      ++stats_.latency_buckets[b];
      stats_.latency_sum_seconds += static_cast<double>(us) / 1e6;
    }
    for (std::size_t i = 0; i < batch.size(); ++i)
      if (batch[i].done) batch[i].done(ok, ok ? last_ids[i] : 0);
    batch.clear();
  }
}

void op_log_writer::read_closed_marks(database& db) {
  marks_stale_ = true;  // until the whole list is read
  for (auto& [id, u] : units_) u.closed = false;
  // Only the newest snapshot's mark counts (a unit's older snapshots keep theirs until pruned).
  auto st = db.prepare(
      std::string("SELECT s.unit_id FROM snapshots s WHERE s.closed = 1 AND s.id = (SELECT id FROM snapshots WHERE unit_id = "
                  "s.unit_id") + newest_snapshot_order + "LIMIT 1)");
  while (st.step()) units_[st.int64(0)].closed = true;
  marks_stale_ = false;
}

void op_log_writer::write_digest(statement& insert, const snapshot_row& s, unit_log& u) {
  auto& d = u.digest;
  // A snapshot is taken when none of the unit's ops is in flight, so the digest holds exactly its
  // last d.size() ops; anything else (never seen) is dropped and left to the op log.
  if (!d.empty() && d.last_id() <= s.upto_op && d.size() <= s.ops) {
    insert.bind(1, s.unit_id)
        .bind(2, static_cast<std::int64_t>(s.ops - d.size()))
        .bind(3, static_cast<std::int64_t>(d.size()))
        .bind(4, d.first_id())
        .bind(5, d.last_id())
        .bind_blob(6, d.bytes().data(), d.bytes().size());
    insert.run();
  }
  d = {};
}

}  // namespace coplan::store
