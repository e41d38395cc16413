// Student notes in their own table (see student_note_store.hpp).
#include "store/student_note_store.hpp"

#include "text/coded_error.hpp"

namespace coplan::store {

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
  auto st = db->prepare("INSERT INTO student_notes(unit_id, author, text, created_at) VALUES (?,?,?,?)");
  st.bind(1, unit_id).bind(2, author).bind(3, text).bind(4, now);
  st.run();
  return {db->last_insert_rowid(), author, text, now};
}

void student_note_store::remove(std::int64_t unit_id, std::int64_t note_id) {
  auto db = store_.borrow();
  db->exec("PRAGMA secure_delete = ON");
  auto st = db->prepare("DELETE FROM student_notes WHERE id = ? AND unit_id = ?");
  st.bind(1, note_id).bind(2, unit_id);
  st.run();
  bool gone = db->changes() > 0;
  db->exec("PRAGMA secure_delete = OFF");
  if (!gone) throw coded_error("unknown_note", "no such note");
}

std::size_t student_note_store::remove_all(std::int64_t unit_id) {
  auto db = store_.borrow();
  db->exec("PRAGMA secure_delete = ON");
  auto st = db->prepare("DELETE FROM student_notes WHERE unit_id = ?");
  st.bind(1, unit_id);
  st.run();
  auto n = static_cast<std::size_t>(db->changes());
  db->exec("PRAGMA secure_delete = OFF");
  return n;
}

}  // namespace coplan::store
