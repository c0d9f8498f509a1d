// The rate window with two evaluators at once (two database clients, as two workers would have):
// exactly one message per rule and scope per window, the rest in one digest, taken once.
import { admitAlertEvent, createAlertRule, createPrisma, takeDueAlertDigests, type Db } from "@qiao/db";
import { createTestDatabase, type TestDatabase } from "@qiao/db/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

let database: TestDatabase;
let a: Db;
let b: Db;

beforeAll(async () => {
  database = await createTestDatabase("alert_window");
  a = createPrisma(database.url, 4);
  b = createPrisma(database.url, 4);
});

afterAll(async () => {
  await a?.$disconnect();
  await b?.$disconnect();
  await database?.drop();
});

const WINDOW = 15 * 60_000;

async function rule(): Promise<string> {
  return (await createAlertRule(a, { name: "失败", kind: "run_failed", schemeId: null, threshold: 0, channelIds: [] })).id;
}

describe("the alert rate window", () => {
  test("two evaluators at once: one sends, the other's event waits for the digest; the digest is taken once", async () => {
    const ruleId = await rule();
    const now = new Date("2026-12-04T10:00:00Z");
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => admitAlertEvent(i % 2 ? a : b, { ruleId, scope: "s1", event: { n: i }, windowMs: WINDOW, now })),
    );
    const sent = results.filter((r) => r !== null);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.total).toBe(1);

    // Inside the window nothing is due; after it, both evaluators flush at once: one takes the digest.
    expect(await takeDueAlertDigests(a, WINDOW, new Date(now.getTime() + WINDOW - 1))).toEqual([]);
    const later = new Date(now.getTime() + WINDOW + 1);
    const [x, y] = await Promise.all([takeDueAlertDigests(a, WINDOW, later), takeDueAlertDigests(b, WINDOW, later)]);
    const digests = [...x, ...y];
    expect(digests).toHaveLength(1);
    expect(digests[0]).toMatchObject({ ruleId, scope: "s1", total: 9 });
    expect(digests[0]!.events).toHaveLength(9);
    // The digest was a message: a new window started with it.
    expect(await admitAlertEvent(a, { ruleId, scope: "s1", event: { n: 10 }, windowMs: WINDOW, now: new Date(later.getTime() + 1000) })).toBeNull();
  });

  test("scopes and rules have windows of their own", async () => {
    const r1 = await rule();
    const r2 = await rule();
    const now = new Date();
    const sent = await Promise.all([
      admitAlertEvent(a, { ruleId: r1, scope: "s1", event: {}, windowMs: WINDOW, now }),
      admitAlertEvent(b, { ruleId: r1, scope: "s2", event: {}, windowMs: WINDOW, now }),
      admitAlertEvent(a, { ruleId: r2, scope: "s1", event: {}, windowMs: WINDOW, now }),
    ]);
    expect(sent.every((s) => s !== null)).toBe(true);
  });

  test("an event after the window ended is sent at once together with what waited", async () => {
    const ruleId = await rule();
    const t0 = new Date("2026-12-04T08:00:00Z");
    expect(await admitAlertEvent(a, { ruleId, scope: "s", event: { n: 1 }, windowMs: WINDOW, now: t0 })).not.toBeNull();
    expect(await admitAlertEvent(b, { ruleId, scope: "s", event: { n: 2 }, windowMs: WINDOW, now: new Date(t0.getTime() + 60_000) })).toBeNull();
    const sent = await admitAlertEvent(a, { ruleId, scope: "s", event: { n: 3 }, windowMs: WINDOW, now: new Date(t0.getTime() + WINDOW + 5) });
    expect(sent).toMatchObject({ total: 2, events: [{ n: 2 }, { n: 3 }] });
  });

  test("a lasting condition is alerted once until it changes", async () => {
    const ruleId = await rule();
    const t0 = new Date("2026-12-04T06:00:00Z");
    const admit = (condition: string, at: number) => admitAlertEvent(a, { ruleId, scope: "", event: {}, windowMs: WINDOW, now: new Date(t0.getTime() + at), condition });
    expect(await admit("stale-since:x", 0)).not.toBeNull();
    expect(await admit("stale-since:x", 2 * WINDOW)).toBeNull();
    expect(await admit("stale-since:y", 3 * WINDOW)).not.toBeNull();
  });
});
