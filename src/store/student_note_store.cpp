// Student notes in their own table (see student_note_store.hpp).
#include "store/student_note_store.hpp"

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

// After a delete the zeroed pages are only in the write-ahead log, and older copies of them, with
// the note's text, are still in it. A TRUNCATE checkpoint copies the zeroed pages into the database
// file and empties the log file. It waits (the busy timeout) for readers of older snapshots, and is
// tried again while one still holds it up.
void checkpoint_now(database& db) {
  for (int attempt = 0; attempt < 20; ++attempt) {
    auto st = db.prepare("PRAGMA wal_checkpoint(TRUNCATE)");
    if (st.step() && st.int64(0) == 0) return;  // not busy: everything is in the database file
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  log::event_log::write("warn", "student_note_checkpoint_busy", {{"detail", "the deleted text stays in the WAL until the next checkpoint"}});
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
  checkpoint_now(*db);
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
  if (n) checkpoint_now(*db);
  return n;
}

}  // namespace coplan::store
