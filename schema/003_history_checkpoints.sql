-- 003: snapshots kept for the history view. The writer keeps the newest three snapshots of a
-- unit plus every one marked `keep` (the first, and one every 10,000 ops), so any past version
-- is a kept snapshot plus at most about 10,000 ops of replay.
ALTER TABLE snapshots ADD COLUMN keep INTEGER NOT NULL DEFAULT 0;
UPDATE snapshots SET keep = 1 WHERE ops = 0;
