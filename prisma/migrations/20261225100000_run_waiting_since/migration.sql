-- When a run first waited for unknown write outcomes to be looked up (session 33). Kept across its
-- attempts (a claim clears waiting_until, not this): the engine ends a run that has waited longer
-- than QIAO_UNKNOWN_OUTCOME_MAX_WAIT_S (a lookup failing all along: 金蝶 down, its password
-- changed) instead of keeping the scheme busy for ever. Its records stay unknown, never resent, and
-- the scheme's next writing run looks them up first.
--
-- Nullable, no default: adding it rewrites no row. A run waiting at the upgrade starts counting at
-- its next wait.
ALTER TABLE runs ADD COLUMN waiting_since TIMESTAMPTZ(3);
