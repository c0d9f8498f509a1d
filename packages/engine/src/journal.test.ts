// The run's log and the process log: progress lines (a page read, a batch written without a
// problem) are in the run's log and in the process log only at debug; the rest at their level.
import { message } from "@qiao/core";
import { afterEach, expect, test } from "vitest";
import type { Logger } from "./context";
import { RunJournal } from "./journal";
import { runToEnd, simulate, testContext, type Simulated } from "./testing/harness";
import type { TestRunResult } from "./test-run";
import { useTestDb } from "./testing/use-test-db";

const t = useTestDb("journal");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const LEVELS = ["debug", "info", "warn", "error"] as const;
type Level = (typeof LEVELS)[number];

/** A logger at `level` that keeps what it is given, as pino would print it. */
function recordingLogger(level: Level) {
  const lines: { level: Level; msg: string }[] = [];
  const rendered = { count: 0 };
  const at = (l: Level) => (_obj: object, msg?: string) => {
    rendered.count++;
    if (LEVELS.indexOf(l) >= LEVELS.indexOf(level)) lines.push({ level: l, msg: msg ?? "" });
  };
  const logger: Logger = {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    child: () => logger,
    isLevelEnabled: (l) => LEVELS.indexOf(l as Level) >= LEVELS.indexOf(level),
  };
  return { logger, lines, rendered };
}

test("a progress line is an info line of the run's log, and the process log's only at debug", async () => {
  sim = await simulate(t.db, { shops: 10 });
  const scheme = await sim.createScheme();
  const { id: runId } = await sim.requestRun(scheme.id, "manual");

  const atInfo = recordingLogger("info");
  const journal = new RunJournal(t.db, runId, atInfo.logger);
  await journal.info(message("run.started", { version: 1 }));
  await journal.progress(message("write.batch", { batch: 1, written: 100, failed: 0, unknown: 0, saved: 0, firstError: "", checkAt: "" }), { batch: 1 });
  await journal.warn(message("run.cancelled"));
  await journal.flush();
  expect(atInfo.lines.map((l) => l.level)).toEqual(["info", "warn"]);
  // Not rendered at all when the process log does not take it.
  expect(atInfo.rendered.count).toBe(2);

  const atDebug = recordingLogger("debug");
  const again = new RunJournal(t.db, runId, atDebug.logger);
  await again.progress(message("write.batch", { batch: 2, written: 100, failed: 0, unknown: 0, saved: 0, firstError: "", checkAt: "" }), { batch: 2 });
  await again.flush();
  expect(atDebug.lines).toEqual([{ level: "debug", msg: "Batch 2: 100 written" }]);

  const stored = await t.db.runLog.findMany({ where: { runId }, orderBy: { id: "asc" } });
  expect(stored.map((l) => [l.level, (l.data as { batch?: number } | null)?.batch ?? null])).toEqual([
    ["info", null],
    ["info", 1],
    ["warn", null],
    ["info", 2],
  ]);
});

test("a run's pages and clean batches stay out of the process log at info; its batches with failures do not", async () => {
  sim = await simulate(t.db, { shops: 300 });
  const scheme = await sim.createScheme();
  // Three of the shops' numbers taken in 金蝶 already: their batch has failures.
  const sample = await sim.requestRun(scheme.id, "test", { options: { sampleSize: 3 } });
  expect((await runToEnd(testContext(t.db), sample.id)).kind).toBe("finished");
  const tested = await t.db.run.findUniqueOrThrow({ where: { id: sample.id } });
  const taken = (tested.result as unknown as TestRunResult).records.map((r) => String(r.source.code));
  sim.kingdee.store.preCreate(taken.map((code) => ({ FNumber: code, FName: "别人先建的" })));
  const { logger, lines } = recordingLogger("info");
  const { id: runId } = await sim.requestRun(scheme.id, "manual");
  expect((await runToEnd(testContext(t.db, { logger }), runId)).kind).toBe("finished");

  const stored = (await t.db.runLog.findMany({ where: { runId }, orderBy: { id: "asc" } })).map((l) => `${l.level} ${l.message}`);
  // The run's log has every page and batch (3 pages of 100, 3 batches, one with the 3 failures).
  expect(stored.filter((l) => /^info 第 \d+\/3 页/.test(l))).toHaveLength(3);
  expect(stored.filter((l) => /^info 第 \d+ 批/.test(l))).toHaveLength(2);
  expect(stored.filter((l) => /^warn 第 \d+ 批/.test(l))).toHaveLength(1);
  // The process log: the run's start and end and the batch with failures, no page, no clean batch.
  const printed = lines.map((l) => `${l.level} ${l.msg}`);
  expect(printed.filter((l) => /Page \d+\/3|^info Batch/.test(l))).toEqual([]);
  expect(printed.filter((l) => /^warn Batch \d+: 97 written, 3 failed/.test(l))).toHaveLength(1);
  expect(printed.some((l) => l.startsWith("info Run started"))).toBe(true);
}, 30_000);
