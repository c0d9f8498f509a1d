// The Idempotency-Key header is checked like the body's idempotencyKey (at most 200 characters): a
// longer one reached the unique index on runs / reconciliations.idempotency_key, which Postgres
// refused, and the answer was a 500 instead of a 400 naming the key.
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
