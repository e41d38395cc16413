-- 007: op digests for the history view. With each snapshot the op log writer stores a compact
-- record (store/op_digest) of the unit's ops since its previous digest: ids, times, authors, kinds,
-- and the commands that may change the phase. Listing a unit's history then reads these few rows
-- instead of scanning the op log, which has no index by unit. The digests are derived data: ops
-- they miss (a crash before the snapshot, databases from before this level) are read from the op
-- log, and `after_op` (ops of the unit before the digest's first) shows where such a gap is.
CREATE TABLE op_digests (
  unit_id  INTEGER NOT NULL,
  after_op INTEGER NOT NULL,
  ops      INTEGER NOT NULL,
  first_id INTEGER NOT NULL,
  last_id  INTEGER NOT NULL,
  data     BLOB NOT NULL,
  PRIMARY KEY (unit_id, after_op)
) WITHOUT ROWID;
