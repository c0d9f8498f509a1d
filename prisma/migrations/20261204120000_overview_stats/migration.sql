-- CreateTable
CREATE TABLE "scheme_hourly_stats" (
    "scheme_id" UUID NOT NULL,
    "hour" TIMESTAMPTZ(0) NOT NULL,
    "succeeded" INTEGER NOT NULL DEFAULT 0,
    "partial" INTEGER NOT NULL DEFAULT 0,
    "failed_runs" INTEGER NOT NULL DEFAULT 0,
    "cancelled" INTEGER NOT NULL DEFAULT 0,
    "written" BIGINT NOT NULL DEFAULT 0,
    "failed" BIGINT NOT NULL DEFAULT 0,
    "duration_ms" BIGINT NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "scheme_hourly_stats_pkey" PRIMARY KEY ("scheme_id","hour")
);

-- CreateTable
CREATE TABLE "scheme_daily_stats" (
    "scheme_id" UUID NOT NULL,
    "day" DATE NOT NULL,
    "succeeded" INTEGER NOT NULL DEFAULT 0,
    "partial" INTEGER NOT NULL DEFAULT 0,
    "failed_runs" INTEGER NOT NULL DEFAULT 0,
    "cancelled" INTEGER NOT NULL DEFAULT 0,
    "written" BIGINT NOT NULL DEFAULT 0,
    "failed" BIGINT NOT NULL DEFAULT 0,
    "duration_ms" BIGINT NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "scheme_daily_stats_pkey" PRIMARY KEY ("scheme_id","day")
);

-- CreateTable
CREATE TABLE "scheme_run_totals" (
    "scheme_id" UUID NOT NULL,
    "succeeded" INTEGER NOT NULL DEFAULT 0,
    "partial" INTEGER NOT NULL DEFAULT 0,
    "failed_runs" INTEGER NOT NULL DEFAULT 0,
    "cancelled" INTEGER NOT NULL DEFAULT 0,
    "written" BIGINT NOT NULL DEFAULT 0,
    "failed" BIGINT NOT NULL DEFAULT 0,
    "duration_ms" BIGINT NOT NULL DEFAULT 0,
    "last_finished_at" TIMESTAMPTZ(3),
    "records_counted_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "scheme_run_totals_pkey" PRIMARY KEY ("scheme_id")
);

-- CreateTable
CREATE TABLE "scheme_record_counts" (
    "scheme_id" UUID NOT NULL,
    "status" TEXT NOT NULL,
    "records" INTEGER NOT NULL,
    "counted_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "scheme_record_counts_pkey" PRIMARY KEY ("scheme_id","status")
);

-- CreateTable
CREATE TABLE "run_write_stats" (
    "id" BIGSERIAL NOT NULL,
    "run_id" UUID NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "written" INTEGER NOT NULL,
    "failed" INTEGER NOT NULL,

    CONSTRAINT "run_write_stats_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "scheme_hourly_stats_hour_idx" ON "scheme_hourly_stats"("hour");

-- CreateIndex
CREATE INDEX "scheme_daily_stats_day_idx" ON "scheme_daily_stats"("day");

-- CreateIndex
CREATE INDEX "run_write_stats_run_id_at_idx" ON "run_write_stats"("run_id", "at");

-- AddForeignKey
ALTER TABLE "scheme_hourly_stats" ADD CONSTRAINT "scheme_hourly_stats_scheme_id_fkey" FOREIGN KEY ("scheme_id") REFERENCES "schemes"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "scheme_daily_stats" ADD CONSTRAINT "scheme_daily_stats_scheme_id_fkey" FOREIGN KEY ("scheme_id") REFERENCES "schemes"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "scheme_run_totals" ADD CONSTRAINT "scheme_run_totals_scheme_id_fkey" FOREIGN KEY ("scheme_id") REFERENCES "schemes"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "scheme_record_counts" ADD CONSTRAINT "scheme_record_counts_scheme_id_fkey" FOREIGN KEY ("scheme_id") REFERENCES "schemes"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "run_write_stats" ADD CONSTRAINT "run_write_stats_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Written by hand (Prisma cannot express triggers).

-- A finished run's place in the statistics: its scheme, UTC hour, day in the scheme's timezone, how
-- it ended, what it wrote, how long it took. Test runs count for records, not for runs.
CREATE FUNCTION run_stat_row(r runs, OUT scheme_id uuid, OUT hour timestamptz, OUT day date,
  OUT succeeded int, OUT partial int, OUT failed_runs int, OUT cancelled int,
  OUT written bigint, OUT failed bigint, OUT duration_ms bigint, OUT finished timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
  zone text;
  counted boolean := r.trigger <> 'test';
BEGIN
  scheme_id := r.scheme_id;
  -- finished_at is a UTC timestamp without zone (Prisma's DateTime).
  finished := COALESCE(r.finished_at, r.updated_at, r.created_at) AT TIME ZONE 'UTC';
  hour := date_trunc('hour', finished, 'UTC');
  SELECT s.timezone INTO zone FROM schemes s WHERE s.id = r.scheme_id;
  BEGIN
    day := (finished AT TIME ZONE COALESCE(zone, 'Asia/Shanghai'))::date;
  EXCEPTION WHEN invalid_parameter_value THEN
    -- A timezone Postgres does not know must never stop a run from finishing.
    day := (finished AT TIME ZONE 'Asia/Shanghai')::date;
  END;
  succeeded := (counted AND r.status = 'succeeded')::int;
  partial := (counted AND r.status = 'partial')::int;
  failed_runs := (counted AND r.status = 'failed')::int;
  cancelled := (counted AND r.status = 'cancelled')::int;
  written := r.written;
  failed := r.failed;
  duration_ms := CASE WHEN counted AND r.started_at IS NOT NULL
    THEN GREATEST(0, floor(extract(epoch FROM (COALESCE(r.finished_at, r.updated_at) - r.started_at)) * 1000))::bigint ELSE 0 END;
END $$;

CREATE FUNCTION runs_finished_stats() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  s record;
BEGIN
  s := run_stat_row(NEW);
  INSERT INTO scheme_hourly_stats AS t (scheme_id, hour, succeeded, partial, failed_runs, cancelled, written, failed, duration_ms, updated_at)
  VALUES (s.scheme_id, s.hour, s.succeeded, s.partial, s.failed_runs, s.cancelled, s.written, s.failed, s.duration_ms, now())
  ON CONFLICT (scheme_id, hour) DO UPDATE SET succeeded = t.succeeded + EXCLUDED.succeeded, partial = t.partial + EXCLUDED.partial,
    failed_runs = t.failed_runs + EXCLUDED.failed_runs, cancelled = t.cancelled + EXCLUDED.cancelled, written = t.written + EXCLUDED.written,
    failed = t.failed + EXCLUDED.failed, duration_ms = t.duration_ms + EXCLUDED.duration_ms, updated_at = now();
  INSERT INTO scheme_daily_stats AS t (scheme_id, day, succeeded, partial, failed_runs, cancelled, written, failed, duration_ms, updated_at)
  VALUES (s.scheme_id, s.day, s.succeeded, s.partial, s.failed_runs, s.cancelled, s.written, s.failed, s.duration_ms, now())
  ON CONFLICT (scheme_id, day) DO UPDATE SET succeeded = t.succeeded + EXCLUDED.succeeded, partial = t.partial + EXCLUDED.partial,
    failed_runs = t.failed_runs + EXCLUDED.failed_runs, cancelled = t.cancelled + EXCLUDED.cancelled, written = t.written + EXCLUDED.written,
    failed = t.failed + EXCLUDED.failed, duration_ms = t.duration_ms + EXCLUDED.duration_ms, updated_at = now();
  INSERT INTO scheme_run_totals AS t (scheme_id, succeeded, partial, failed_runs, cancelled, written, failed, duration_ms, last_finished_at, updated_at)
  VALUES (s.scheme_id, s.succeeded, s.partial, s.failed_runs, s.cancelled, s.written, s.failed, s.duration_ms, s.finished, now())
  ON CONFLICT (scheme_id) DO UPDATE SET succeeded = t.succeeded + EXCLUDED.succeeded, partial = t.partial + EXCLUDED.partial,
    failed_runs = t.failed_runs + EXCLUDED.failed_runs, cancelled = t.cancelled + EXCLUDED.cancelled, written = t.written + EXCLUDED.written,
    failed = t.failed + EXCLUDED.failed, duration_ms = t.duration_ms + EXCLUDED.duration_ms,
    last_finished_at = GREATEST(t.last_finished_at, EXCLUDED.last_finished_at), updated_at = now();
  RETURN NULL;
END $$;

-- Fires once per run, in the transaction that finishes it (whichever code path does: the engine,
-- a cancel, the reconciler failing a run), so no finished run can be missed or counted twice.
CREATE TRIGGER runs_finished_stats AFTER UPDATE OF status ON runs FOR EACH ROW
  WHEN (OLD.status IN ('queued', 'running') AND NEW.status NOT IN ('queued', 'running'))
  EXECUTE FUNCTION runs_finished_stats();

CREATE FUNCTION runs_write_stats() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO run_write_stats (run_id, written, failed) VALUES (NEW.id, NEW.written - OLD.written, NEW.failed - OLD.failed);
  RETURN NULL;
END $$;

-- Every change of a run's written / failed counters (a batch's outcomes, a lookup's verdicts, a
-- retry) in the statement that makes it; progress updates that add nothing add no row.
CREATE TRIGGER runs_write_stats AFTER UPDATE OF written, failed ON runs FOR EACH ROW
  WHEN (NEW.written <> OLD.written OR NEW.failed <> OLD.failed)
  EXECUTE FUNCTION runs_write_stats();

-- Runs finished before this migration, once.
WITH f AS (SELECT (run_stat_row(r)).* FROM runs r WHERE r.status NOT IN ('queued', 'running'))
INSERT INTO scheme_hourly_stats (scheme_id, hour, succeeded, partial, failed_runs, cancelled, written, failed, duration_ms)
SELECT scheme_id, hour, sum(succeeded), sum(partial), sum(failed_runs), sum(cancelled), sum(written), sum(failed), sum(duration_ms)
FROM f WHERE hour >= now() - interval '8 days' GROUP BY scheme_id, hour;
WITH f AS (SELECT (run_stat_row(r)).* FROM runs r WHERE r.status NOT IN ('queued', 'running'))
INSERT INTO scheme_daily_stats (scheme_id, day, succeeded, partial, failed_runs, cancelled, written, failed, duration_ms)
SELECT scheme_id, day, sum(succeeded), sum(partial), sum(failed_runs), sum(cancelled), sum(written), sum(failed), sum(duration_ms)
FROM f GROUP BY scheme_id, day;
WITH f AS (SELECT (run_stat_row(r)).* FROM runs r WHERE r.status NOT IN ('queued', 'running'))
INSERT INTO scheme_run_totals (scheme_id, succeeded, partial, failed_runs, cancelled, written, failed, duration_ms, last_finished_at)
SELECT scheme_id, sum(succeeded), sum(partial), sum(failed_runs), sum(cancelled), sum(written), sum(failed), sum(duration_ms), max(finished)
FROM f GROUP BY scheme_id;
-- Their charts, approximately: each batch line's counts at its time (what the chart read until now).
INSERT INTO run_write_stats (run_id, at, written, failed)
SELECT run_id, at AT TIME ZONE 'UTC', COALESCE((data->>'written')::int, 0), COALESCE((data->>'failed')::int, 0)
FROM run_logs WHERE data ? 'batch';
