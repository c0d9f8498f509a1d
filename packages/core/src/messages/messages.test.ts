import { describe, expect, test } from "vitest";
import { localeFromAcceptLanguage, message, render, storedMessage } from ".";

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
