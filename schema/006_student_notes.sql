-- 006: student notes. Co-assess keeps counts by default; a unit may turn on notes about students.
-- They live only here (never in the op log, snapshots or history), are read only by the unit's
-- members, are left out of every report and export, and a delete removes the row for good.
ALTER TABLE units ADD COLUMN student_notes INTEGER NOT NULL DEFAULT 0;

CREATE TABLE student_notes (
  id         INTEGER PRIMARY KEY,
  unit_id    INTEGER NOT NULL REFERENCES units(id) ON DELETE CASCADE,
  author     INTEGER NOT NULL REFERENCES users(id),
  text       TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX student_notes_by_unit ON student_notes(unit_id);
