-- Written by hand (Prisma cannot express triggers); no change to schema.prisma.
--
-- The statistics (scheme_hourly_stats, scheme_daily_stats, scheme_run_totals) counted a run once,
-- with the counters it had in the statement that finished it (runs_finished_stats, from
-- 20261204120000_overview_stats). A finished run's counters still change afterwards: an automatic
-- retry ended outside an attempt fails the records it did not send (failUnsentAutomaticRetries, after
-- the cancel or failActiveRun that finished it), and a lookup's verdicts (resolveUnknown) move the
-- run that sent a record from unknown to written / failed, however long ago it finished. Those
-- changes never reached the overview or /api/metrics. Now every change of a finished run's counted
-- columns adds the difference to the same rows the finish added to: the run's finish hour and its
-- day in the scheme's timezone (a run's records count on the day it ENDED, as the overview says),
-- not the hour of the change. So the statistics stay the sum of run_stat_row over finished runs.

-- Adds one run's share (or the change of it, or its negation) to the three tables. `hourly` false
-- skips the hourly row (a bucket older than the 8 days pruneHourlyStats keeps: re-creating it would
-- only hold the difference until the next prune).
CREATE FUNCTION scheme_stats_add(p_scheme_id uuid, p_hour timestamptz, p_day date,
  p_succeeded int, p_partial int, p_failed_runs int, p_cancelled int,
  p_written bigint, p_failed bigint, p_duration_ms bigint, p_finished timestamptz, p_hourly boolean)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF p_hourly THEN
    INSERT INTO scheme_hourly_stats AS t (scheme_id, hour, succeeded, partial, failed_runs, cancelled, written, failed, duration_ms, updated_at)
    VALUES (p_scheme_id, p_hour, p_succeeded, p_partial, p_failed_runs, p_cancelled, p_written, p_failed, p_duration_ms, now())
    ON CONFLICT (scheme_id, hour) DO UPDATE SET succeeded = t.succeeded + EXCLUDED.succeeded, partial = t.partial + EXCLUDED.partial,
      failed_runs = t.failed_runs + EXCLUDED.failed_runs, cancelled = t.cancelled + EXCLUDED.cancelled, written = t.written + EXCLUDED.written,
      failed = t.failed + EXCLUDED.failed, duration_ms = t.duration_ms + EXCLUDED.duration_ms, updated_at = now();
  END IF;
  INSERT INTO scheme_daily_stats AS t (scheme_id, day, succeeded, partial, failed_runs, cancelled, written, failed, duration_ms, updated_at)
  VALUES (p_scheme_id, p_day, p_succeeded, p_partial, p_failed_runs, p_cancelled, p_written, p_failed, p_duration_ms, now())
  ON CONFLICT (scheme_id, day) DO UPDATE SET succeeded = t.succeeded + EXCLUDED.succeeded, partial = t.partial + EXCLUDED.partial,
    failed_runs = t.failed_runs + EXCLUDED.failed_runs, cancelled = t.cancelled + EXCLUDED.cancelled, written = t.written + EXCLUDED.written,
    failed = t.failed + EXCLUDED.failed, duration_ms = t.duration_ms + EXCLUDED.duration_ms, updated_at = now();
  -- GREATEST ignores NULL: a negation (p_finished NULL) leaves last_finished_at as it was.
  INSERT INTO scheme_run_totals AS t (scheme_id, succeeded, partial, failed_runs, cancelled, written, failed, duration_ms, last_finished_at, updated_at)
  VALUES (p_scheme_id, p_succeeded, p_partial, p_failed_runs, p_cancelled, p_written, p_failed, p_duration_ms, p_finished, now())
  ON CONFLICT (scheme_id) DO UPDATE SET succeeded = t.succeeded + EXCLUDED.succeeded, partial = t.partial + EXCLUDED.partial,
    failed_runs = t.failed_runs + EXCLUDED.failed_runs, cancelled = t.cancelled + EXCLUDED.cancelled, written = t.written + EXCLUDED.written,
    failed = t.failed + EXCLUDED.failed, duration_ms = t.duration_ms + EXCLUDED.duration_ms,
    last_finished_at = GREATEST(t.last_finished_at, EXCLUDED.last_finished_at), updated_at = now();
END $$;

-- The finish itself, as before (the same three upserts, now in scheme_stats_add).
CREATE OR REPLACE FUNCTION runs_finished_stats() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  s record;
BEGIN
  s := run_stat_row(NEW);
  PERFORM scheme_stats_add(s.scheme_id, s.hour, s.day, s.succeeded, s.partial, s.failed_runs, s.cancelled,
    s.written, s.failed, s.duration_ms, s.finished, true);
  RETURN NULL;
END $$;

-- A finished run that changes: the difference between what it counts now and what it counted.
CREATE FUNCTION runs_finished_stats_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  o record;
  n record;
  kept timestamptz := now() - interval '8 days';
BEGIN
  o := run_stat_row(OLD);
  n := run_stat_row(NEW);
  IF o.scheme_id = n.scheme_id AND o.hour = n.hour AND o.day = n.day THEN
    -- The usual case (counters only): one upsert per table, on the rows the finish added to.
    IF (n.succeeded, n.partial, n.failed_runs, n.cancelled, n.written, n.failed, n.duration_ms)
      = (o.succeeded, o.partial, o.failed_runs, o.cancelled, o.written, o.failed, o.duration_ms) THEN
      RETURN NULL;
    END IF;
    PERFORM scheme_stats_add(n.scheme_id, n.hour, n.day, n.succeeded - o.succeeded, n.partial - o.partial,
      n.failed_runs - o.failed_runs, n.cancelled - o.cancelled, n.written - o.written, n.failed - o.failed,
      n.duration_ms - o.duration_ms, n.finished, n.hour >= kept);
  ELSE
    -- Its finish time moved (or, without finished_at, the updated_at standing in for it): out of the
    -- old buckets, into the new ones.
    PERFORM scheme_stats_add(o.scheme_id, o.hour, o.day, -o.succeeded, -o.partial, -o.failed_runs, -o.cancelled,
      -o.written, -o.failed, -o.duration_ms, NULL, o.hour >= kept);
    PERFORM scheme_stats_add(n.scheme_id, n.hour, n.day, n.succeeded, n.partial, n.failed_runs, n.cancelled,
      n.written, n.failed, n.duration_ms, n.finished, n.hour >= kept);
  END IF;
  RETURN NULL;
END $$;

-- OLD and NEW both finished (the move from queued/running is runs_finished_stats'), and something
-- the statistics read changed, in the statement that changes it, whichever code path that is.
CREATE TRIGGER runs_finished_stats_change AFTER UPDATE OF status, written, failed, started_at, finished_at, "trigger" ON runs FOR EACH ROW
  WHEN (OLD.status NOT IN ('queued', 'running') AND NEW.status NOT IN ('queued', 'running')
    AND (OLD.status, OLD.written, OLD.failed, OLD.started_at, OLD.finished_at, OLD.trigger)
      IS DISTINCT FROM (NEW.status, NEW.written, NEW.failed, NEW.started_at, NEW.finished_at, NEW.trigger))
  EXECUTE FUNCTION runs_finished_stats_change();
