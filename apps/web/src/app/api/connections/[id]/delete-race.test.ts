// Deleting a connection while a scheme save starts using it. DELETE checked which schemes use the
// connection, then deleted it, with nothing held in between: a save validated while the connection
// existed committed around the delete, leaving a scheme naming a connection that no longer exists
// (session 31's audit). Now the check and the delete are one transaction holding the connection's row
// FOR UPDATE, and a save locks the connections its definition names FOR SHARE (after its advisory
// locks, before the scheme's row) and is refused (400 at the node) if one is gone. Whichever comes
// first, the other waits for it and sees what it did; each ordering is made deterministic with a lock
// the test holds. Nothing is sent: saving and deleting call nobody.
import { seedSchemeDefinition } from "@qiao/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

let bed: RouteBed;

beforeAll(async () => {
  bed = await openRouteBed("conndelrace", "admin", { QIAO_ALLOW_PRIVATE_TARGETS: "true" });
}, 120_000);

afterAll(async () => {
  await bed?.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Statements of this database waiting for a lock now. */
async function waitingForLocks(): Promise<number> {
  const rows = await bed.prisma.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`;
  return rows[0]!.n;
}

/** Resolves once `n` statements wait for a lock, or once `settled` (a call that did not wait) is done. */
async function untilWaiting(n: number, settled?: { done: boolean }): Promise<void> {
  for (const until = Date.now() + 10_000; !(settled?.done ?? false); await sleep(20)) {
    if ((await waitingForLocks()) >= n) return;
    if (Date.now() > until) throw new Error(`never ${n} statement(s) waiting for a lock`);
  }
}

/** A transaction of the test's own holding what `hold` takes until `release()`; then rolled back. */
async function holding(hold: (tx: Parameters<Parameters<RouteBed["prisma"]["$transaction"]>[0]>[0]) => Promise<unknown>) {
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  let held = false;
  const done = bed.prisma
    .$transaction(
      async (tx) => {
        await hold(tx);
        held = true;
        await released;
        throw new Error("rollback");
      },
      { timeout: 30_000 },
    )
    .catch((error: unknown) => {
      if (!(error instanceof Error && error.message === "rollback")) throw error;
    });
  while (!held) await sleep(10);
  return async () => {
    release();
    await done;
  };
}

/** Starts `call`, flagging when it is done. */
function started<T>(call: Promise<T>): { promise: Promise<T>; state: { done: boolean } } {
  const state = { done: false };
  return { promise: call.finally(() => (state.done = true)), state };
}

async function connections(label: string) {
  const { POST } = await import("../route");
  const conn = async (platform: string, name: string, credentials: Record<string, unknown>, path: string) => {
    const res = await bed.call(POST, "/api/connections", { body: { platform, name: `${name} ${label}`, baseUrl: `http://127.0.0.1:9${path}`, credentials } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return (res.body as { id: string }).id;
  };
  return {
    source: await conn("guanyi", "管易云", { appkey: "112194", sessionkey: "s", secret: "k" }, "/rest/erp_open"),
    target: await conn("kingdee", "金蝶", { acctId: "dc", username: "u", password: "p" }, "/k3cloud/"),
  };
}

/** The schemes whose current definition or any version names `connectionId`. */
async function namedBy(connectionId: string): Promise<string[]> {
  const schemes = await bed.prisma.scheme.findMany({ select: { name: true, definition: true, versions: { select: { definition: true } } } });
  return schemes.filter((s) => JSON.stringify([s.definition, s.versions]).includes(connectionId)).map((s) => s.name);
}

describe("deleting a connection while a scheme save starts using it", { timeout: 60_000 }, () => {
  it("a save holding the connection (FOR SHARE) when DELETE comes: the delete waits, then is refused naming the scheme", async () => {
    const { DELETE } = await import("./route");
    const { POST: createScheme } = await import("@/app/api/schemes/route");
    const { source, target } = await connections("先保存");
    const name = "店铺 → 客户（先保存）";
    // The save stops right after its connection locks: its insert waits for a scheme of the same name
    // that the test's transaction inserted and has not committed (the unique index on names).
    const release = await holding((tx) => tx.scheme.create({ data: { name, definition: {} } }));
    const saving = started(bed.call(createScheme, "/api/schemes", { body: { name, definition: seedSchemeDefinition({ sourceConnectionId: source, targetConnectionId: target }) } }));
    await untilWaiting(1, saving.state);
    const deleting = started(bed.call(DELETE, `/api/connections/${target}`, { method: "DELETE", params: { id: target } }));
    await untilWaiting(2, deleting.state);
    await release();
    const [saved, deleted] = await Promise.all([saving.promise, deleting.promise]);

    const gone = (await bed.db.getConnection(bed.prisma, target)) === null;
    const users = await namedBy(target);
    expect(gone && users.length > 0, `save answered ${saved.status}, DELETE ${deleted.status}: the connection is ${gone ? "deleted" : "kept"}, named by ${users.join(", ")}`).toBe(false);
    expect([saved.status, deleted.status]).toEqual([201, 409]);
    expect(deleted.body.error).toMatchObject({ code: "conflict", message: expect.stringContaining(name) });
  });

  it("a save validated before DELETE and locking after it: the delete goes through, the save is refused (400 at the node, both languages)", async () => {
    const { DELETE } = await import("./route");
    const { POST: createScheme } = await import("@/app/api/schemes/route");
    const { PATCH: saveScheme } = await import("@/app/api/schemes/[id]/route");
    const { source, target } = await connections("先删除");
    const other = (await connections("先删除（新目标）")).target;
    const created = await bed.call(createScheme, "/api/schemes", { body: { name: "店铺 → 客户（先删除）", definition: seedSchemeDefinition({ sourceConnectionId: source, targetConnectionId: target }) } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const schemeId = (created.body as { scheme: { id: string } }).scheme.id;

    // A save renaming the scheme and switching its target to `other` is validated (the connection
    // exists), then waits for the names' advisory lock, which it takes before the connections.
    const release = await holding((tx) => bed.db.lockNames(tx));
    const definition = seedSchemeDefinition({ sourceConnectionId: source, targetConnectionId: other });
    const saving = started(bed.call(saveScheme, `/api/schemes/${schemeId}`, { method: "PATCH", params: { id: schemeId }, body: { name: "店铺 → 客户（新目标）", definition } }));
    await untilWaiting(1, saving.state);
    const deleted = await bed.call(DELETE, `/api/connections/${other}`, { method: "DELETE", params: { id: other } });
    await release();
    const saved = await saving.promise;

    const gone = (await bed.db.getConnection(bed.prisma, other)) === null;
    const users = await namedBy(other);
    expect(gone && users.length > 0, `DELETE answered ${deleted.status}, save ${saved.status}: the connection is ${gone ? "deleted" : "kept"}, named by ${users.join(", ")}`).toBe(false);
    expect([deleted.status, saved.status]).toEqual([200, 400]);
    const targetIndex = definition.nodes.findIndex((n) => n.type === "target");
    const issue = (saved.body.error?.issues as { path: unknown[]; message: string; messageEn?: string }[]).find((i) => i.path.join(".") === `definition.nodes.${targetIndex}.config.connectionId`);
    expect(issue, JSON.stringify(saved.body)).toMatchObject({ message: expect.stringContaining("连接不存在"), messageEn: expect.stringContaining("does not exist") });
    // Nothing of the save was written: the name, the target and the versions are as before.
    const scheme = await bed.prisma.scheme.findUniqueOrThrow({ where: { id: schemeId }, include: { versions: true } });
    expect({ name: scheme.name, versions: scheme.versions.length, target: JSON.stringify(scheme.definition).includes(target) }).toEqual({ name: "店铺 → 客户（先删除）", versions: 1, target: true });
  });
});
