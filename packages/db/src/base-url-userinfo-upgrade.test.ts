// Upgrading to 20261223100000_base_urls_without_userinfo (session 31's audit): base URLs saved before
// session 25 with `user:password@` in them lose it, in place; the address and its sealed secrets stay,
// and every other base URL is left exactly as it was (not even normalised).
import { expect, it } from "vitest";
import { createConnection, getConnection, storedSecrets } from "./connections";
import { useDatabaseWithout } from "./upgrade-db.test-util";

const MIGRATION = "20261223100000_base_urls_without_userinfo";
// A database migrated without it, as the code before it left it.
const up = useDatabaseWithout("baseurluserinfo", MIGRATION);

it("takes user:password@ out of the base URLs that have it, keeping the address and its secrets, and touches no other", { timeout: 60_000 }, async () => {
  const { db } = up;
  const saved = async (baseUrl: string) =>
    createConnection(db, { platform: "kingdee", name: baseUrl, baseUrl, settings: { acctId: "dc", username: "u" }, secrets: { password: "sealed" } });
  const cases: [string, string][] = [
    ["http://administrator:pw-in-url@127.0.0.1:9/k3cloud/", "http://127.0.0.1:9/k3cloud/"],
    ["https://proxy@erp.example.com/k3cloud/", "https://erp.example.com/k3cloud/"],
    ["HTTPS://a:p@ss@erp.example.com:8443/rest/erp_open", "HTTPS://erp.example.com:8443/rest/erp_open"],
    // No user info: as it was, whatever else is odd about it.
    ["http://erp.example.com/k3cloud/?at=a@b", "http://erp.example.com/k3cloud/?at=a@b"],
    ["HTTP://ERP.example.com:80/k3cloud", "HTTP://ERP.example.com:80/k3cloud"],
    // A backslash ends an http host: "@evil" is in the path, never made the host.
    ["http://erp.example.com\\@evil/", "http://erp.example.com\\@evil/"],
  ];
  const rows = await Promise.all(cases.map(([before]) => saved(before)));

  expect(await up.upgrade()).toContain(MIGRATION);

  for (const [k, row] of rows.entries()) {
    const now = (await getConnection(db, row.id))!;
    expect(now.baseUrl, cases[k]![0]).toBe(cases[k]![1]);
    expect(storedSecrets(now)).toEqual({ password: "sealed" });
  }
});
