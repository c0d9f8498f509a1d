// Two admins edit one connection at the same time. A changes only its name / appkey (the form sends
// the secrets blank: "keep"), B moves it to another base URL and types new secrets, as asked. PATCH
// merges the stored secrets into A's credentials for the URL it read; updateConnection writes them
// only if the row still has that URL (the row locked), else A gets a 409 and nothing changes. Before
// session 25 (its audit) the row ended with B's URL and the secrets saved for the old one.
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
