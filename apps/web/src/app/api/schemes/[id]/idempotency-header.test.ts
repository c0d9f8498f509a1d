// The Idempotency-Key header is checked like the body's idempotencyKey (at most 200 characters): a
// longer one reached the unique index on runs / reconciliations.idempotency_key, which Postgres
// refused, and the answer was a 500 instead of a 400 naming the key. A key holding a lone UTF-16
// surrogate (body or header) reached the text column as U+FFFD: "k\ud800" and "k\udbff" were one key,
// and the second request was answered with the first's run (session 35's audit). readJson refuses it.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

let bed: RouteBed;
let schemeId = "";

beforeAll(async () => {
  bed = await openRouteBed("routeidemkey");
  schemeId = (await bed.prisma.scheme.create({ data: { name: "idempotency", definition: { nodes: [], edges: [] } } })).id;
}, 120_000);

afterAll(() => bed?.close());

/** 6,000 characters that do not compress (a body key over 200 is a 400 already). */
const longKey = () => randomBytes(4500).toString("base64");

describe("an over-long Idempotency-Key header is bad input", { timeout: 60_000 }, () => {
  it("POST runs and POST reconciliations: 400 on idempotencyKey, nothing created", async () => {
    const runs = await import("./runs/route");
    const reconciliations = await import("./reconciliations/route");
    for (const [route, path] of [
      [runs.POST, `/api/schemes/${schemeId}/runs`],
      [reconciliations.POST, `/api/schemes/${schemeId}/reconciliations`],
    ] as const) {
      const { status, body } = await bed.call(route, path, { method: "POST", headers: { "idempotency-key": longKey() }, params: { id: schemeId } });
      expect(status).toBe(400);
      expect(body.error?.issues?.[0]?.path).toEqual(["idempotencyKey"]);
    }
    expect(await bed.prisma.run.count({ where: { schemeId } })).toBe(0);
    expect(await bed.prisma.reconciliation.count({ where: { schemeId } })).toBe(0);
  });
});

describe("an idempotency key holding a lone surrogate is bad input", { timeout: 60_000 }, () => {
  it("POST runs and POST reconciliations: two different such keys are each a 400 on idempotencyKey, never the first's run", async () => {
    const runs = await import("./runs/route");
    const reconciliations = await import("./reconciliations/route");
    for (const [route, path, created] of [
      [runs.POST, `/api/schemes/${schemeId}/runs`, "run"],
      [reconciliations.POST, `/api/schemes/${schemeId}/reconciliations`, "reconciliation"],
    ] as const) {
      const start = (idempotencyKey: string) => bed.call(route, path, { body: { idempotencyKey }, params: { id: schemeId } });
      const first = await start("k\ud800");
      const second = await start("k\udbff");
      const idOf = (a: { body: Record<string, unknown> }) => (a.body[created] as { id?: string } | undefined)?.id;
      expect(
        { first: first.status, second: second.status, sameOne: idOf(first) !== undefined && idOf(second) === idOf(first) },
        `${path}: first ${JSON.stringify(first.body).slice(0, 120)}; second ${JSON.stringify(second.body).slice(0, 120)}`,
      ).toEqual({ first: 400, second: 400, sameOne: false });
      expect(second.body.error?.issues?.[0]?.path).toEqual(["idempotencyKey"]);
    }
    expect(await bed.prisma.run.count({ where: { schemeId } })).toBe(0);
    expect(await bed.prisma.reconciliation.count({ where: { schemeId } })).toBe(0);
  });
});
