// Issue #11 items 3, 4 and 10 at the API's edge: stored secrets only go to the address they were
// saved with, refused addresses are a 400 on baseUrl before anything is sent (DNS answers are fake),
// and a connection whose secrets do not open is listed, flagged, instead of failing the list.
import { randomUUID } from "node:crypto";
import type { LookupAddress } from "node:dns";
import { getConnector, type Resolve } from "@qiao/connectors";
import { connectionBinding, seal } from "@qiao/db";
import { describe, expect, it } from "vitest";
import { ApiError } from "./errors";
import { checkBaseUrl, connectionDto, mergeCredentials } from "./connections";

const guanyi = getConnector("guanyi")!;
const kingdee = getConnector("kingdee")!;
const STORED = { secret: "stored-secret-9a1f", sessionkey: "stored-session-77c2" };

function row(platform: string, baseUrl: string, settings: Record<string, string>, secrets: Record<string, string>, sealedFor?: string, sealedAt?: string) {
  const id = randomUUID();
  const sealed = seal(secrets, connectionBinding({ id: sealedFor ?? id, baseUrl: sealedAt ?? baseUrl }));
  const now = new Date();
  return { id, platform, name: platform, baseUrl, settings, secretCiphertext: sealed.ciphertext, secretKeyId: sealed.keyId, createdById: null, createdAt: now, updatedAt: now };
}

const guanyiRow = () => row("guanyi", "http://erp.example.com/rest/erp_open", { appkey: "112194" }, STORED);

function apiError(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    return error as ApiError;
  }
  throw new Error("expected an ApiError");
}

describe("mergeCredentials: stored secrets stay with their address", () => {
  it("uses the stored secrets while the base URL is the one they were saved with", () => {
    const r = guanyiRow();
    expect(mergeCredentials(guanyi, r, undefined, { secret: "" })).toEqual({ appkey: "112194", ...STORED });
    expect(mergeCredentials(guanyi, r, "HTTP://ERP.EXAMPLE.COM:80/rest/erp_open", {})).toEqual({ appkey: "112194", ...STORED });
  });

  it("with a new base URL and no secrets typed: a 400 naming every stored secret field", () => {
    const error = apiError(() => mergeCredentials(guanyi, guanyiRow(), "http://elsewhere.example/rest/erp_open", { appkey: "112194" }));
    expect(error.status).toBe(400);
    expect(error.issues.map((i) => i.path)).toEqual([
      ["credentials", "sessionkey"],
      ["credentials", "secret"],
    ]);
    expect(error.issues[1]).toMatchObject({ message: "接口地址已修改，请重新输入secret", messageEn: "The base URL changed: enter Secret again" });
  });

  it("with a new base URL and only some secrets typed: a 400 naming the one left blank", () => {
    const error = apiError(() => mergeCredentials(guanyi, guanyiRow(), "http://elsewhere.example/rest/erp_open", { secret: "typed" }));
    expect(error.issues.map((i) => i.path)).toEqual([["credentials", "sessionkey"]]);
  });

  it("with a new base URL and every secret typed: only the typed values, never a stored one", () => {
    const typed = { secret: "typed-secret", sessionkey: "typed-session" };
    expect(mergeCredentials(guanyi, guanyiRow(), "http://elsewhere.example/rest/erp_open", typed)).toEqual({ appkey: "112194", ...typed });
  });

  it("asks again only for the secrets that are stored (a 金蝶 password login has no app secret)", () => {
    const r = row("kingdee", "http://k3.example.com/k3cloud/", { authType: "password", acctId: "a", username: "u" }, { password: "stored-pw" });
    const error = apiError(() => mergeCredentials(kingdee, r, "http://other.example/k3cloud/", {}));
    expect(error.issues.map((i) => i.path)).toEqual([["credentials", "password"]]);
  });
});

describe("a connection whose secrets do not open", () => {
  it("is listed with secretsUnreadable instead of failing, and an edit starts from its settings", () => {
    const r = row("guanyi", "http://erp.example.com/rest/erp_open", { appkey: "112194" }, STORED, randomUUID());
    const dto = connectionDto(r, []);
    expect(dto).toMatchObject({ id: r.id, secretsUnreadable: true, secrets: { secret: false, sessionkey: false } });
    expect(connectionDto(guanyiRow(), [])).toMatchObject({ secretsUnreadable: false, secrets: { secret: true, sessionkey: true } });
    expect(mergeCredentials(guanyi, r, undefined, { secret: "new" })).toEqual({ appkey: "112194", secret: "new" });
    expect(dto.secretsAddressChanged).toBe(false);
  });

  it("says so when its base URL was changed behind the API since its secrets were saved, and nothing stored is used", () => {
    const r = row("guanyi", "http://erp-new.example.com/rest/erp_open", { appkey: "112194" }, STORED, undefined, "http://erp.example.com/rest/erp_open");
    expect(connectionDto(r, [])).toMatchObject({ secretsUnreadable: true, secretsAddressChanged: true, secrets: { secret: false, sessionkey: false } });
    expect(mergeCredentials(guanyi, r, undefined, {})).toEqual({ appkey: "112194" });
  });

  it("an unparsable stored base URL is another address, not an error", () => {
    const r = row("guanyi", "erp.example.com/rest", { appkey: "112194" }, STORED);
    const asked = apiError(() => mergeCredentials(guanyi, r, "http://erp.example.com/rest", {})).issues.map((i) => i.path[1]);
    expect(asked.sort()).toEqual(["secret", "sessionkey"]);
    expect(mergeCredentials(guanyi, r, undefined, {})).toEqual({ appkey: "112194", ...STORED });
  });
});

describe("checkBaseUrl: the outbound policy at save and test time", () => {
  const fake =
    (answers: Record<string, string>): Resolve =>
    async (hostname) => {
      const address = answers[hostname];
      if (!address) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
      return [{ address, family: address.includes(":") ? 6 : 4 } satisfies LookupAddress];
    };

  it("refuses a name resolving to the metadata service: 400 on baseUrl naming the rule", async () => {
    const error = await checkBaseUrl("http://metadata.test/k3cloud/", fake({ "metadata.test": "169.254.169.254" })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, issues: [{ path: ["baseUrl"], message: "地址 169.254.169.254 属于云服务器元数据服务，始终禁止" }] });
  });

  it("refuses link-local IP literals, IPv4-mapped ones included", async () => {
    for (const url of ["http://169.254.10.1/k3cloud/", "http://[::ffff:169.254.10.1]/k3cloud/", "http://[fe80::1]/"]) {
      await expect(checkBaseUrl(url, fake({}))).rejects.toMatchObject({ issues: [{ path: ["baseUrl"], messageEn: expect.stringContaining("link-local") }] });
    }
  });

  it("lets a name that does not resolve here through (the connector checks again when it connects)", async () => {
    await expect(checkBaseUrl("http://erp.internal.test/k3cloud/", fake({}))).resolves.toBeUndefined();
  });

  it("allows loopback outside production (the simulators)", async () => {
    await expect(checkBaseUrl("http://127.0.0.1:4020/k3cloud/", fake({}))).resolves.toBeUndefined();
  });
});
