// Two admins edit one connection at the same time.
// - B moves it: A changes only its name / appkey (the form sends the secrets blank: "keep"), B moves
//   it to another base URL and types new secrets, as asked. updateConnection writes A's edit only if
//   the row still has the URL A read (the row locked), else A gets a 409 and nothing changes. Before
//   session 25 (its audit) the row ended with B's URL and the secrets saved for the old one.
// - Same address (session 31's audit): A renames, B types the new sessionkey the ERP issued (the old
//   one was revoked) and lowers the concurrent calls. PATCH laid A's typing over the stored values *as
//   A read them* and wrote them all back: the revoked sessionkey and the old concurrent calls over B's,
//   both answered 200. Now the form sends the updatedAt it read (a change since: 409, nothing written),
//   and what is typed is laid over the row as locked: an API client without updatedAt overwrites only
//   the fields it sent.
// The interleaving is made deterministic by running B's whole PATCH when A reaches updateConnection.
// Nothing is sent: loopback IP literals, no DNS, and editing calls nobody.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type * as QiaoDb from "@qiao/db";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

const hooks: { beforeUpdate?: () => Promise<void> } = {};

vi.mock("@qiao/db", async (importOriginal) => {
  const original = await importOriginal<typeof QiaoDb>();
  return {
    ...original,
    updateConnection: async (...args: Parameters<typeof original.updateConnection>) => {
      const hook = hooks.beforeUpdate;
      hooks.beforeUpdate = undefined;
      if (hook) await hook();
      return original.updateConnection(...args);
    },
  };
});

const OLD_SECRETS = { sessionkey: `old-session-${randomBytes(5).toString("hex")}`, secret: `old-secret-${randomBytes(5).toString("hex")}` };
const NEW_SECRETS = { sessionkey: "new-session-typed-by-b", secret: "new-secret-typed-by-b" };
const SAVED_URL = "http://127.0.0.1:9/rest/erp_open";
const OTHER_URL = "http://127.0.0.2:9/rest/erp_open";

let bed: RouteBed;

beforeAll(async () => {
  bed = await openRouteBed("connrace", "admin", { QIAO_ALLOW_PRIVATE_TARGETS: "true" });
}, 120_000);

afterAll(async () => {
  await bed?.close();
});

describe("a stored secret never ends up beside a base URL it was not saved for, even under concurrent edits", { timeout: 60_000 }, () => {
  it("A renames (secrets blank) while B moves the URL with new secrets: the old secrets are not kept for B's URL", async () => {
    const { POST } = await import("../route");
    const { PATCH } = await import("./route");
    const created = await bed.call(POST, "/api/connections", {
      body: { platform: "guanyi", name: "管易云", baseUrl: SAVED_URL, credentials: { appkey: "112194", ...OLD_SECRETS } },
    });
    expect(created.status).toBe(201);
    const id = (created.body as { id: string }).id;

    // B's edit lands while A's is between its read and its write.
    hooks.beforeUpdate = async () => {
      const b = await bed.call(PATCH, `/api/connections/${id}`, {
        method: "PATCH",
        params: { id },
        body: { baseUrl: OTHER_URL, credentials: { appkey: "112194", ...NEW_SECRETS } },
      });
      expect(b.status).toBe(200);
    };
    const a = await bed.call(PATCH, `/api/connections/${id}`, {
      method: "PATCH",
      params: { id },
      body: { name: "管易云（改名）", credentials: { appkey: "112195", sessionkey: "", secret: "" } },
    });

    // A is refused as stale (409), and nothing of it was written.
    expect(a.status).toBe(409);
    const row = (await bed.db.getConnection(bed.prisma, id))!;
    expect(row.name).toBe("管易云");
    const secrets = bed.db.storedSecrets(row) ?? {};
    // Whatever the outcome of A (refused as stale, or applied), the secrets beside a URL were typed for it.
    const kept = Object.entries(OLD_SECRETS).filter(([k, v]) => secrets[k] === v).map(([k]) => k);
    expect(row.baseUrl === OTHER_URL && kept.length > 0, `A answered ${a.status}; the row's base URL is ${row.baseUrl} and it holds the old ${kept.join(", ")} saved for ${SAVED_URL}`).toBe(false);
  });
});

const OLD = { sessionkey: `revoked-session-${randomBytes(5).toString("hex")}`, secret: `secret-${randomBytes(5).toString("hex")}` };
const NEW_SESSIONKEY = `fresh-session-${randomBytes(5).toString("hex")}`;

describe("an edit never undoes a concurrent edit of the same connection at the same address", { timeout: 60_000 }, () => {
  /** A 管易云 connection at SAVED_URL (concurrency 4, OLD secrets), as the form shows it. */
  async function created() {
    const { POST } = await import("../route");
    const res = await bed.call(POST, "/api/connections", {
      body: { platform: "guanyi", name: "管易云", baseUrl: SAVED_URL, credentials: { appkey: "112194", concurrency: 4, ...OLD } },
    });
    expect(res.status).toBe(201);
    return res.body as unknown as { id: string; updatedAt: string };
  }

  /** B's edit, landing while A's is between its read and its write: a new sessionkey, concurrency 1. */
  async function bLandsFirst(id: string) {
    const { PATCH } = await import("./route");
    const b = { status: 0 };
    hooks.beforeUpdate = async () => {
      const res = await bed.call(PATCH, `/api/connections/${id}`, {
        method: "PATCH",
        params: { id },
        body: { credentials: { appkey: "112194", concurrency: 1, sessionkey: NEW_SESSIONKEY, secret: "" } },
      });
      b.status = res.status;
    };
    return b;
  }

  async function stored(id: string) {
    const row = (await bed.db.getConnection(bed.prisma, id))!;
    return { name: row.name, secrets: bed.db.storedSecrets(row) ?? {}, settings: row.settings as Record<string, unknown> };
  }

  it("the form's edit (with the updatedAt it read) is refused (409, in both languages) and B's sessionkey and concurrent calls stay", async () => {
    const { PATCH } = await import("./route");
    const conn = await created();
    const b = await bLandsFirst(conn.id);
    // What the form sends: every field it shows, the secrets blank ("keep"), and the version it edited.
    const body = { name: "管易云（改名）", baseUrl: SAVED_URL, credentials: { appkey: "112194", concurrency: 4, sessionkey: "", secret: "" }, updatedAt: conn.updatedAt };
    const a = await bed.call(PATCH, `/api/connections/${conn.id}`, { method: "PATCH", params: { id: conn.id }, body });
    expect(b.status).toBe(200);
    expect(a.status).toBe(409);
    expect(a.body.error).toMatchObject({ code: "conflict", message: expect.stringContaining("其他人") });
    const now = await stored(conn.id);
    expect({ name: now.name, sessionkey: now.secrets.sessionkey, secret: now.secrets.secret, concurrency: now.settings.concurrency }).toEqual({
      name: "管易云",
      sessionkey: NEW_SESSIONKEY,
      secret: OLD.secret,
      concurrency: 1,
    });
    // Said in English to an English page; and the form, reloaded, saves with the version it now reads.
    const en = await bed.call(PATCH, `/api/connections/${conn.id}`, { method: "PATCH", params: { id: conn.id }, body, headers: { "accept-language": "en" } });
    expect(en.body.error).toMatchObject({ message: expect.stringContaining("Someone else changed this connection") });
    const reloaded = (await bed.call(PATCH, `/api/connections/${conn.id}`, { method: "PATCH", params: { id: conn.id }, body: { name: "管易云（改名）" } })).body as unknown as { updatedAt: string };
    const again = await bed.call(PATCH, `/api/connections/${conn.id}`, { method: "PATCH", params: { id: conn.id }, body: { ...body, updatedAt: reloaded.updatedAt } });
    expect(again.status).toBe(200);
  });

  it("an API client's edit without updatedAt keeps what B saved for every field it did not send (secrets blank, no concurrency)", async () => {
    const { PATCH } = await import("./route");
    const conn = await created();
    const b = await bLandsFirst(conn.id);
    const a = await bed.call(PATCH, `/api/connections/${conn.id}`, {
      method: "PATCH",
      params: { id: conn.id },
      body: { name: "管易云（改名）", credentials: { appkey: "112194", sessionkey: "", secret: "" } },
    });
    expect([b.status, a.status]).toEqual([200, 200]);
    const now = await stored(conn.id);
    expect({ name: now.name, sessionkey: now.secrets.sessionkey, secret: now.secrets.secret, concurrency: now.settings.concurrency }).toEqual({
      name: "管易云（改名）",
      sessionkey: NEW_SESSIONKEY,
      secret: OLD.secret,
      concurrency: 1,
    });
  });

  it("without updatedAt, a field sent is the last write (concurrency), and a secret left blank still keeps B's", async () => {
    const { PATCH } = await import("./route");
    const conn = await created();
    const b = await bLandsFirst(conn.id);
    const a = await bed.call(PATCH, `/api/connections/${conn.id}`, {
      method: "PATCH",
      params: { id: conn.id },
      body: { credentials: { appkey: "112194", concurrency: 3, sessionkey: "", secret: "" } },
    });
    expect([b.status, a.status]).toEqual([200, 200]);
    const now = await stored(conn.id);
    expect({ sessionkey: now.secrets.sessionkey, concurrency: now.settings.concurrency }).toEqual({ sessionkey: NEW_SESSIONKEY, concurrency: 3 });
  });
});
