// A run request @qiao/jobs refuses (RunRequestError: an unknown scheme or run, invalid options) is
// answered in the caller's language, its options' issues too. Before, both pages read the message
// glued as "中文 / English", and the issues were zod's English only. The routes check the scheme and
// the run before they ask, so the refusals are made here by requestRun itself, against the bed's
// database, and answered as the routes' wrapper answers them.
import { randomUUID } from "node:crypto";
import type { RequestRunInput } from "@qiao/jobs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRouteBed, type RouteBed } from "./testing/route-bed";

let bed: RouteBed;

beforeAll(async () => {
  bed = await openRouteBed("runrequest", "editor");
}, 120_000);

afterAll(async () => {
  await bed?.close();
});

type Answer = { error: { code: string; message: string; issues: { path: unknown[]; message: string; messageEn?: string }[] } };

/** The refusal of `input`, as the API answers it by default (zh-CN) and in English. */
async function refusedInBoth(input: RequestRunInput) {
  const { requestRun, RunRequestError } = await import("@qiao/jobs");
  const { runQueue } = await import("./queue");
  const { errorResponse } = await import("./api");
  const error = await requestRun(bed.prisma, runQueue(), input).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(RunRequestError);
  const zh = errorResponse(error);
  const en = errorResponse(error, "en");
  expect(zh.status).toBe(en.status);
  return { status: zh.status, zh: ((await zh.json()) as Answer).error, en: ((await en.json()) as Answer).error };
}

describe("a refused run request, in the caller's language", { timeout: 60_000 }, () => {
  it("a scheme that does not exist", async () => {
    const schemeId = randomUUID();
    const { status, zh, en } = await refusedInBoth({ schemeId, trigger: "manual" });
    expect(status).toBe(404);
    expect(zh.message).toBe(`集成方案 ${schemeId} 不存在`);
    expect(en.message).toBe(`Scheme ${schemeId} not found`);
  });

  it("retrying a run of another scheme, or retrying without a run", async () => {
    const scheme = await bed.prisma.scheme.create({ data: { name: `重试 ${Date.now()}`, definition: { nodes: [], edges: [] } } });
    const other = await bed.prisma.scheme.create({ data: { name: `别的 ${Date.now()}`, definition: { nodes: [], edges: [] } } });
    const run = await bed.db.createRun(bed.prisma, { schemeId: other.id, schemeVersion: 1, trigger: "manual" });

    const elsewhere = await refusedInBoth({ schemeId: scheme.id, trigger: "retry", retryOfId: run.id });
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.zh.message).toBe(`该方案没有运行 ${run.id}`);
    expect(elsewhere.en.message).toBe(`Run ${run.id} not found in this scheme`);

    const noRun = await refusedInBoth({ schemeId: scheme.id, trigger: "retry" });
    expect(noRun.status).toBe(400);
    expect(noRun.zh.message).toBe('重试需要 retryOfId，或 options.scope = "scheme"');
    expect(noRun.en.message).toBe('A retry needs retryOfId, or options.scope "scheme"');
  });

  it("invalid options, with each issue in both languages", async () => {
    const scheme = await bed.prisma.scheme.create({ data: { name: `测试 ${Date.now()}`, definition: { nodes: [], edges: [] } } });
    const { status, zh, en } = await refusedInBoth({ schemeId: scheme.id, trigger: "test", options: { sampleSize: 0 } });
    expect(status).toBe(400);
    expect(zh.message).toBe("运行参数无效");
    expect(en.message).toBe("Invalid run options");
    expect(en.issues).toEqual([{ path: ["options", "sampleSize"], message: "数值过小：期望 number >=1", messageEn: "Too small: expected number to be >=1" }]);
  });
});
