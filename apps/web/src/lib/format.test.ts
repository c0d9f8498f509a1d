// Durations (session 27's UI audit): durations as people read them. 119.6 s is "2 min 0 s", never "1 min 60 s"; and a zh-CN
// page reads its units in Chinese like the rest of it.
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { I18nProvider } from "@/lib/i18n/client";
import type { Locale } from "@/lib/i18n/messages";
import { useFormat } from "./format";

function duration(ms: number, locale: Locale = "en"): string {
  function Probe() {
    return createElement("span", null, useFormat().duration(ms));
  }
  const html = renderToStaticMarkup(createElement(I18nProvider, { locale, children: createElement(Probe) }));
  return html.replace(/^<span>|<\/span>$/g, "");
}

describe("useFormat().duration", () => {
  it("never shows 60 seconds past a minute", () => {
    expect(duration(119_600)).toBe("2 min 0 s");
    expect(duration(3_599_700)).toBe("1 h 0 min");
  });

  it("shows Chinese units on a zh-CN page", () => {
    expect(duration(65_000, "zh-CN")).toBe("1 分 5 秒");
    expect(duration(7_260_000, "zh-CN")).toBe("2 小时 1 分");
    expect(duration(850, "zh-CN")).toBe("850 毫秒");
    expect(duration(12_340)).toBe("12.3 s");
  });
});
