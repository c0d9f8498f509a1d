// What a run does with a connection it must not use as it is: secrets that cannot be decrypted
// (copied from another row, key removed, its base URL changed behind the API since they were saved)
// and an address the outbound policy refuses. Either way the
// run fails with a message a person can act on, and nothing reaches the ERPs.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
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

  test("a base URL changed behind the API since its secrets were saved: the address changed, enter them again; nothing sent to either", async () => {
    sim = await simulate(t.db, { shops: 3 });
    // Another listener on loopback, where the row now points: it must get nothing, the password least of all.
    let received = 0;
    const elsewhere = createServer((_req, res) => {
      received++;
      res.end("{}");
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/k3cloud/`;
      await t.db.$executeRaw`UPDATE connections SET base_url = ${url} WHERE id = ${sim.targetConnectionId}::uuid`;
      const run = await failedRun(context());
      expect(run.errorMessage).toMatchObject({ code: "run.secretsAddressChanged", params: { connection: expect.any(String) } });
      expect(run.error).toContain("接口地址在保存密钥之后被改动过");
      expect(run.error).toContain("重新填写所有密钥字段");
      expect(render(storedMessage(run.errorMessage)!, "en")).toContain("was changed after its secrets were saved");
      expect(received).toBe(0);
      expect(sim.guanyi.state.stats.calls).toEqual({});
      expect(sim.kingdee.stats()).toMatchObject({ customers: 0 });
    } finally {
      await new Promise((resolve) => elsewhere.close(resolve));
    }
  });

  test("an address the outbound policy refuses: the rule is named, nothing sent", async () => {
    sim = await simulate(t.db, { shops: 3 });
    const outbound = { allowPrivateTargets: false, allowedHosts: [], maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES };
    const run = await failedRun(context({ outbound }));
    expect(run.error).toContain("地址 127.0.0.1 属于本机回环地址");
    expect(sim.guanyi.state.stats.calls).toEqual({});
  });
});
