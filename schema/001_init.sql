-- 001: accounts, partnerships, units, the append-only op log and snapshots.

CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
  display_name  TEXT NOT NULL,
  role          TEXT NOT NULL CHECK (role IN ('librarian', 'teacher', 'coordinator', 'admin')),
  password_hash TEXT NOT NULL,
  created_at    INTEGER NOT NULL
);

-- Only a hash of each session token is stored; the token itself lives in the browser's cookie.
CREATE TABLE sessions (
  token_hash BLOB PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE partnerships (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE TABLE partnership_members (
  partnership_id INTEGER NOT NULL REFERENCES partnerships(id) ON DELETE CASCADE,
  user_id        INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  PRIMARY KEY (partnership_id, user_id)
) WITHOUT ROWID;

CREATE TABLE units (
  id             INTEGER PRIMARY KEY,
  public_id      TEXT NOT NULL UNIQUE,
  partnership_id INTEGER NOT NULL REFERENCES partnerships(id),
  template       TEXT NOT NULL,
  title          TEXT NOT NULL,
  created_by     INTEGER REFERENCES users(id),
  created_at     INTEGER NOT NULL,
  archived       INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE unit_members (
  unit_id INTEGER NOT NULL REFERENCES units(id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  PRIMARY KEY (unit_id, user_id)
) WITHOUT ROWID;
CREATE INDEX unit_members_by_user ON unit_members(user_id);

-- The hot path. Append-only, rowid order is commit order, and deliberately no secondary index:
-- a unit is loaded from its latest snapshot plus the rows after the snapshot's upto_op.
CREATE TABLE oplog (
  id         INTEGER PRIMARY KEY,
  unit_id    INTEGER NOT NULL,
  kind       INTEGER NOT NULL,  -- 0 text update, 1 structure command
  stream     TEXT,              -- text stream id for kind 0
  version    INTEGER NOT NULL,  -- stream (or structure) version the op was applied at
  author     INTEGER NOT NULL,
  client_id  TEXT NOT NULL,
  client_seq INTEGER NOT NULL,
  time       INTEGER NOT NULL,  -- ms since the epoch
  payload    TEXT NOT NULL      -- ChangeSet JSON (kind 0) or command JSON (kind 1)
);

CREATE TABLE snapshots (
  id         INTEGER PRIMARY KEY,
  unit_id    INTEGER NOT NULL,
  upto_op    INTEGER NOT NULL,  -- every op of the unit with id <= upto_op is included
  ops        INTEGER NOT NULL,  -- ops of the unit included
  created_at INTEGER NOT NULL,
  data       TEXT NOT NULL
);
CREATE INDEX snapshots_by_unit ON snapshots(unit_id, id);
