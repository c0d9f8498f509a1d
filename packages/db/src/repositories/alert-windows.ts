// The alert rate window: at most one message per rule and scope (a scheme, or "" for a global
// condition) per window. Every decision takes the window row's lock (SELECT … FOR UPDATE after an
// INSERT … ON CONFLICT DO NOTHING that makes sure the row exists), so two workers evaluating the
// same rule at once agree: one sends, the other adds its event to the pending digest. The events
// themselves are opaque JSON here (@qiao/alerts gives them their shape).
//
// Every message, a digest or an alert sent at once, is claimed the same way before it is sent: its
// events move to `in_flight` under a lease (`in_flight_until`) and are cleared by completeAlertDigest
// only once delivered. A sender killed before that leaves them for claimDueAlertDigest to retake when
// the lease ends: at least once, never lost.
import type { Db } from "../client";

/** Events kept in full inside one window; the rest are only counted. */
export const MAX_PENDING_EVENTS = 20;

export interface AlertEventsToSend {
  ruleId: string;
  scope: string;
  /** The window's earlier events (in full, up to MAX_PENDING_EVENTS) and, for `admitAlertEvent`, the new one last. */
  events: unknown[];
  /** How many events the message stands for (events beyond the kept ones included). */
  total: number;
  /** Events collected in a window: sent as a digest (also when only one waited). */
  digest: boolean;
}

/**
 * How long a worker holds a message it claimed (admitAlertEvent, claimDueAlertDigest) before another
 * may send it again. Longer than a delivery takes: a webhook's three attempts of 10 s with 6 s of
 * waits per channel, a few channels; a message delivered after its lease ended may go out twice.
 */
export const ALERT_DIGEST_LEASE_MS = 5 * 60_000;

export interface ClaimedAlertDigest extends AlertEventsToSend {
  /** The claim's lease: completeAlertDigest with it clears the message, unless another worker retook it. */
  leaseUntil: Date;
}

interface WindowRow {
  until: Date;
  pending: unknown[];
  pending_count: number;
  condition: string | null;
  in_flight_count: number;
}

export interface AdmitInput {
  ruleId: string;
  scope: string;
  event: unknown;
  windowMs: number;
  now?: Date;
  /**
   * A lasting condition (e.g. "stale since <time>"): an event whose condition equals the one the
   * window last alerted is dropped, so a scheme stale for a day is not reported every window.
   */
  condition?: string;
  /** The lease on what is to be sent now (ALERT_DIGEST_LEASE_MS). */
  leaseMs?: number;
}

/**
 * Admits an event. The window had ended: its pending events and this one are claimed to be sent now
 * (they move to `in_flight` under a lease, as a digest claimed by claimDueAlertDigest, and a new
 * window starts); the caller sends them and then calls completeAlertDigest. A caller killed before
 * that loses nothing: claimDueAlertDigest retakes them when the lease ends. Returns null when the
 * event waits in the window's digest (the window is open, or the window's previous message is still
 * in flight), or repeats a condition already alerted.
 */
export async function admitAlertEvent(db: Db, input: AdmitInput): Promise<ClaimedAlertDigest | null> {
  const now = input.now ?? new Date();
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`
      INSERT INTO alert_windows (rule_id, scope, until, updated_at) VALUES (${input.ruleId}::uuid, ${input.scope}, to_timestamp(0), now())
      ON CONFLICT (rule_id, scope) DO NOTHING`;
    const [row] = await tx.$queryRaw<WindowRow[]>`
      SELECT until, pending, pending_count, condition, in_flight_count FROM alert_windows
      WHERE rule_id = ${input.ruleId}::uuid AND scope = ${input.scope} FOR UPDATE`;
    if (!row) throw new Error("alert window row vanished under its lock");
    if (input.condition !== undefined && row.condition === input.condition) return null;
    const condition = input.condition ?? row.condition;
    // The window is open, or its previous message is still in flight (being sent, or its sender died
    // and the next tick retakes it): the event waits for the next digest (a row holds one message in
    // flight at a time).
    if (row.until.getTime() > now.getTime() || row.in_flight_count > 0) {
      const pending = row.pending.length < MAX_PENDING_EVENTS ? [...row.pending, input.event] : row.pending;
      await tx.$executeRaw`
        UPDATE alert_windows SET pending = ${JSON.stringify(pending)}::jsonb, pending_count = pending_count + 1,
          condition = ${condition}, updated_at = now()
        WHERE rule_id = ${input.ruleId}::uuid AND scope = ${input.scope}`;
      return null;
    }
    const until = new Date(now.getTime() + input.windowMs);
    const leaseUntil = new Date(now.getTime() + (input.leaseMs ?? ALERT_DIGEST_LEASE_MS));
    const events = [...row.pending, input.event];
    const total = row.pending_count + 1;
    const digest = row.pending_count > 0;
    await tx.$executeRaw`
      UPDATE alert_windows SET pending = '[]'::jsonb, pending_count = 0, until = ${until}, condition = ${condition},
        in_flight = ${JSON.stringify(events)}::jsonb, in_flight_count = ${total}, in_flight_until = ${leaseUntil}, in_flight_digest = ${digest},
        updated_at = now()
      WHERE rule_id = ${input.ruleId}::uuid AND scope = ${input.scope}`;
    return { ruleId: input.ruleId, scope: input.scope, events, total, digest, leaseUntil };
  });
}

/**
 * Claims one digest to send, or returns null when none is due: a window that ended with pending
 * events (they move to `in_flight`, and a new window starts: the digest is a message too), or a
 * message (a digest, or an alert admitAlertEvent claimed to send at once) another worker claimed and
 * did not complete before its lease ended (killed while sending: sent again, the same message, at
 * least once rather than never). Nothing is emptied before delivery: the events stay in `in_flight`
 * until completeAlertDigest. Rows another worker holds are skipped, not waited for; a message under
 * a live lease is left to the worker sending it.
 */
export async function claimDueAlertDigest(
  db: Db,
  windowMs: number,
  { now = new Date(), leaseMs = ALERT_DIGEST_LEASE_MS }: { now?: Date; leaseMs?: number } = {},
): Promise<ClaimedAlertDigest | null> {
  const leaseUntil = new Date(now.getTime() + leaseMs);
  const until = new Date(now.getTime() + windowMs);
  const [row] = await db.$queryRaw<{ rule_id: string; scope: string; in_flight: unknown[]; in_flight_count: number; in_flight_digest: boolean }[]>`
    WITH due AS (
      SELECT rule_id, scope, in_flight_count > 0 AS retake FROM alert_windows
      WHERE (in_flight_count > 0 AND in_flight_until <= ${now})
         OR (in_flight_count = 0 AND until <= ${now} AND pending_count > 0)
      ORDER BY COALESCE(in_flight_until, until) LIMIT 1 FOR UPDATE SKIP LOCKED
    )
    UPDATE alert_windows w SET
      -- A digest retaken keeps its events (and the window started when it was first claimed);
      -- events that arrived since wait in pending for their own digest.
      in_flight = CASE WHEN due.retake THEN w.in_flight ELSE w.pending END,
      in_flight_count = CASE WHEN due.retake THEN w.in_flight_count ELSE w.pending_count END,
      pending = CASE WHEN due.retake THEN w.pending ELSE '[]'::jsonb END,
      pending_count = CASE WHEN due.retake THEN w.pending_count ELSE 0 END,
      until = CASE WHEN due.retake THEN w.until ELSE ${until} END,
      -- A retaken alert that was sent at once goes out again as it was, not as a digest of one.
      in_flight_digest = CASE WHEN due.retake THEN w.in_flight_digest ELSE true END,
      in_flight_until = ${leaseUntil}, updated_at = now()
    FROM due WHERE w.rule_id = due.rule_id AND w.scope = due.scope
    RETURNING w.rule_id, w.scope, w.in_flight, w.in_flight_count, w.in_flight_digest`;
  if (!row) return null;
  return { ruleId: row.rule_id, scope: row.scope, events: row.in_flight, total: row.in_flight_count, digest: row.in_flight_digest, leaseUntil };
}

/**
 * The claimed message (a digest, or an alert sent at once) was delivered (or has nowhere to go: its
 * rule is gone or disabled): its events are cleared. Only under the caller's own lease: a message
 * retaken by another worker after the lease ended is that worker's to complete. Returns whether it
 * was cleared.
 */
export async function completeAlertDigest(db: Db, digest: Pick<ClaimedAlertDigest, "ruleId" | "scope" | "leaseUntil">): Promise<boolean> {
  const n = await db.$executeRaw`
    UPDATE alert_windows SET in_flight = '[]'::jsonb, in_flight_count = 0, in_flight_until = NULL, updated_at = now()
    WHERE rule_id = ${digest.ruleId}::uuid AND scope = ${digest.scope} AND in_flight_until = ${digest.leaseUntil}`;
  return n === 1;
}

/** The lasting condition no longer holds (the scheme succeeded, workers are back): the next one is alerted again. */
export async function clearAlertCondition(db: Db, ruleId: string, scope: string): Promise<void> {
  await db.$executeRaw`UPDATE alert_windows SET condition = NULL WHERE rule_id = ${ruleId}::uuid AND scope = ${scope} AND condition IS NOT NULL`;
}

/** The condition a shortfall not alerted yet is remembered by (`shortfallSince`). */
const SHORT_SINCE = "short-since:";

/**
 * Since when a lasting shortfall holds (workers below a rule's number), remembered in the window's
 * condition: the first tick that sees it notes `now` and gets it back; a later one gets that time; a
 * shortfall already alerted (another condition) holds since long ago. `clearAlertCondition` forgets it.
 */
export async function shortfallSince(db: Db, ruleId: string, scope: string, now: Date): Promise<Date> {
  const [row] = await db.$queryRaw<{ condition: string | null }[]>`
    INSERT INTO alert_windows AS w (rule_id, scope, until, condition, updated_at)
    VALUES (${ruleId}::uuid, ${scope}, to_timestamp(0), ${SHORT_SINCE + now.toISOString()}, now())
    ON CONFLICT (rule_id, scope) DO UPDATE SET condition = COALESCE(w.condition, EXCLUDED.condition)
    RETURNING condition`;
  const condition = row?.condition ?? "";
  return condition.startsWith(SHORT_SINCE) ? new Date(condition.slice(SHORT_SINCE.length)) : new Date(0);
}

