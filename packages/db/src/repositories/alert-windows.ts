// The alert rate window: at most one message per rule and scope (a scheme, or "" for a global
// condition) per window. Every decision takes the window row's lock (SELECT … FOR UPDATE after an
// INSERT … ON CONFLICT DO NOTHING that makes sure the row exists), so two workers evaluating the
// same rule at once agree: one sends, the other adds its event to the pending digest. The events
// themselves are opaque JSON here (@qiao/alerts gives them their shape).
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

interface WindowRow {
  until: Date;
  pending: unknown[];
  pending_count: number;
  condition: string | null;
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
}

/**
 * Admits an event: returns what to send now (the window had ended: its pending events and this
 * one, and a new window starts), or null (the event waits in the window's digest, or repeats a
 * condition already alerted).
 */
export async function admitAlertEvent(db: Db, input: AdmitInput): Promise<AlertEventsToSend | null> {
  const now = input.now ?? new Date();
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`
      INSERT INTO alert_windows (rule_id, scope, until, updated_at) VALUES (${input.ruleId}::uuid, ${input.scope}, to_timestamp(0), now())
      ON CONFLICT (rule_id, scope) DO NOTHING`;
    const [row] = await tx.$queryRaw<WindowRow[]>`
      SELECT until, pending, pending_count, condition FROM alert_windows
      WHERE rule_id = ${input.ruleId}::uuid AND scope = ${input.scope} FOR UPDATE`;
    if (!row) throw new Error("alert window row vanished under its lock");
    if (input.condition !== undefined && row.condition === input.condition) return null;
    const condition = input.condition ?? row.condition;
    if (row.until.getTime() > now.getTime()) {
      const pending = row.pending.length < MAX_PENDING_EVENTS ? [...row.pending, input.event] : row.pending;
      await tx.$executeRaw`
        UPDATE alert_windows SET pending = ${JSON.stringify(pending)}::jsonb, pending_count = pending_count + 1,
          condition = ${condition}, updated_at = now()
        WHERE rule_id = ${input.ruleId}::uuid AND scope = ${input.scope}`;
      return null;
    }
    const until = new Date(now.getTime() + input.windowMs);
    await tx.$executeRaw`
      UPDATE alert_windows SET pending = '[]'::jsonb, pending_count = 0, until = ${until}, condition = ${condition}, updated_at = now()
      WHERE rule_id = ${input.ruleId}::uuid AND scope = ${input.scope}`;
    return { ruleId: input.ruleId, scope: input.scope, events: [...row.pending, input.event], total: row.pending_count + 1, digest: row.pending_count > 0 };
  });
}

/**
 * The digests whose window has ended, each taken once: their pending events are emptied and a new
 * window starts (the digest is a message too). Rows another worker holds are skipped, not waited
 * for; they are taken by whoever holds them or by the next tick.
 */
export async function takeDueAlertDigests(db: Db, windowMs: number, now = new Date()): Promise<AlertEventsToSend[]> {
  return db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<(WindowRow & { rule_id: string; scope: string })[]>`
      SELECT rule_id, scope, until, pending, pending_count, condition FROM alert_windows
      WHERE until <= ${now} AND pending_count > 0
      ORDER BY until LIMIT 200 FOR UPDATE SKIP LOCKED`;
    const until = new Date(now.getTime() + windowMs);
    for (const row of rows) {
      await tx.$executeRaw`
        UPDATE alert_windows SET pending = '[]'::jsonb, pending_count = 0, until = ${until}, updated_at = now()
        WHERE rule_id = ${row.rule_id}::uuid AND scope = ${row.scope}`;
    }
    return rows.map((row) => ({ ruleId: row.rule_id, scope: row.scope, events: row.pending, total: row.pending_count, digest: true }));
  });
}

/** The lasting condition no longer holds (the scheme succeeded, workers are back): the next one is alerted again. */
export async function clearAlertCondition(db: Db, ruleId: string, scope: string): Promise<void> {
  await db.$executeRaw`UPDATE alert_windows SET condition = NULL WHERE rule_id = ${ruleId}::uuid AND scope = ${scope} AND condition IS NOT NULL`;
}
