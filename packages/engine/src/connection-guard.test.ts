// What a run does with a connection it must not use as it is: secrets that cannot be decrypted
// (copied from another row, key removed) and an address the outbound policy refuses. Either way the
// run fails with a message a person can act on, and nothing reaches the ERPs.
import { render, storedMessage } from "@qiao/core";
import { DEFAULT_MAX_RESPONSE_BYTES } from "@qiao/connectors";
import { afterEach, describe, expect, test } from "vitest";
import { silentLogger, type EngineContext } from "./context";
import { executeRun } from "./execute-run";
import { simulate, type Simulated } from "./testing/harness";
import { useTestDb } from "./testing/use-test-db";

const t = useTestDb("engine_guard");
let sim: Simulated | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const context = (extra: Partial<EngineContext> = {}): EngineContext => ({ db: t.db, logger: silentLogger, connectorDefaults: { qps: 1000, timeoutMs: 3000, maxRetries: 0 }, ...extra });

async function failedRun(ctx: EngineContext) {
  const scheme = await sim!.createScheme();
  const requested = await sim!.requestRun(scheme.id, "manual");
  expect((await executeRun(ctx, requested.id)).kind).toBe("finished");
  const run = await t.db.run.findUniqueOrThrow({ where: { id: requested.id } });
  expect(run.status).toBe("failed");
  return run;
}

describe("a run refuses a connection it must not use", () => {
  test("secrets that do not open (ciphertext copied from another connection): 需要重新输入密钥, nothing sent", async () => {
    sim = await simulate(t.db, { shops: 3 });
    const source = await t.db.connection.findUniqueOrThrow({ where: { id: sim.sourceConnectionId } });
    await t.db.connection.update({ where: { id: sim.targetConnectionId }, data: { secretCiphertext: source.secretCiphertext, secretKeyId: source.secretKeyId } });
    const run = await failedRun(context());
    expect(run.error).toContain("需要重新输入密钥");
    expect(run.errorMessage).toMatchObject({ code: "run.secretsUnreadable", params: { connection: expect.any(String) } });
    expect(render(storedMessage(run.errorMessage)!, "en")).toContain("type its secrets again");
    expect(sim.guanyi.state.stats.calls).toEqual({});
    expect(sim.kingdee.stats()).toMatchObject({ customers: 0 });
  });

  test("an address the outbound policy refuses: the rule is named, nothing sent", async () => {
    sim = await simulate(t.db, { shops: 3 });
    const outbound = { allowPrivateTargets: false, allowedHosts: [], maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES };
    const run = await failedRun(context({ outbound }));
    expect(run.error).toContain("地址 127.0.0.1 属于本机回环地址");
    expect(sim.guanyi.state.stats.calls).toEqual({});
  });
});
