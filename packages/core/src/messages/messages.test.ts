import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { localeFromAcceptLanguage, message, render, storedMessage } from ".";
import type { CatalogEntry } from "./message";

describe("render", () => {
  test("one message, two languages", () => {
    const m = message("run.started", { version: 3 });
    expect(render(m)).toBe("开始运行（方案第 3 版）");
    expect(render(m, "en")).toBe("Run started (scheme version 3)");
  });

  test("a message inside a message is rendered in the same language", () => {
    const m = message("run.failed", { error: message("run.versionMissing", { version: 2 }) });
    expect(render(m, "zh-CN")).toBe("运行失败：找不到方案的第 2 版：请重新运行方案");
    expect(render(m, "en")).toBe("Run failed: Version 2 of the scheme no longer exists; start a new run.");
  });

  test("an alert's failure after its attempts says the last one's reason in the same language", () => {
    const last = message("alert.webhookHttp", { where: "https://hooks.example.test/…", status: 503 });
    const m = message("alert.webhookAttempts", { last, attempts: 3 });
    expect(render(m)).toBe("Webhook https://hooks.example.test/… 应答 HTTP 503（已尝试 3 次）");
    expect(render(m, "en")).toBe("Webhook https://hooks.example.test/… answered HTTP 503 (tried 3 times)");
  });

  test("a run's finish line names its records left changed, not updated (runs.stale), only when there are some", () => {
    const counts = { seconds: "1.5", fetched: 20, written: 17, skipped: 1, failed: 0 };
    const m = message("run.finished", { ...counts, stale: 2 });
    expect(render(m)).toBe("运行结束（1.5 秒）：读取 20，写入 17，跳过 1，失败 0，已变更未更新 2");
    expect(render(m, "en")).toBe("Run finished (1.5 s): 20 read, 17 written, 1 skipped, 0 failed, 2 changed but not updated (create mode)");
    // Lines stored before session 35, or with none: as before.
    expect(render(message("run.finished", { ...counts, filtered: 2 }))).toBe("运行结束（1.5 秒）：读取 20，写入 17，跳过 1，失败 0，不符合过滤条件 2");
    expect(render(message("run.finished", { ...counts, stale: 0 }), "en")).toBe("Run finished (1.5 s): 20 read, 17 written, 1 skipped, 0 failed");
  });

  test("a stored message with a code the catalog does not know renders as its code", () => {
    const stored = storedMessage({ code: "run.fromTheFuture", params: {} });
    expect(stored && render(stored, "en")).toBe("run.fromTheFuture");
  });

  test("what is not a message is not taken for one", () => {
    expect(storedMessage("运行失败")).toBeUndefined();
    expect(storedMessage({ code: "run.started" })).toBeUndefined();
    expect(storedMessage(null)).toBeUndefined();
  });
});

describe("localeFromAcceptLanguage", () => {
  test.each([
    [null, "zh-CN"],
    ["", "zh-CN"],
    ["en", "en"],
    ["en-US,en;q=0.9", "en"],
    ["zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"],
    ["zh-TW", "zh-CN"],
    ["fr-FR, en;q=0.5", "en"],
    ["zh;q=0.4, en;q=0.8", "en"],
    ["en;q=0, zh", "zh-CN"],
    ["de", "zh-CN"],
  ])("%s → %s", (header, locale) => {
    expect(localeFromAcceptLanguage(header)).toBe(locale);
  });
});

/**
 * Every entry of the catalog's parts beside this file, with the source of its two texts (escapes such
 * as \u4E00 that a transform may write read back as the characters they stand for).
 */
async function catalogTexts(): Promise<{ code: string; zh: string; en: string }[]> {
  const dir = import.meta.dirname;
  const parts = readdirSync(dir).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && f !== "index.ts" && f !== "message.ts");
  const source = (text: unknown) => String(text).replace(/\\u([0-9a-fA-F]{4})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  const texts: { code: string; zh: string; en: string }[] = [];
  for (const file of parts) {
    const part: Record<string, unknown> = await import(join(dir, file));
    for (const entries of Object.values(part)) {
      if (typeof entries !== "object" || entries === null) continue;
      for (const [code, e] of Object.entries(entries as Record<string, CatalogEntry<unknown>>)) {
        if (typeof e?.["zh-CN"] === "function" && typeof e.en === "function") texts.push({ code, zh: source(e["zh-CN"]), en: source(e.en) });
      }
    }
  }
  return texts;
}

const CJK = /[\u3400-\u9fff]/;
/** Texts that only pass on words said elsewhere in both languages (api.worded) or not ours to translate (an unexpected error). */
const PASSED_ON = ["api.worded", "alert.unexpected"];

// The i18n audit: record.renumbered's English named 金蝶, and api.smtpNotVerified's Chinese was the
// SMTP library's English error alone. A person reads each text in their language.
describe("the catalog", () => {
  test("is read whole", async () => {
    expect((await catalogTexts()).length).toBeGreaterThan(100);
  });

  test("has no Chinese in an English text", async () => {
    expect((await catalogTexts()).filter((t) => CJK.test(t.en)).map((t) => `${t.code}: ${t.en}`)).toEqual([]);
  });

  test("words every Chinese text in Chinese, beyond what it only passes on", async () => {
    expect((await catalogTexts()).filter((t) => !CJK.test(t.zh) && !PASSED_ON.includes(t.code)).map((t) => `${t.code}: ${t.zh}`)).toEqual([]);
  });
});
