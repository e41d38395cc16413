-- 002: a unit made with "use again next year" remembers the unit it was copied from.
ALTER TABLE units ADD COLUMN copied_from INTEGER REFERENCES units(id);
