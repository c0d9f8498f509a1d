// Record and log ids travel as decimal strings (`bigId`): one past Postgres' bigint
// (9223372036854775807) is bad input, a 400 naming the field, not a 500 from the database.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

const TOO_BIG = "9999999999999999999";
const LARGEST = "9223372036854775807";
let bed: RouteBed;
let runId = "";

beforeAll(async () => {
  bed = await openRouteBed("routebigids");
  const scheme = await bed.prisma.scheme.create({ data: { name: "big ids", definition: { nodes: [], edges: [] } } });
  runId = (await bed.db.createRun(bed.prisma, { schemeId: scheme.id, schemeVersion: 1, trigger: "manual" })).id;
  await bed.prisma.run.update({ where: { id: runId }, data: { status: "partial" } });
}, 120_000);

afterAll(() => bed?.close());

describe("ids past a bigint", { timeout: 60_000 }, () => {
  const params = () => ({ id: runId });

  it("the largest bigint is an ordinary cursor", async () => {
    const records = await import("./records/route");
    expect((await bed.call(records.GET, `/api/runs/${runId}/records?cursor=${LARGEST}`, { params: params() })).status).toBe(200);
    const logs = await import("./logs/route");
    expect((await bed.call(logs.GET, `/api/runs/${runId}/logs?after=${LARGEST}`, { params: params() })).status).toBe(200);
  });

  it("GET records?cursor=, GET logs?after= and POST retry {recordIds}: 400 naming the field", async () => {
    const records = await import("./records/route");
    const logs = await import("./logs/route");
    const retry = await import("./retry/route");
    const answers = [
      [await bed.call(records.GET, `/api/runs/${runId}/records?cursor=${TOO_BIG}`, { params: params() }), ["cursor"]],
      [await bed.call(logs.GET, `/api/runs/${runId}/logs?after=${TOO_BIG}`, { params: params() }), ["after"]],
      [await bed.call(retry.POST, `/api/runs/${runId}/retry`, { body: { recordIds: [TOO_BIG] }, params: params() }), ["recordIds", 0]],
    ] as const;
    for (const [{ status, body }, path] of answers) {
      expect(status).toBe(400);
      expect(body.error?.issues?.[0]?.path).toEqual(path);
    }
    // Not a number at all: the format's 400, not an exception from the range check.
    const sql = await bed.call(retry.POST, `/api/runs/${runId}/retry`, { body: { recordIds: ["1; DROP TABLE run_records"] }, params: params() });
    expect(sql.status).toBe(400);
    expect(sql.body.error?.issues?.[0]?.path).toEqual(["recordIds", 0]);
    expect(await bed.prisma.run.count({ where: { trigger: "retry" } })).toBe(0);
  });
});
