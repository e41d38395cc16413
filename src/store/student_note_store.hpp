// student_note_store: notes about students for one unit, kept apart from the unit document so they
// never enter the op log, snapshots, history, exports or reports. A unit turns them on first;
// only its members reach them (the router checks membership); deleting removes the row for good:
// SQLite's secure_delete overwrites the freed bytes, and a TRUNCATE checkpoint then moves the
// zeroed pages into the database file and empties the write-ahead log, which still held the old
// copies (kept short so it never stalls the op-log writer; see checkpoint_now in the .cpp).
// Thread-safe (each call borrows a connection; the counters are atomic).
#pragma once
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "store/store.hpp"

namespace coplan::store {

struct student_note {
  std::int64_t id = 0;
  std::int64_t author = 0;
  std::string text;
  std::int64_t created_at = 0;
};

class student_note_store {
public:
  explicit student_note_store(store& s) : store_(s) {}

  bool enabled(std::int64_t unit_id);
  void set_enabled(std::int64_t unit_id, bool on);
  std::vector<student_note> list(std::int64_t unit_id);
  // Throws coded_error("notes_off") when the unit has not turned notes on, "bad_value" for an
  // empty or over-long text (more than 4000 bytes).
  student_note add(std::int64_t unit_id, std::int64_t author, const std::string& text, std::int64_t now);
  // Removes one note for good (from the database file and its write-ahead log); throws
  // coded_error("unknown_note").
  void remove(std::int64_t unit_id, std::int64_t note_id);
  // Removes every note of the unit for good; returns how many there were.
  std::size_t remove_all(std::int64_t unit_id);
  // When a delete's checkpoint could not finish (readers held old snapshots), tries it again;
  // false while it still cannot. The server calls it at every session sweep.
  bool settle();

private:
  void checkpoint(database& db);
  void settled_up_to(std::uint64_t n);

  store& store_;
  // Deletes so far, and how many of them a TRUNCATE checkpoint that started after them covered;
  // a checkpoint is owed while settled_ < deletes_.
  std::atomic<std::uint64_t> deletes_{0}, settled_{0};
};

}  // namespace coplan::store
