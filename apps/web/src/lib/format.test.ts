// Durations (session 27's UI audit): durations as people read them. 119.6 s is "2 min 0 s", never "1 min 60 s"; and a zh-CN
// page reads its units in Chinese like the rest of it. Calendar days (the overview's chart) too.
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { I18nProvider } from "@/lib/i18n/client";
import type { Locale } from "@/lib/i18n/messages";
import { useFormat } from "./format";

function formatted(write: (fmt: ReturnType<typeof useFormat>) => string, locale: Locale): string {
  function Probe() {
    return createElement("span", null, write(useFormat()));
  }
  const html = renderToStaticMarkup(createElement(I18nProvider, { locale, children: createElement(Probe) }));
  return html.replace(/^<span>|<\/span>$/g, "");
}

const duration = (ms: number, locale: Locale = "en") => formatted((fmt) => fmt.duration(ms), locale);

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

describe("useFormat().day", () => {
  it("writes a calendar day as the page's language does, the same day in every timezone", () => {
    expect(formatted((fmt) => fmt.day("2026-11-28"), "zh-CN")).toBe("11月28日");
    expect(formatted((fmt) => fmt.day("2026-01-01"), "en")).toBe("Jan 1");
  });
});
