// The UI dictionary is zh-CN first with English: every key in both, neither empty, and the same
// {placeholders} in both (an English text that drops {name} shows no name; one that adds {count}
// shows "{count}"). Its parts beside ./messages.ts are merged by spreading: a key defined in two
// parts is one text the UI never shows (the i18n audit found "editor.filters" as 格式 / Formats in
// editor.ts, hidden by editor-lookups.ts' 过滤器 / Filters), so every part's text must be the one shown.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MESSAGES } from "./messages";

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
const zh: Record<string, string> = MESSAGES["zh-CN"];
const en: Record<string, string> = MESSAGES.en;

describe("the UI dictionary", () => {
  it("has every key in both languages, none empty", () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(zh).sort());
    expect(Object.entries({ ...zh }).filter(([key, text]) => !text.trim() || !en[key]?.trim())).toEqual([]);
  });

  it("says the same placeholders in both languages", () => {
    const differing = Object.keys(zh)
      .filter((key) => placeholders(zh[key]!).join() !== placeholders(en[key] ?? "").join())
      .map((key) => `${key}: ${zh[key]} | ${en[key]}`);
    expect(differing).toEqual([]);
  });

  it("shows each part's text: no key is defined in two parts", async () => {
    const dir = join(import.meta.dirname, "messages");
    const files = readdirSync(dir).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"));
    expect(files.length).toBeGreaterThan(0);
    const owner = new Map<string, string>();
    const twice: string[] = [];
    const hidden: string[] = [];
    for (const file of files) {
      const part: Record<string, unknown> = await import(join(dir, file));
      for (const [name, value] of Object.entries(part)) {
        const lang = name.endsWith("Zh") ? zh : name.endsWith("En") ? en : undefined;
        if (!lang || typeof value !== "object" || value === null) continue;
        for (const [key, text] of Object.entries(value as Record<string, string>)) {
          if (name.endsWith("Zh")) {
            if (owner.has(key)) twice.push(`${key}: ${owner.get(key)} and ${file}`);
            owner.set(key, file);
          }
          if (lang[key] !== text) hidden.push(`${file} ${name} ${key}: ${text} (shown: ${lang[key]})`);
        }
      }
    }
    expect(twice).toEqual([]);
    expect(hidden).toEqual([]);
  });
});
