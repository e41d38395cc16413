-- 004: reflections after a unit (and short check-ins after a lesson), each partner's private
-- answers, and the action items that carry into the partnership's next units. Answers stay
-- private to their author until every member has submitted.
CREATE TABLE reflections (
  id           INTEGER PRIMARY KEY,
  unit_id      INTEGER NOT NULL REFERENCES units(id) ON DELETE CASCADE,
  kind         TEXT NOT NULL CHECK (kind IN ('unit', 'checkin')),
  protocol     TEXT NOT NULL,
  lesson_id    TEXT,                      -- check-ins: the lesson it follows
  revealed_at  INTEGER,                   -- set when every member has submitted
  suggestion   TEXT,                      -- JSON: the facet the record suggests, with reasons
  agreed_facet TEXT,
  agreed_at    INTEGER,
  created_by   INTEGER NOT NULL REFERENCES users(id),
  created_at   INTEGER NOT NULL
);
CREATE INDEX reflections_by_unit ON reflections(unit_id);

CREATE TABLE reflection_answers (
  reflection_id INTEGER NOT NULL REFERENCES reflections(id) ON DELETE CASCADE,
  user_id       INTEGER NOT NULL REFERENCES users(id),
  prompts       TEXT NOT NULL,   -- JSON: this member's prompts, fixed when they first opened it
  answers       TEXT NOT NULL,   -- JSON: {promptId: {"text", "evidence": [...]}}
  facet         TEXT,            -- their private rating of the collaboration
  agree_facet   TEXT,            -- after the reveal: the facet they propose to agree on
  submitted_at  INTEGER,
  updated_at    INTEGER NOT NULL,
  PRIMARY KEY (reflection_id, user_id)
) WITHOUT ROWID;

CREATE TABLE action_items (
  id             INTEGER PRIMARY KEY,
  partnership_id INTEGER NOT NULL REFERENCES partnerships(id),
  from_unit      INTEGER NOT NULL REFERENCES units(id) ON DELETE CASCADE,
  reflection_id  INTEGER REFERENCES reflections(id) ON DELETE SET NULL,
  author         INTEGER NOT NULL REFERENCES users(id),
  text           TEXT NOT NULL,
  created_at     INTEGER NOT NULL,
  done_in_unit   INTEGER REFERENCES units(id),
  done_at        INTEGER
);
CREATE INDEX action_items_by_partnership ON action_items(partnership_id);
