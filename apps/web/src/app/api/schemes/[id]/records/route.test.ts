// GET /api/schemes/:id/records with bad query input: a 400 that says what is wrong in the page's
// language (zod's built-in checks in Chinese on a Chinese page, "Must be a numeric id" for a bad
// cursor on an English page, not "Not a valid regex"). Session 28's audit; failed before the fix.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

const CJK = /[\u3400-\u9fff]/;
let bed: RouteBed;
let schemeId = "";

type Body = { error?: { code?: string; message?: string; issues?: { path: unknown[]; message: string; messageEn?: string }[] } };

beforeAll(async () => {
  bed = await openRouteBed("recaudit", "viewer");
  schemeId = (await bed.prisma.scheme.create({ data: { name: "records audit", definition: { nodes: [], edges: [] } } })).id;
  await bed.prisma.sourceRecord.create({ data: { schemeId, sourceId: "S1", data: { a: 1 }, payloadHash: "h", status: "written" } });
}, 120_000);

afterAll(() => bed?.close());

async function get(query: string, lang: string) {
  const { GET } = await import("./route");
  const res = await bed.call(GET, `/api/schemes/${schemeId}/records?${query}`, { params: { id: schemeId }, headers: { "accept-language": lang } });
  return { status: res.status, body: res.body as Body };
}

describe("bad query input", { timeout: 60_000 }, () => {
  it("a Chinese page is told in Chinese what is wrong with status, limit and sourceId", async () => {
    const english: string[] = [];
    for (const query of ["status=bogus", "limit=0", "limit=abc", `sourceId=${"x".repeat(201)}`]) {
      const { status, body } = await get(query, "zh-CN");
      expect(status, query).toBe(400);
      const issues = body.error?.issues ?? [];
      expect(issues.length, query).toBeGreaterThan(0);
      english.push(...issues.filter((i) => !CJK.test(i.message)).map((i) => `${query}: ${i.message}`));
    }
    expect(english, "issue messages in English on a Chinese page").toEqual([]);
  });

  it("an English page is told that the cursor must be a numeric id, not 'Not a valid regex'", async () => {
    const { status, body } = await get("cursor=abc", "en");
    expect(status).toBe(400);
    const issue = body.error?.issues?.find((i) => i.path[0] === "cursor");
    expect(issue).toBeDefined();
    const shown = issue!.messageEn ?? issue!.message;
    expect(shown).not.toMatch(CJK);
    expect(shown, "what an English page shows for ?cursor=abc").not.toMatch(/regex/i);
  });
});
