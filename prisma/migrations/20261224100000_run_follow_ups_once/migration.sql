-- A run's follow-ups (alerts, retries, dependents: apps/worker's FOLLOW_UPS) run once (session 32).
-- A worker claims them by setting this column (claimFollowUps: UPDATE … WHERE follow_ups_at IS NULL)
-- and runs them only if its claim set it. Without it, every delivery of a cancelled run's job ran
-- them again (the claim answers "finished" for a cancelled run): a second delivery of a cancelled
-- automatic retry's job (BullMQ's stalled-job redelivery, a re-enqueue) announced its dead letters
-- a second time.
--
-- Nullable, no default: adding it rewrites no row. Runs that ended before it have none; a
-- delivery of such a run's job after the upgrade runs their follow-ups at most once more, as before.
ALTER TABLE runs ADD COLUMN follow_ups_at TIMESTAMPTZ(3);
