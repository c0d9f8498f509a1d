import { describe, expect, it } from "vitest";
import { evaluateTemplate } from "./evaluate";
import { parseTemplate } from "./parse";
import type { MapMiss, Template, ValueMapData } from "./types";

const vars = { CURRENT_TIME: new Date(0), LAST_SYNC_TIME: null, PAGINATION_PAGE_SIZE: 50, PAGINATION_START_PAGE: 1 };

function parse(source: string): Template {
  const r = parseTemplate(source);
  if (!r.ok) throw new Error(r.errors.map((e) => e.messageEn).join("; "));
  return r.template;
}

const maps: ReadonlyMap<string, ValueMapData> = new Map([
  ["仓库对照", { entries: new Map([["WH01", "CK001"], ["1", "一"], ["", "空"]]) }],
  ["带默认", { entries: new Map([["a", "A"]]), default: "Z" }],
]);

function run(source: string, record: unknown): { value: unknown; misses: MapMiss[] } {
  const misses: MapMiss[] = [];
  const value = evaluateTemplate(parse(source), { record, vars, maps, mapMisses: misses });
  return { value, misses };
}

describe("the map filter", () => {
  it("replaces a listed value and reads numbers as their text", () => {
    expect(run("{{w | map('仓库对照')}}", { w: "WH01" })).toEqual({ value: "CK001", misses: [] });
    expect(run('{{w | map("仓库对照")}}', { w: 1 }).value).toBe("一");
    expect(run("仓库 {{w | trim | upper | map('仓库对照')}}", { w: " wh01 " }).value).toBe("仓库 CK001");
  });

  it("matches exactly: no trimming or case folding unless the template asks", () => {
    expect(run("{{w | map('仓库对照')}}", { w: "wh01" }).misses).toEqual([{ map: "仓库对照", value: "wh01" }]);
  });

  it("lets missing values through, so default and required checks see them; \"\" is a value", () => {
    expect(run("{{w | map('仓库对照') | default('X')}}", {})).toEqual({ value: "X", misses: [] });
    expect(run("{{w | map('仓库对照')}}", { w: "" }).value).toBe("空");
  });

  it("uses the map's default, else reports the miss and yields nothing", () => {
    expect(run("{{w | map('带默认')}}", { w: "b" })).toEqual({ value: "Z", misses: [] });
    expect(run("{{w | map('仓库对照')}}", { w: "WH09" })).toEqual({ value: undefined, misses: [{ map: "仓库对照", value: "WH09" }] });
    expect(run("{{w | map('没有')}}", { w: "a" }).misses).toEqual([{ map: "没有", value: "a", unknownMap: true }]);
  });

  it("takes exactly one argument", () => {
    expect(parseTemplate("{{w | map}}").ok).toBe(false);
    expect(parseTemplate("{{w | map('a', 'b')}}").ok).toBe(false);
  });
});
