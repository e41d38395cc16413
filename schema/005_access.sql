-- 005: schools (coordinators see aggregates for the schools assigned to them), invitation links,
-- disabled accounts, and the audit log.
CREATE TABLE schools (
  id   INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);
ALTER TABLE users ADD COLUMN school_id INTEGER REFERENCES schools(id);
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;

CREATE TABLE coordinator_schools (
  user_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  school_id INTEGER NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
  PRIMARY KEY (user_id, school_id)
) WITHOUT ROWID;

-- Only a hash of each invitation token is stored; the link carries the token itself.
CREATE TABLE invitations (
  token_hash BLOB PRIMARY KEY,
  unit_id    INTEGER NOT NULL REFERENCES units(id) ON DELETE CASCADE,
  role       TEXT NOT NULL CHECK (role IN ('librarian', 'teacher')),
  created_by INTEGER NOT NULL REFERENCES users(id),
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at    INTEGER,
  used_by    INTEGER REFERENCES users(id)
) WITHOUT ROWID;

CREATE TABLE audit_log (
  id       INTEGER PRIMARY KEY,
  time     INTEGER NOT NULL,
  user_id  INTEGER,
  username TEXT,
  action   TEXT NOT NULL,
  detail   TEXT NOT NULL DEFAULT '{}',
  address  TEXT
);
