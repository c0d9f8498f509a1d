// A run executes the scheme version it was created with, which the scheme's current definition may no
// longer be (a source switch is saved while a run is active; only a target switch is refused). While
// such a run is queued or running, the connections of its version are in use (session 31's audit):
// - DELETE was refused only for connections the *current* definitions name: an admin deleted the source
//   a queued run of version 1 still reads through, and the worker then failed the run;
// - a PATCH pointing a connection elsewhere (base URL, 金蝶 data center, 管易云 appkey or sessionkey) was
//   accepted: a run that had called the first ERP called the second one with its next attempt (the
//   engine's side: packages/engine/src/connection-moved-mid-run.test.ts).
// Both are now refused (409, both languages, naming the run) until the run ends; edits that leave the
// connection pointing where it did are not. Nothing is sent: the connections point at loopback IP
// literals, the run is only queued, and saving or deleting calls nobody.
import { seedSchemeDefinition } from "@qiao/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

let bed: RouteBed;

beforeAll(async () => {
  bed = await openRouteBed("connactiverun", "admin", { QIAO_ALLOW_PRIVATE_TARGETS: "true" });
}, 120_000);

afterAll(async () => {
  await bed?.close();
});

/** Connections G (管易云), G2 (管易云) and K (金蝶); a scheme whose run of version 1 (G → K) is queued, then version 2 (G2 → K) saved. */
async function queuedRunOfAnOlderVersion(label: string) {
  const { POST: createConn } = await import("../route");
  const { POST: createScheme } = await import("@/app/api/schemes/route");
  const { PATCH: saveScheme } = await import("@/app/api/schemes/[id]/route");
  const { POST: startRun } = await import("@/app/api/schemes/[id]/runs/route");
  const conn = async (platform: string, name: string, credentials: Record<string, unknown>, path: string) => {
    const res = await bed.call(createConn, "/api/connections", { body: { platform, name: `${name} ${label}`, baseUrl: `http://127.0.0.1:9${path}`, credentials } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return (res.body as { id: string }).id;
  };
  const source = await conn("guanyi", "管易云", { appkey: "112194", sessionkey: "s", secret: "k" }, "/rest/erp_open");
  const g2 = await conn("guanyi", "管易云 新", { appkey: "112195", sessionkey: "s2", secret: "k2" }, "/rest/erp_open");
  const target = await conn("kingdee", "金蝶", { acctId: "dc", username: "u", password: "p" }, "/k3cloud/");

  const schemeName = `店铺 → 客户 ${label}`;
  const scheme = await bed.call(createScheme, "/api/schemes", { body: { name: schemeName, definition: seedSchemeDefinition({ sourceConnectionId: source, targetConnectionId: target }) } });
  expect(scheme.status, JSON.stringify(scheme.body)).toBe(201);
  const schemeId = (scheme.body as { scheme: { id: string } }).scheme.id;
  const run = await bed.call(startRun, `/api/schemes/${schemeId}/runs`, { params: { id: schemeId }, body: {} });
  expect(run.status, JSON.stringify(run.body)).toBe(202);
  const runId = (run.body as { run: { id: string } }).run.id;
  // Version 2 reads from G2 while the run of version 1 (reading from G) is still queued.
  const v2 = seedSchemeDefinition({ sourceConnectionId: g2, targetConnectionId: target });
  const saved = await bed.call(saveScheme, `/api/schemes/${schemeId}`, { method: "PATCH", params: { id: schemeId }, body: { definition: v2 } });
  expect(saved.status, JSON.stringify(saved.body)).toBe(200);
  const active = await bed.prisma.run.findUniqueOrThrow({ where: { id: runId } });
  expect({ status: active.status, version: active.schemeVersion }).toEqual({ status: "queued", version: 1 });
  return { source, g2, target, schemeName, runId, end: () => bed.prisma.run.update({ where: { id: runId }, data: { status: "cancelled", finishedAt: new Date() } }) };
}

describe("a connection a queued or running run uses (through its scheme version)", { timeout: 60_000 }, () => {
  it("is not deleted (409 naming the run, in both languages) while a queued run of an earlier scheme version reads through it", async () => {
    const { DELETE } = await import("./route");
    const s = await queuedRunOfAnOlderVersion("删除");
    const call = (headers: Record<string, string> = {}) => bed.call(DELETE, `/api/connections/${s.source}`, { method: "DELETE", params: { id: s.source }, headers });

    const deleted = await call();
    let consequence = "";
    if (deleted.status === 200) {
      // What the accepted delete does to the run: the worker's executeRun fails it.
      const { executeRun, silentLogger } = await import("@qiao/engine");
      await executeRun({ db: bed.prisma, logger: silentLogger, connectorDefaults: { qps: 1000, timeoutMs: 1000, maxRetries: 0 } }, s.runId);
      const after = await bed.prisma.run.findUniqueOrThrow({ where: { id: s.runId } });
      consequence = `; the worker then ended the run ${after.status}: ${after.error}`;
    }
    expect(deleted.status, `DELETE answered ${deleted.status} while run ${s.runId} (version 1, source ${s.source}) is queued${consequence}`).toBe(409);
    expect(deleted.body.error).toMatchObject({ code: "conflict", message: expect.stringContaining(s.runId) });
    expect((deleted.body.error as unknown as { message: string }).message).toContain(s.schemeName);
    const en = await call({ "accept-language": "en" });
    expect((en.body.error as unknown as { message: string }).message).toMatch(new RegExp(`^Run ${s.runId} of the scheme .* is queued or running`));
    expect(await bed.db.getConnection(bed.prisma, s.source)).not.toBeNull();

    // The run ended: the connection no scheme names any more can go.
    await s.end();
    expect((await call()).status).toBe(200);
    expect(await bed.db.getConnection(bed.prisma, s.source)).toBeNull();
  });

  it("is not pointed elsewhere (409 naming the run and what changed); a rename, another user name or concurrent calls are saved", async () => {
    const { PATCH } = await import("./route");
    const s = await queuedRunOfAnOlderVersion("改地址");
    const patch = (id: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
      bed.call(PATCH, `/api/connections/${id}`, { method: "PATCH", params: { id }, body, headers });
    const k = { acctId: "dc", username: "u", password: "" };

    const refused = [
      // The 金蝶 target on another server (its password typed again, as a move asks).
      ["金蝶: base URL", s.target, { baseUrl: "http://127.0.0.2:9/k3cloud/", credentials: { ...k, password: "p-other" } }, "接口地址"],
      ["金蝶: data center", s.target, { credentials: { ...k, acctId: "dc-production" } }, "数据中心ID"],
      // The 管易云 source of version 1 (the current version reads from G2): another tenant.
      ["管易云: appkey", s.source, { credentials: { appkey: "999999", sessionkey: "", secret: "" } }, "appkey"],
      ["管易云: sessionkey", s.source, { credentials: { appkey: "112194", sessionkey: "s-of-another-tenant", secret: "" } }, "sessionkey"],
    ] as const;
    for (const [what, id, body, field] of refused) {
      const before = await bed.db.getConnection(bed.prisma, id);
      const res = await patch(id, body);
      expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBe(409);
      const text = (res.body.error as unknown as { message: string }).message;
      expect(text, what).toContain(s.runId);
      expect(text, what).toContain(field);
      const after = await bed.db.getConnection(bed.prisma, id);
      expect({ baseUrl: after!.baseUrl, settings: after!.settings, secrets: bed.db.storedSecrets(after!) }, what).toEqual({
        baseUrl: before!.baseUrl,
        settings: before!.settings,
        secrets: bed.db.storedSecrets(before!),
      });
    }
    const en = await patch(s.target, { credentials: { ...k, acctId: "dc-production" } }, { "accept-language": "en" });
    expect((en.body.error as unknown as { message: string }).message).toContain(`Run ${s.runId}`);
    expect((en.body.error as unknown as { message: string }).message).toContain("Data center ID");

    // Still pointing where they did: saved.
    const kept = [
      ["rename", s.target, { name: "金蝶（改名）" }],
      ["another user, concurrent calls 1, the base URL spelled otherwise", s.target, { baseUrl: "HTTP://127.0.0.1:9/k3cloud/", credentials: { ...k, username: "u2", concurrency: 1 } }],
      ["the same sessionkey typed again", s.source, { credentials: { appkey: "112194", sessionkey: "s", secret: "" } }],
    ] as const;
    for (const [what, id, body] of kept) expect((await patch(id, body)).status, what).toBe(200);

    // The run ended: the connection may point elsewhere.
    await s.end();
    expect((await patch(s.target, { credentials: { ...k, acctId: "dc-production" } })).status).toBe(200);
  });
});
