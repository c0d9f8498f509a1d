// The engine's hot statements (hotQuery) keep one plan per connection for as long as the connection
// lives, and Postgres may choose a generic plan made while the tables were small (a fresh install's
// first sync, a test database): its costs stay what they were then. Such a plan must still find rows
// by key. A hash join fed by a whole-table scan of staging looked cheap on a table of ten pages and
// then read every staged row for each batch of a run: quadratic, ~0.6 ms per record at batches of 20
// (issue #16). enable_seqscan=off (the pools' setting) does not stop it: the scan was the primary
// key's index read end to end. Here every hot statement a run issues is planned generically on tiny
// tables, and each scan of a table must be bounded by an index condition.
import { message } from "@qiao/core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma, type Db } from "../client";
import { createTestDatabase, type TestDatabase } from "../testing";
import { statementsSent } from "./pool-spy.test-util";
import { markSending } from "./mark-sending";
import { resolveNumberConflicts } from "./number-claims";
import { dueUnknownRecords, parkSending, postponeUnknown, sendingMarkedByOthers } from "./outcomes";
import { resolveUnknown } from "./resolve-unknown";
import { claimRun, createRun } from "./runs";
import { appendRunLog, renewLease, reportProgress, runFence } from "./run-progress";
import { recordAuditResults } from "./saved-bills";
import { stagePage } from "./stage-page";
import { nextPendingRecords } from "./staging";
import { clearFinishedWaits, lookupWritten, recordWaiting, releaseWaiting } from "./waiting";
import { recordMappingFailures, releaseSending } from "./unsent";
import { recordWriteResults } from "./write-protocol";

let tdb: TestDatabase;
let db: Db;
beforeAll(async () => {
  tdb = await createTestDatabase("hotplans");
  db = createPrisma(tdb.url, 2);
});
afterAll(async () => {
  await db?.$disconnect();
  await tdb?.drop();
});

interface Named {
  name: string;
  text: string;
  values: unknown[];
}

/** Runs `work` and returns the named (hot) statements it sent, each once, as sent. */
async function capture(work: () => Promise<void>): Promise<Named[]> {
  const seen = new Map<string, Named>();
  for (const { name, text, values } of await statementsSent(work)) {
    if (name?.startsWith("qiao_") && !seen.has(name)) seen.set(name, { name, text, values });
  }
  return [...seen.values()];
}

/** A parameter as an SQL literal (EXECUTE's arguments; a generic plan does not look at them). */
function literal(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  const element = (v: unknown) => (v === null || v === undefined ? "NULL" : `"${String(v).replace(/["\\]/g, "\\$&")}"`);
  const text = Array.isArray(value)
    ? `{${value.map(element).join(",")}}`
    : value instanceof Date
      ? value.toISOString()
      : typeof value === "object"
        ? JSON.stringify(value)
        : String(value);
  return `'${text.replace(/'/g, "''")}'`;
}

interface PlanNode {
  "Node Type": string;
  "Parent Relationship"?: string;
  "CTE Name"?: string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Index Cond"?: string;
  "Recheck Cond"?: string;
  Plans?: PlanNode[];
}

/** The scans of `plan` that read a table without an index condition: "Node Type on relation (index)". */
function unboundedScans(plan: PlanNode): string[] {
  const own =
    plan["Node Type"].endsWith("Scan") && plan["Relation Name"] !== undefined && plan["Index Cond"] === undefined && plan["Recheck Cond"] === undefined
      ? [`${plan["Node Type"]} on ${plan["Relation Name"]}${plan["Index Name"] ? ` (${plan["Index Name"]})` : ""}`]
      : [];
  return [...own, ...(plan.Plans ?? []).flatMap(unboundedScans)];
}

/**
 * The CTEs of `plan` a nested loop scans again for each of its outer rows. A CTE has no index and the
 * planner counts it as one row, so a join to one (or EXISTS over it) became a loop over the whole
 * CTE per row: 10,000 comparisons for a batch of 100 in the mark's number claims, ~15 µs of Postgres
 * CPU per record (issue #16). `single` names the CTEs that hold one row by construction.
 */
function cteRescans(plan: PlanNode, single: ReadonlySet<string>): string[] {
  const inner = plan["Node Type"] === "Nested Loop" ? plan.Plans?.find((p) => p["Parent Relationship"] === "Inner") : undefined;
  const scanned = inner?.["Node Type"] === "Materialize" ? inner.Plans?.[0] : inner;
  const own = scanned?.["Node Type"] === "CTE Scan" && !single.has(scanned["CTE Name"] ?? "") ? [`CTE ${scanned["CTE Name"]} rescanned per row`] : [];
  return [...own, ...(plan.Plans ?? []).flatMap((p) => cteRescans(p, single))];
}

/** CTEs of one row by construction: the attempt's fence and its owner check, the batch row's first id, the run's counters. */
const SINGLE_ROW_CTES = new Set(["fence", "owner", "block", "counted"]);

/** Each statement's generic plan, as the engine's pools would make it now, by its unbounded scans. */
async function genericPlans(statements: Named[]): Promise<Map<string, string[]>> {
  const client = new pg.Client({ connectionString: tdb.url, options: "-c enable_seqscan=off -c plan_cache_mode=force_generic_plan" });
  await client.connect();
  try {
    const found = new Map<string, string[]>();
    for (const s of statements) {
      await client.query(`PREPARE ${s.name} AS ${s.text}`);
      const args = s.values.length > 0 ? `(${s.values.map(literal).join(", ")})` : "";
      const rows = (await client.query<{ "QUERY PLAN": [{ Plan: PlanNode }] }>(`EXPLAIN (FORMAT JSON) EXECUTE ${s.name}${args}`)).rows;
      // The statement's beginning names it in a failure.
      const plan = rows[0]!["QUERY PLAN"][0].Plan;
      found.set(s.text.replace(/\s+/g, " ").trim().slice(0, 160), [...unboundedScans(plan), ...cteRescans(plan, SINGLE_ROW_CTES)]);
    }
    return found;
  } finally {
    await client.end();
  }
}

async function claimedRun(schemeId: string) {
  const run = await createRun(db, { schemeId, schemeVersion: 1, trigger: "manual" });
  const claimed = await claimRun(db, run.id, new Date());
  if (!claimed.claimed) throw new Error("not claimed");
  return { runId: run.id, attempt: claimed.run.attempt };
}

describe("the hot statements' generic plans on tiny tables", () => {
  it("find every row by key: no statement reads a table end to end, nor a CTE once per row", async () => {
    const scheme = await db.scheme.create({ data: { name: `计划 ${Math.random()}`, definition: {} } });
    const other = await db.scheme.create({ data: { name: `计划 ${Math.random()}`, definition: {} } });
    const ref = await claimedRun(scheme.id);
    const records = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, i) => ({ sourceId: `S${from + i}`, data: { code: `S${from + i}`, name: `店铺 ${from + i}` } }));
    const stage = (page: ReturnType<typeof records>, opts: { probe?: boolean; fresh?: boolean }) =>
      stagePage(db, { schemeId: scheme.id, runId: ref.runId, attempt: ref.attempt, mode: "create", records: page, payloadHash: (i) => `p-${page[i]!.sourceId}`, mappingKey: "k", ...opts });

    const statements = await capture(async () => {
      // Staging: a new page (plain insert), a probed page, a page staged again (the upsert).
      await stage(records(0, 12), { fresh: true });
      await stage(records(12, 24), { probe: true });
      await stage(records(0, 6), {});
      const pending = await nextPendingRecords(db, { schemeId: scheme.id, afterId: 0n, limit: 24, runId: ref.runId });
      const sending = (batch: typeof pending) =>
        batch.map((r) => ({ id: r.id, sourceId: r.sourceId, payload: { FNumber: r.sourceId }, hash: `p-${r.sourceId}`, number: r.sourceId }));
      // A batch answered with every kind of outcome.
      const first = pending.slice(0, 8);
      await markSending(db, { ...ref, schemeId: scheme.id, batchId: "b1", records: sending(first), mappingKey: "k" });
      await recordWriteResults(db, {
        ...ref,
        batchId: "b1",
        mode: "create",
        unknownWaitMs: 0,
        retryBackoffMs: [60_000],
        results: first.map((r, i) =>
          i < 4
            ? { id: r.id, hash: `p-${r.sourceId}`, outcome: "written" as const, targetId: `${i}`, targetNumber: r.sourceId }
            : i === 4
              ? { id: r.id, hash: `p-${r.sourceId}`, outcome: "failed" as const, error: "拒绝", errorClass: "transient" as const }
              : i === 5
                ? { id: r.id, hash: `p-${r.sourceId}`, outcome: "saved" as const, targetId: `${i}`, targetNumber: r.sourceId, error: "未审核" }
                : { id: r.id, hash: `p-${r.sourceId}`, outcome: "unknown" as const, error: "超时" },
        ),
      });
      // A record whose number another holds: not marked, then read again.
      const taken = await markSending(db, { ...ref, schemeId: scheme.id, batchId: "b1x", records: [{ ...sending(pending.slice(20, 21))[0]!, number: first[0]!.sourceId }], mappingKey: "k" });
      await resolveNumberConflicts(db, { schemeId: scheme.id, conflicts: taken.conflicts });
      // A batch put back (its numbers guessed new: claimed by a plain INSERT); a batch left sending
      // and parked; mapping failures; waits.
      const fresh = await markSending(db, { ...ref, schemeId: scheme.id, batchId: "b2", records: sending(pending.slice(8, 12)), mappingKey: "k", freshNumbers: true });
      expect(fresh.numbersNew).toBe(true);
      await releaseSending(db, { ...ref, schemeId: scheme.id, batchId: "b2" });
      await markSending(db, { ...ref, schemeId: scheme.id, batchId: "b3", records: sending(pending.slice(12, 16)), mappingKey: "k" });
      await parkSending(db, { ...ref, schemeId: scheme.id, delayMs: 0, message: "未知" });
      await recordMappingFailures(db, {
        ...ref,
        failures: pending.slice(16, 18).map((r) => ({ id: r.id, sourceId: r.sourceId, hash: "x", payload: {}, error: "缺字段", errorField: "FName" })),
      });
      await recordWaiting(db, {
        ...ref,
        schemeId: scheme.id,
        records: pending.slice(18, 20).map((r) => ({
          id: r.id,
          sourceId: r.sourceId,
          hash: "w",
          payload: {},
          reason: "等待",
          waits: [{ schemeId: other.id, scheme: "客户", key: "K1", field: "FCustId", checkedAt: new Date() }],
        })),
      });
      await lookupWritten(db, { schemeId: other.id, keyField: undefined, returnField: "number", keys: ["K1"] });
      await releaseWaiting(db, { ...ref, schemeId: scheme.id });
      await clearFinishedWaits(db, scheme.id);
      // The lookup of unknown outcomes, and the audit of a saved bill.
      const due = await dueUnknownRecords(db, { schemeId: scheme.id, afterId: 0n, limit: 10 });
      await postponeUnknown(db, { ...ref, ids: due.slice(0, 1).map((u) => u.id), delayMs: 0 });
      await resolveUnknown(db, {
        ...ref,
        mode: "create",
        messages: { absent: "不存在", unverifiable: "无法确认" },
        verdicts: due.map((u, i) => ({ id: u.id, batchId: u.batchId, outcome: i === 0 ? ("found" as const) : ("absent" as const), sentHash: "p", targetId: "9", targetNumber: u.sourceId })),
      });
      // outcomeStats is planned per call, not kept: scan-plans.test.ts.
      await sendingMarkedByOthers(db, ref);
      await recordAuditResults(db, { ...ref, mode: "create", results: [{ id: first[5]!.id, outcome: "written" }] });
      // What every page and batch does to the run.
      await reportProgress(db, ref.runId, { fetched: 1 }, ref.attempt);
      await renewLease(db, ref.runId, ref.attempt, 60_000);
      await runFence(db, ref.runId);
      await appendRunLog(db, ref.runId, { level: "info", message: message("run.cancelled") });
    });

    // Every hot statement of the write protocol was sent (a new one here is checked as well).
    expect(statements.length).toBeGreaterThanOrEqual(20);
    const plans = await genericPlans(statements);
    const unbounded = [...plans].filter(([, scans]) => scans.length > 0);
    expect(unbounded).toEqual([]);
  });
});
