// Rules evaluated into events, events through the rate window, and messages to the rules'
// channels. A failing channel only records its failure on its row (shown in Settings): nothing here
// throws because a channel failed, so neither a run nor the maintenance tick fails with it.
import { clockFrom, message, render, storedMessage, type Message } from "@qiao/core";
import type { OutboundPolicy, Resolve } from "@qiao/connectors";
import {
  admitAlertEvent,
  claimDueAlertDigest,
  clearAlertCondition,
  completeAlertDigest,
  enabledAlertChannels,
  enabledAlertRules,
  firstDeadLetteredErrors,
  firstFailedRecordErrors,
  getAlertRule,
  openAlertChannelSecrets,
  recordAlertChannelOutcome,
  schemeName,
  schemesLastSuccess,
  shortfallSince,
  type AlertChannelRow,
  type AlertEventsToSend,
  type AlertRuleRow,
  type Db,
  type RunModel,
} from "@qiao/db";
import { channelTarget } from "./channel-config";
import { alertEventSchema, formatAlert, RULE_LABEL, testMessage, type AlertEvent, type AlertMessage } from "./message";
import { AlertSendError, sendMessage } from "./send";

/** At most one message per rule and scheme per window (issue #14). */
export const ALERT_WINDOW_MS = 15 * 60_000;
/** The scope of a rule's window for events that belong to no scheme (no worker alive). */
const GLOBAL_SCOPE = "";
const FIRST_ERRORS = 3;

export interface AlertDeps {
  db: Db;
  /** Where the web app is reachable for people reading the alert (QIAO_PUBLIC_URL). */
  publicUrl: string;
  policy: OutboundPolicy;
  resolve?: Resolve;
  windowMs?: number;
  retryDelaysMs?: readonly number[];
  timeoutMs?: number;
}

export interface ChannelResult {
  channelId: string;
  ok: boolean;
  /** Why it failed, in zh-CN (what the logs have always said). */
  error?: string;
  /** Why it failed, for people: rendered in the reader's language. */
  errorMessage?: Message;
}

/** Sends `msg` through one channel and records the outcome on it; never throws for the channel's failure. */
export async function sendThroughChannel(deps: AlertDeps, channel: AlertChannelRow, msg: AlertMessage, data?: Record<string, unknown>): Promise<ChannelResult> {
  let error: Message | undefined;
  const opened = openAlertChannelSecrets(channel);
  const secrets = "secrets" in opened ? opened.secrets : undefined;
  if (!secrets) error = message("unreadable" in opened && opened.unreadable.reason === "address_changed" ? "alert.channelAddressChanged" : "alert.channelSecretsUnreadable");
  else {
    try {
      const target = channelTarget(channel.kind, channel.settings, secrets);
      await sendMessage(target, msg, {
        policy: deps.policy,
        ...(deps.resolve && { resolve: deps.resolve }),
        ...(deps.retryDelaysMs && { retryDelaysMs: deps.retryDelaysMs }),
        ...(deps.timeoutMs && { timeoutMs: deps.timeoutMs }),
        ...(data && { data }),
      });
    } catch (e) {
      error = e instanceof AlertSendError ? e.text : message("alert.channelInvalid");
    }
  }
  await recordAlertChannelOutcome(deps.db, channel.id, error === undefined ? { ok: true } : { ok: false, error });
  return { channelId: channel.id, ok: error === undefined, ...(error !== undefined && { error: render(error), errorMessage: error }) };
}

/** 发送测试: a test message through the channel, whatever rules name it. */
export function sendTestAlert(deps: AlertDeps, channel: AlertChannelRow): Promise<ChannelResult> {
  return sendThroughChannel(deps, channel, testMessage(channel.name, deps.publicUrl), { test: true });
}

function parseEvents(events: unknown[]): AlertEvent[] {
  return events.flatMap((e) => {
    const parsed = alertEventSchema.safeParse(e);
    return parsed.success ? [parsed.data] : [];
  });
}

/** The message for a window's events, to the rule's enabled channels. */
async function deliver(deps: AlertDeps, rule: AlertRuleRow, batch: AlertEventsToSend): Promise<ChannelResult[]> {
  const events = parseEvents(batch.events);
  if (events.length === 0) return [];
  const msg = formatAlert(rule.name || RULE_LABEL[rule.kind], events, batch.total, deps.publicUrl, batch.digest);
  const channels = await enabledAlertChannels(deps.db, rule.channelIds);
  const data = { rule: { id: rule.id, name: rule.name, kind: rule.kind }, total: batch.total, events };
  return Promise.all(channels.map((c) => sendThroughChannel(deps, c, msg, data)));
}

/**
 * Raises `event` for `rule` in `scope`: sent now if the window allows, else kept for the digest. Sent
 * now like a digest: claimed under a lease (admitAlertEvent) and cleared only once delivered
 * (completeAlertDigest), so a worker killed before that loses nothing (the first tick after the
 * lease sends it). A channel's failure is recorded on its row, as for a digest: the message is done.
 */
async function raise(deps: AlertDeps, rule: AlertRuleRow, scope: string, event: AlertEvent, now = new Date(), condition?: string): Promise<ChannelResult[]> {
  const claimed = await admitAlertEvent(deps.db, {
    ruleId: rule.id,
    scope,
    event,
    now,
    windowMs: deps.windowMs ?? ALERT_WINDOW_MS,
    ...(condition !== undefined && { condition }),
  });
  if (!claimed) return [];
  const results = await deliver(deps, rule, claimed);
  await completeAlertDigest(deps.db, claimed);
  return results;
}

async function deadLetteredErrors(db: Db, runId: string): Promise<string[]> {
  return (await firstDeadLetteredErrors(db, runId, FIRST_ERRORS)).map((r) => `记录 ${r.sourceId}：${r.error}`);
}

/** The run's own error (rendered from the catalog) and its first failed records' messages. */
async function runErrors(db: Db, run: RunModel): Promise<string[]> {
  const errors: string[] = [];
  const stored = storedMessage(run.errorMessage);
  if (stored) errors.push(render(stored));
  else if (run.error) errors.push(run.error);
  for (const r of await firstFailedRecordErrors(db, run.id, FIRST_ERRORS)) errors.push(`记录 ${r.sourceId}：${r.error}`);
  return errors.slice(0, FIRST_ERRORS);
}

/** FollowUp: a run finished; failed and partial runs raise the matching rules of its scheme. */
export async function alertRunFinished(deps: AlertDeps, run: RunModel): Promise<ChannelResult[]> {
  if (run.trigger === "test" || (run.status !== "failed" && run.status !== "partial")) return [];
  const kind = run.status === "failed" ? "run_failed" : "run_partial";
  // A run that stopped waiting for unknown outcomes (their lookups failing for an hour: the target
  // down, its password changed) may have no failed record, its own records or an earlier run's left
  // unknown: it raises its run_partial rules whatever their threshold (session 33's audit).
  const gaveUp = storedMessage(run.errorMessage)?.code === "run.outcomesGaveUp";
  const rules = (await enabledAlertRules(deps.db, [kind], run.schemeId)).filter((r) => kind === "run_failed" || gaveUp || run.failed >= r.threshold);
  if (rules.length === 0) return [];
  const event: AlertEvent = {
    kind,
    at: (run.finishedAt ?? new Date()).toISOString(),
    schemeId: run.schemeId,
    ...withName(await schemeName(deps.db, run.schemeId)),
    runId: run.id,
    counts: { fetched: run.fetched, written: run.written, failed: run.failed, skipped: run.skipped, ...(run.unknown > 0 && { unknown: run.unknown }) },
    errors: await runErrors(deps.db, run),
  };
  return (await Promise.all(rules.map((r) => raise(deps, r, run.schemeId, { ...event, threshold: r.threshold })))).flat();
}

const withName = (name: string | undefined) => (name === undefined ? {} : { schemeName: name });

/**
 * Seam for the retry-policy slice (issue #14 item 1): call it when records of a scheme were
 * dead-lettered (their last automatic retry failed). Rules "records dead-lettered" with a
 * threshold at most `count` raise an alert (rate-limited like every other).
 */
export async function alertRecordsDeadLettered(
  deps: AlertDeps,
  input: { schemeId: string; count: number; runId?: string; errors?: string[] },
): Promise<ChannelResult[]> {
  if (input.count <= 0) return [];
  const rules = (await enabledAlertRules(deps.db, ["records_dead_lettered"], input.schemeId)).filter((r) => input.count >= r.threshold);
  if (rules.length === 0) return [];
  const event: AlertEvent = {
    kind: "records_dead_lettered",
    at: new Date().toISOString(),
    schemeId: input.schemeId,
    ...withName(await schemeName(deps.db, input.schemeId)),
    ...(input.runId && { runId: input.runId }),
    count: input.count,
    // Given, or the run's first dead-lettered records: an alert saying "12 records" with no reason
    // sends the reader to the app before they know whether it is theirs to fix.
    errors: (input.errors ?? (input.runId ? await deadLetteredErrors(deps.db, input.runId) : [])).slice(0, FIRST_ERRORS),
  };
  return (await Promise.all(rules.map((r) => raise(deps, r, input.schemeId, { ...event, threshold: r.threshold })))).flat();
}

/**
 * MaintenanceStep: schemes without a succeeded run for the rule's hours, counted from the later of
 * the last success (the scheme's creation when it never succeeded) and the time its schedule was
 * last switched back on: a paused schedule pauses the check, and the pause's days are not hours
 * without a success once it is back. Alerted once per stale stretch (the condition is the time
 * counted from), again only after the scheme succeeded (or was switched on again) and went stale anew.
 */
export async function checkStaleSchemes(deps: AlertDeps, now = new Date()): Promise<ChannelResult[]> {
  const rules = await enabledAlertRules(deps.db, ["scheme_stale"]);
  const results: ChannelResult[] = [];
  // Staleness is judged at `now`; each alert is claimed when it is raised (sends before it may be slow).
  const at = clockFrom(now);
  for (const rule of rules) {
    if (rule.threshold <= 0) continue;
    for (const s of await schemesLastSuccess(deps.db, rule.schemeId ?? undefined)) {
      const last = s.lastSuccessAt ?? s.createdAt;
      const since = s.automationOnSince && s.automationOnSince > last ? s.automationOnSince : last;
      const hours = Math.floor((now.getTime() - since.getTime()) / 3600_000);
      if (hours < rule.threshold) {
        await clearAlertCondition(deps.db, rule.id, s.id);
        continue;
      }
      const event: AlertEvent = { kind: "scheme_stale", at: now.toISOString(), schemeId: s.id, schemeName: s.name, count: hours, threshold: rule.threshold, errors: [] };
      results.push(...(await raise(deps, rule, s.id, event, at(), `stale-since:${since.toISOString()}`)));
    }
  }
  return results;
}

/** How long fewer workers than expected may be seen before it is alerted (a tick is once a minute). */
export const WORKER_SHORTFALL_GRACE_MS = 45_000;

/**
 * MaintenanceStep: fewer workers alive than a rule expects (`alive` from @qiao/jobs' aliveWorkers).
 * The worker running the tick is itself alive, so a rule's threshold is the number of workers that
 * should be running; alerted once per shortfall that lasts WORKER_SHORTFALL_GRACE_MS (the next tick),
 * again after the workers were back.
 */
export async function checkWorkersAlive(deps: AlertDeps, alive: number, now = new Date()): Promise<ChannelResult[]> {
  const results: ChannelResult[] = [];
  for (const rule of await enabledAlertRules(deps.db, ["no_worker"])) {
    const expected = Math.max(rule.threshold, 1);
    if (alive >= expected) {
      await clearAlertCondition(deps.db, rule.id, GLOBAL_SCOPE);
      continue;
    }
    // A restart is not an outage: a worker stopping cleanly drops its heartbeat at once and the new
    // process beats only once it is ready, so a tick in between saw one worker fewer. Alerted when
    // a later tick still sees the shortfall.
    if (now.getTime() - (await shortfallSince(deps.db, rule.id, GLOBAL_SCOPE, now)).getTime() < WORKER_SHORTFALL_GRACE_MS) continue;
    const event: AlertEvent = { kind: "no_worker", at: now.toISOString(), count: alive, threshold: expected, errors: [] };
    results.push(...(await raise(deps, rule, GLOBAL_SCOPE, event, now, `workers-below:${expected}`)));
  }
  return results;
}

/** Digests one tick sends at most (the rest wait for the next tick). */
const DIGESTS_PER_TICK = 200;

/**
 * MaintenanceStep: digests whose window ended go out. One at a time, each claimed under a lease
 * (claimDueAlertDigest) and cleared only once delivered (completeAlertDigest): a worker killed
 * while sending loses nothing, neither the digest it was sending (another worker sends it again
 * when the lease ends: at least once, a rare duplicate rather than a silent loss) nor those it had
 * not reached (still due, unclaimed: the next tick of any worker sends them). Two workers never
 * send the same digest while its lease holds. Also sends again an alert a killed worker was sending
 * at once (raise), once its lease ended, as the message it was.
 */
export async function flushAlertDigests(deps: AlertDeps, now = new Date()): Promise<ChannelResult[]> {
  const results: ChannelResult[] = [];
  // Each claim's lease starts when it is made: a digest delivered slowly must not leave the next one
  // claimed under a lease that is already over (another worker's tick would send it too).
  const at = clockFrom(now);
  for (let i = 0; i < DIGESTS_PER_TICK; i++) {
    const digest = await claimDueAlertDigest(deps.db, deps.windowMs ?? ALERT_WINDOW_MS, { now: at() });
    if (!digest) break;
    const rule = await getAlertRule(deps.db, digest.ruleId);
    // A channel's failure is recorded on its row by deliver (never thrown): the digest was
    // attempted and is done. A disabled or deleted rule's digest has nowhere to go: done too.
    if (rule?.enabled) results.push(...(await deliver(deps, rule, digest)));
    await completeAlertDigest(deps.db, digest);
  }
  return results;
}
