-- 008: a unit that closed cleanly needs no op log scan to open. The op log writer marks a unit's
-- closing snapshot `closed` when no op of the unit follows it, and clears the mark in the same
-- transaction as the unit's next op, so a snapshot marked closed is always the whole unit. Loading
-- such a unit reads that snapshot only; any other is loaded with the op log rows after it.
ALTER TABLE snapshots ADD COLUMN closed INTEGER NOT NULL DEFAULT 0;
