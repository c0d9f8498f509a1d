// Session 18: a scheme whose TARGET changes (another connection, another form) with the same mapped
// payloads. Staging decides what to send by the payload hash against the hash last written, and
// neither says where it was written: every record counted as written already, and nothing reached
// the new target. Saving a version with another target now makes every staged record pending (the
// next run sends each to the new target, read again or not); a save that keeps the target changes
// nothing, and a no-op run still sends nothing.
import type { SchemeDefinition } from "@qiao/core";
import { kingdee, splitCredentials } from "@qiao/connectors";
import { createConnection, createRun, insertSchemeVersion, SchemeTargetBusyError } from "@qiao/db";
import { createKingdeeSimulator } from "@qiao/simulators";
import { afterEach, describe, expect, test } from "vitest";
import { KINGDEE_DEMO, runToEnd, simulate, sourceConfig, targetConfig, testContext, type Simulated } from "./testing/harness";
import { useTestDb } from "./testing/use-test-db";

const t = useTestDb("switchtarget");
let sim: Simulated | undefined;
const closers: (() => Promise<void>)[] = [];

afterEach(async () => {
  await sim?.close();
  sim = undefined;
  for (const close of closers.splice(0)) await close();
});

// A longer lease than testContext's second: on a loaded machine an attempt lost it (superseded).
const context = () => testContext(t.db, { leaseMs: 10_000 });

async function run(schemeId: string) {
  const r = await sim!.requestRun(schemeId, "manual");
  const outcome = await runToEnd(context(), r.id);
  expect(outcome.kind).toBe("finished");
  return t.db.run.findUniqueOrThrow({ where: { id: r.id } });
}

/** Saves the scheme's next version as the editor does (its current definition, changed by `change`). */
async function save(schemeId: string, change: (def: SchemeDefinition) => void = () => undefined) {
  const scheme = await t.db.scheme.findUniqueOrThrow({ where: { id: schemeId } });
  const definition = structuredClone(scheme.definition) as unknown as SchemeDefinition;
  change(definition);
  return insertSchemeVersion(t.db, schemeId, { definition }, "a0000000-0000-4000-8000-0000000000aa");
}

/** A second 金蝶 (another server, e.g. the production account set) and a connection to it. */
async function anotherKingdee() {
  const other = createKingdeeSimulator();
  const url = await other.listen(0, "127.0.0.1");
  closers.push(() => other.close());
  const connection = await createConnection(t.db, { platform: "kingdee", name: "金蝶（正式账套）", baseUrl: url, ...splitCredentials(kingdee.meta, KINGDEE_DEMO) });
  return { sim: other, connectionId: connection.id };
}

const saves = (s: { stats(): { calls: Record<string, number | undefined> } }) => (s.stats().calls.BatchSave ?? 0) + (s.stats().calls.Save ?? 0);

describe("switching a scheme's target", () => {
  test("another target connection: the next run sends every staged record there, once; saving the same target sends nothing", { timeout: 60_000 }, async () => {
    sim = await simulate(t.db, { shops: 30 });
    const scheme = await sim.createScheme();
    expect(await run(scheme.id)).toMatchObject({ status: "succeeded", written: 30 });
    expect(sim.kingdee.stats().customers).toBe(30);

    // A version that keeps the target (the editor saved again, nothing changed): nothing is sent.
    await save(scheme.id);
    const savesBefore = saves(sim.kingdee);
    expect(await run(scheme.id)).toMatchObject({ status: "succeeded", written: 0, failed: 0 });
    expect(saves(sim.kingdee)).toBe(savesBefore);

    // The user points the scheme at another 金蝶 connection; the mapping (and so every payload) is the same.
    const other = await anotherKingdee();
    await save(scheme.id, (def) => (targetConfig(def).connectionId = other.connectionId));
    const switched = await run(scheme.id);
    expect(switched).toMatchObject({ status: "succeeded", written: 30, failed: 0 });
    expect(other.sim.stats()).toMatchObject({ customers: 30, duplicateAttempts: 0 });
    // Nothing more reached the old one.
    expect(saves(sim.kingdee)).toBe(savesBefore);

    // And the run after that is a no-op again.
    const otherSaves = saves(other.sim);
    expect(await run(scheme.id)).toMatchObject({ status: "succeeded", written: 0, failed: 0 });
    expect(saves(other.sim)).toBe(otherSaves);
    expect(other.sim.stats()).toMatchObject({ customers: 30, duplicateAttempts: 0 });
  });

  test("records not read again (an incremental run's window) are sent to the new target too", { timeout: 60_000 }, async () => {
    sim = await simulate(t.db, { shops: 12 });
    // Read by window: after the first run, a run reads only shops modified since (none here).
    const scheme = await sim.createScheme((def) => (sourceConfig(def).params.modify_start_date = "{{LAST_SYNC_TIME datetime}}"));
    expect(await run(scheme.id)).toMatchObject({ status: "succeeded", written: 12 });
    const other = await anotherKingdee();
    await save(scheme.id, (def) => (targetConfig(def).connectionId = other.connectionId));
    // Nothing changed in 管易云 since: the run's window reads nothing again; the staged records go all the same.
    const switched = await run(scheme.id);
    expect(switched).toMatchObject({ status: "succeeded", fetched: 0, written: 12, failed: 0 });
    expect(other.sim.stats()).toMatchObject({ customers: 12, duplicateAttempts: 0 });
  });

  test("a target switch is refused while a run of the scheme is queued or running; a run queued before it with the old target fails, sending nothing", { timeout: 60_000 }, async () => {
    sim = await simulate(t.db, { shops: 5 });
    const scheme = await sim.createScheme();
    expect(await run(scheme.id)).toMatchObject({ status: "succeeded", written: 5 });
    const other = await anotherKingdee();

    const queued = await sim.requestRun(scheme.id, "manual");
    await expect(save(scheme.id, (def) => (targetConfig(def).connectionId = other.connectionId))).rejects.toBeInstanceOf(SchemeTargetBusyError);
    // Saving with the same target is not refused.
    await save(scheme.id);
    await t.db.run.update({ where: { id: queued.id }, data: { status: "cancelled" } });

    // A run requested with version 2 just before version 3 switched the target (the request read the version first).
    await save(scheme.id, (def) => (targetConfig(def).connectionId = other.connectionId));
    const stale = await createRun(t.db, { schemeId: scheme.id, schemeVersion: 2, trigger: "manual", options: {}, retryOfId: null });
    const before = saves(sim.kingdee);
    const outcome = await runToEnd(context(), stale.id);
    expect(outcome.kind).toBe("finished");
    const failed = await t.db.run.findUniqueOrThrow({ where: { id: stale.id } });
    expect(failed.status).toBe("failed");
    expect(failed.error).toContain("目标");
    expect(saves(sim.kingdee)).toBe(before);
    // The next run, with the new target, sends everything there.
    expect(await run(scheme.id)).toMatchObject({ status: "succeeded", written: 5 });
    expect(other.sim.stats().customers).toBe(5);
  });
});
