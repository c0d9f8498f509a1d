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
