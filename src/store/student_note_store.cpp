// Student notes in their own table (see student_note_store.hpp).
#include "store/student_note_store.hpp"

#include <sqlite3.h>

#include <chrono>
#include <thread>

#include "log/event_log.hpp"
#include "text/coded_error.hpp"

namespace coplan::store {

namespace {

// secure_delete on one pooled connection for the scope of a write to the notes table: bytes that
// a delete frees, or that an insert moves when it splits a page, are overwritten with zeros.
class secure_delete_scope {
public:
  explicit secure_delete_scope(database& db) : db_(db) { db_.exec("PRAGMA secure_delete = ON"); }
  ~secure_delete_scope() {
    try {
      db_.exec("PRAGMA secure_delete = OFF");
    } catch (...) {
    }
  }
  secure_delete_scope(const secure_delete_scope&) = delete;
  secure_delete_scope& operator=(const secure_delete_scope&) = delete;

private:
  database& db_;
};

// Sets the connection's busy timeout for a scope, then gives it back the pool's.
class busy_timeout_scope {
public:
  busy_timeout_scope(database& db, int ms, int restore) : db_(db), restore_(restore) { sqlite3_busy_timeout(db_.handle(), ms); }
  ~busy_timeout_scope() { sqlite3_busy_timeout(db_.handle(), restore_); }
  busy_timeout_scope(const busy_timeout_scope&) = delete;
  busy_timeout_scope& operator=(const busy_timeout_scope&) = delete;

private:
  database& db_;
  int restore_;
};

// How long a TRUNCATE checkpoint may hold SQLite's write lock waiting for readers, how many times
// it is tried, and the pause between tries (when the lock is free for the op-log writer).
constexpr int checkpoint_busy_ms = 50;
constexpr int checkpoint_attempts = 8;
constexpr auto checkpoint_pause = std::chrono::milliseconds(50);

// After a delete the zeroed pages are only in the write-ahead log, and older copies of them, with
// the note's text, are still in it (and in the database file). Which checkpoint, and why:
// - PASSIVE never takes the write lock and never waits, so it cannot hold up anyone; it copies
//   the WAL's pages into the database file as far as readers allow. But it leaves the -wal file
//   as it is, old frames and all, so alone it cannot promise the text is gone.
// - TRUNCATE can: it copies everything, waits until no reader uses the log, and truncates the
//   -wal file to zero bytes. But it takes the write lock that the op-log writer's BEGIN IMMEDIATE
//   needs and, while it waits for readers of older snapshots, keeps it, calling the busy handler.
//   With the pool's busy timeout (10 s) one long reader (a backup, a history replay) would stall
//   every edit's commit, on every unit, for that long, and the old loop tried 20 times.
// So a PASSIVE checkpoint first moves nearly everything into the database file without blocking
// anyone; then TRUNCATE, with a busy timeout of 50 ms, has little left to copy and holds the lock
// for about that long at most; between tries the lock is free. We run on the blocking pool (the
// HTTP handler's thread), on a pooled connection outside any transaction, after the delete has
// committed, so no lock of ours is held meanwhile. The delete's answer waits for this at most
// about 8 × 100 ms; when readers still hold old snapshots after that, it answers anyway and the
// checkpoint is owed: the server's session sweep (every 30 s) tries again until it succeeds.
bool checkpoint_now(database& db, int pool_busy_ms) {
  db.exec("PRAGMA wal_checkpoint(PASSIVE)");
  busy_timeout_scope brief(db, checkpoint_busy_ms, pool_busy_ms);
  for (int attempt = 0; attempt < checkpoint_attempts; ++attempt) {
    if (attempt) std::this_thread::sleep_for(checkpoint_pause);
    auto st = db.prepare("PRAGMA wal_checkpoint(TRUNCATE)");
    if (st.step() && st.int64(0) == 0) return true;  // not busy: everything is in the database file
  }
  return false;
}

}  // namespace

bool student_note_store::enabled(std::int64_t unit_id) {
  auto db = store_.borrow();
  auto st = db->prepare("SELECT student_notes FROM units WHERE id = ?");
  st.bind(1, unit_id);
  return st.step() && st.int64(0) != 0;
}

void student_note_store::set_enabled(std::int64_t unit_id, bool on) {
  auto db = store_.borrow();
  auto st = db->prepare("UPDATE units SET student_notes = ? WHERE id = ?");
  st.bind(1, std::int64_t{on ? 1 : 0}).bind(2, unit_id);
  st.run();
}

std::vector<student_note> student_note_store::list(std::int64_t unit_id) {
  auto db = store_.borrow();
  auto st = db->prepare("SELECT id, author, text, created_at FROM student_notes WHERE unit_id = ? ORDER BY id");
  st.bind(1, unit_id);
  std::vector<student_note> out;
  while (st.step()) out.push_back({st.int64(0), st.int64(1), st.text(2), st.int64(3)});
  return out;
}

student_note student_note_store::add(std::int64_t unit_id, std::int64_t author, const std::string& text, std::int64_t now) {
  if (!enabled(unit_id)) throw coded_error("notes_off", "student notes are turned off for this unit");
  if (text.find_first_not_of(" \t\r\n") == std::string::npos || text.size() > 4000)
    throw coded_error("bad_value", "a note is 1–4000 characters");
  auto db = store_.borrow();
  secure_delete_scope secure(*db);
  auto st = db->prepare("INSERT INTO student_notes(unit_id, author, text, created_at) VALUES (?,?,?,?)");
  st.bind(1, unit_id).bind(2, author).bind(3, text).bind(4, now);
  st.run();
  return {db->last_insert_rowid(), author, text, now};
}

void student_note_store::remove(std::int64_t unit_id, std::int64_t note_id) {
  auto db = store_.borrow();
  {
    secure_delete_scope secure(*db);
    auto st = db->prepare("DELETE FROM student_notes WHERE id = ? AND unit_id = ?");
    st.bind(1, note_id).bind(2, unit_id);
    st.run();
    if (db->changes() == 0) throw coded_error("unknown_note", "no such note");
  }
  checkpoint(*db);
}

std::size_t student_note_store::remove_all(std::int64_t unit_id) {
  auto db = store_.borrow();
  std::size_t n = 0;
  {
    secure_delete_scope secure(*db);
    auto st = db->prepare("DELETE FROM student_notes WHERE unit_id = ?");
    st.bind(1, unit_id);
    st.run();
    n = static_cast<std::size_t>(db->changes());
  }
  if (n) checkpoint(*db);
  return n;
}

void student_note_store::checkpoint(database& db) {
  auto mine = ++deletes_;  // counted after the delete committed: a checkpoint from now on covers it
  if (checkpoint_now(db, store_.options().busy_timeout_ms)) return settled_up_to(mine);
  log::event_log::write("warn", "student_note_checkpoint_busy",
                        {{"detail", "readers held old snapshots; the deleted text leaves the WAL at the next sweep"}});
}

void student_note_store::settled_up_to(std::uint64_t n) {
  auto seen = settled_.load();
  while (seen < n && !settled_.compare_exchange_weak(seen, n)) {
  }
}

bool student_note_store::settle() {
  auto upto = deletes_.load();
  if (settled_.load() >= upto) return true;
  auto db = store_.borrow();
  if (!checkpoint_now(*db, store_.options().busy_timeout_ms)) return false;
  settled_up_to(upto);
  return true;
}

}  // namespace coplan::store
