-- A run's records whose unknown outcome a lookup left `stale` (session 34): an update sent before a
-- switch back to create mode, found in the target but not known to have taken effect. Their
-- RunRecords say `stale`, and no counter of the run held them: they left `unknown` for nothing, and
-- the run page's counts no longer added up to the records the run sent.
--
-- A constant default: adding it rewrites no row. Runs that ended before keep 0 (their stale records
-- are still listed under the run's 已变更 tab); counting them would read every run's records.
ALTER TABLE runs ADD COLUMN stale INTEGER NOT NULL DEFAULT 0;
