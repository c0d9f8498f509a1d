// A merge import checks the merged table against VALUE_MAP_LIMITS.entries, not only the file: a map
// past the limit would be refused by every later save, export and import.
import { randomBytes } from "node:crypto";
import { VALUE_MAP_LIMITS } from "@qiao/core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

let bed: RouteBed;
beforeAll(async () => {
  bed = await openRouteBed("vmimportlimits", "editor");
}, 120_000);
afterAll(async () => {
  await bed?.close();
});

it("a merge import that would take a map past 50,000 rows is refused and changes nothing", { timeout: 120_000 }, async () => {
  const entries = Array.from({ length: VALUE_MAP_LIMITS.entries }, (_, i) => ({ source: `WH${i}`, target: `CK${i}` }));
  const map = await bed.db.createValueMap(bed.prisma, { name: "仓库对照满", entries });
  expect(map.entryCount).toBe(50_000);

  const editor = await bed.db.createUser(bed.prisma, { email: `ed-${randomBytes(3).toString("hex")}@route.test`, name: "ed", role: "editor", password: "route-password-1" });
  const { token } = await bed.db.createApiToken(bed.prisma, { userId: editor.id, name: "ed", role: "editor" });
  const { NextRequest } = await import("next/server");
  const { POST } = await import("./route");
  const merge = (csv: string) =>
    POST(
      new NextRequest(`http://localhost/api/value-maps/${map.id}/import?mode=merge`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "text/csv" },
        body: csv,
      }),
      { params: Promise.resolve({ id: map.id }) },
    );

  const res = await merge("source,target\r\nNEW1,CK-NEW1\r\nNEW2,CK-NEW2\r\n");
  expect(res.status).toBe(400);
  const { error } = (await res.json()) as { error: { code: string; message: string; issues: { path: unknown[] }[] } };
  expect(error.code).toBe("validation_failed");
  expect(error.message).toContain("50002");
  expect(error.message).toContain("50000");
  expect(error.issues[0]?.path).toEqual(["file"]);
  const after = await bed.db.getValueMap(bed.prisma, map.id);
  expect(after?.entryCount).toBe(50_000);
  expect(after?.contentHash).toBe(map.contentHash);

  // Rows that only overwrite source values already there keep the table at the limit: accepted.
  const overwrite = await merge("source,target\r\nWH0,CK-CHANGED\r\n");
  expect(overwrite.status).toBe(200);
  expect((await bed.db.getValueMap(bed.prisma, map.id))?.entries[0]).toEqual({ source: "WH0", target: "CK-CHANGED" });
});
