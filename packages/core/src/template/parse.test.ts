import { describe, expect, it } from "vitest";
import { parseTemplate } from "./parse";
import { templateFilters } from "./catalog";
import { templateRefs } from "./evaluate";
import type { ExpressionPart, Template, TemplateError } from "./types";

function parsed(source: string): Template {
  const r = parseTemplate(source);
  if (!r.ok) throw new Error(`expected ${source} to parse: ${r.errors.map((e) => e.messageEn).join("; ")}`);
  return r.template;
}

function errors(source: string): TemplateError[] {
  const r = parseTemplate(source);
  if (r.ok) throw new Error(`expected ${source} to fail`);
  return r.errors;
}

/** The part of the source an error points at. */
const marked = (source: string, e: TemplateError) => source.slice(e.start, e.end);

function onlyExpression(source: string): ExpressionPart {
  const [part, ...rest] = parsed(source).parts;
  if (part?.kind !== "expression" || rest.length > 0) throw new Error("expected one expression");
  return part;
}

describe("parseTemplate: structure", () => {
  it("parses plain text as one text part, and the empty template as no parts", () => {
    expect(parsed("100").parts).toEqual([{ kind: "text", value: "100", start: 0, end: 3 }]);
    expect(parsed("").parts).toEqual([]);
  });

  it("parses {{path}} and <<path>> to the same tree", () => {
    const a = onlyExpression("{{shop.name}}");
    const b = onlyExpression("<<shop.name>>");
    expect(a).toEqual(b);
    expect(a.head).toEqual({ kind: "path", segments: ["shop", "name"], start: 2, end: 11 });
    expect(a).toMatchObject({ start: 0, end: 13, filters: [] });
  });

  it("allows whitespace inside the braces", () => {
    expect(onlyExpression("{{  name  }}").head).toMatchObject({ segments: ["name"], start: 4, end: 8 });
    expect(onlyExpression("{{ name | upper }}").filters.map((f) => f.name)).toEqual(["upper"]);
  });

  it("splits text and expressions with their offsets", () => {
    const t = parsed("店铺 {{code}}-<<name>>!");
    expect(t.parts.map((p) => [p.kind, p.start, p.end])).toEqual([
      ["text", 0, 3],
      ["expression", 3, 11],
      ["text", 11, 12],
      ["expression", 12, 20],
      ["text", 20, 21],
    ]);
  });

  it("reads array indexes written as [0] or .0, quoted keys and Chinese keys", () => {
    expect(onlyExpression("{{items[0].sku}}").head).toMatchObject({ segments: ["items", "0", "sku"] });
    expect(onlyExpression("{{items.0.sku}}").head).toMatchObject({ segments: ["items", "0", "sku"] });
    expect(onlyExpression("{{ items[ 12 ] }}").head).toMatchObject({ segments: ["items", "12"] });
    expect(onlyExpression('{{["first name"].x}}').head).toMatchObject({ segments: ["first name", "x"] });
    expect(onlyExpression("{{a['b.c']}}").head).toMatchObject({ segments: ["a", "b.c"] });
    expect(onlyExpression("{{店铺.名称}}").head).toMatchObject({ segments: ["店铺", "名称"] });
    expect(onlyExpression("{{type-name}}").head).toMatchObject({ segments: ["type-name"] });
  });

  it("reads all-caps built-ins as variables and quoted all-caps keys as paths", () => {
    for (const name of ["CURRENT_TIME", "LAST_SYNC_TIME", "PAGINATION_PAGE_SIZE", "PAGINATION_START_PAGE"]) {
      expect(onlyExpression(`{{${name}}}`).head).toEqual({ kind: "variable", name, start: 2, end: 2 + name.length });
    }
    expect(onlyExpression('{{["ID"]}}').head).toMatchObject({ kind: "path", segments: ["ID"] });
    expect(onlyExpression("{{FName}}").head).toMatchObject({ kind: "path", segments: ["FName"] });
  });

  it("stores a format written after a space or after | as the same filter", () => {
    const spaced = onlyExpression("{{CURRENT_TIME datetime}}");
    const piped = onlyExpression("{{CURRENT_TIME|datetime}}");
    expect(spaced.filters.map((f) => f.name)).toEqual(["datetime"]);
    expect(piped.filters.map((f) => f.name)).toEqual(["datetime"]);
    expect(onlyExpression("{{CURRENT_TIME timestamp_ms | string}}").filters.map((f) => f.name)).toEqual(["timestamp_ms", "string"]);
  });

  it("reads filter arguments: quoted strings with escapes, numbers, negatives", () => {
    const e = onlyExpression(`{{x|replace('a\\'b', "c")|substring(-3, 2)|default(1.5)}}`);
    expect(e.filters.map((f) => [f.name, f.args])).toEqual([
      ["replace", ["a'b", "c"]],
      ["substring", [-3, 2]],
      ["default", [1.5]],
    ]);
    expect(onlyExpression("{{x|trim()}}").filters[0]).toMatchObject({ name: "trim", args: [] });
  });

  it("keeps }} and >> inside quoted arguments", () => {
    expect(onlyExpression("{{x|default('}}')}}").filters[0]?.args).toEqual(["}}"]);
    expect(onlyExpression("<<x|default('>>')>>").filters[0]?.args).toEqual([">>"]);
  });

  it("compiles the date filter's pattern once", () => {
    const [call] = onlyExpression("{{d|date('yyyy/MM')}}").filters;
    expect(call?.pattern).toEqual([{ field: "yyyy" }, { text: "/" }, { field: "MM" }]);
  });

  it("treats \\{{ and \\<< as literal text", () => {
    expect(parsed("a \\{{b}} \\<<c>>").parts).toEqual([{ kind: "text", value: "a {{b}} <<c>>", start: 0, end: 15 }]);
  });

  it("leaves single braces, lone closers and other backslashes as text", () => {
    expect(parsed("{a} }} >> \\n < b").parts).toEqual([{ kind: "text", value: "{a} }} >> \\n < b", start: 0, end: 16 }]);
  });

  it("is plain data", () => {
    const t = parsed("x{{CURRENT_TIME|date('yyyy')}}{{a.b|default('-')}}");
    expect(JSON.parse(JSON.stringify(t))).toEqual(t);
  });
});

describe("parseTemplate: errors with positions", () => {
  it("reports an unclosed {{ at the opener", () => {
    const source = "abc {{name";
    const [e, ...rest] = errors(source);
    expect(rest).toEqual([]);
    expect(e).toMatchObject({ start: 4, end: 6 });
    expect(e?.message).toContain("没有对应的 “}}”");
    expect(e?.messageEn).toContain("not closed");
    expect(errors("{{name | upper")[0]).toMatchObject({ start: 0, end: 2 });
    expect(errors("<<name")[0]?.message).toContain(">>");
  });

  it("reports a closer of the other kind", () => {
    const source = "{{name>> ok";
    const [e] = errors(source);
    expect(marked(source, e as TemplateError)).toBe(">>");
    expect(e?.message).toContain("应以 “}}” 结束");
  });

  it("reports an expression left open before the next one, and still parses the next", () => {
    const source = "{{a {{b|nope}}";
    const es = errors(source);
    expect(es.map((e) => marked(source, e))).toEqual(["{{", "nope"]);
  });

  it("reports an empty expression over the braces", () => {
    for (const source of ["{{}}", "{{   }}", "<< >>"]) {
      const [e] = errors(source);
      expect(e).toMatchObject({ start: 0, end: source.length });
      expect(e?.message).toContain("没有内容");
    }
  });

  it("reports an unknown all-caps variable with the known ones and a suggestion", () => {
    const source = "x {{CURRENT_TIM datetime}}";
    const [e] = errors(source);
    expect(marked(source, e as TemplateError)).toBe("CURRENT_TIM");
    expect(e?.message).toContain("未知变量 CURRENT_TIM");
    expect(e?.message).toContain("CURRENT_TIME");
    expect(e?.messageEn).toContain("did you mean CURRENT_TIME");
    expect(errors("{{ID}}")[0]?.message).toContain('{{["ID"]}}');
  });

  it("reports a path after a variable", () => {
    expect(errors("{{CURRENT_TIME.x}}")[0]?.message).toContain("不能再接字段路径");
  });

  it("reports an unknown filter with a suggestion", () => {
    const source = "{{name | uper}}";
    const [e] = errors(source);
    expect(marked(source, e as TemplateError)).toBe("uper");
    expect(e?.message).toContain("upper");
  });

  it("reports an unknown format written after a space", () => {
    const source = "{{CURRENT_TIME datetim}}";
    const [e] = errors(source);
    expect(marked(source, e as TemplateError)).toBe("datetim");
    expect(e?.message).toContain("未知的格式 datetim");
    expect(e?.message).toContain("datetime");
    expect(errors("{{first name}}")[0]?.message).toContain('["first name"]');
  });

  it("reports a wrong number of arguments over the call", () => {
    const cases: [string, string][] = [
      ["{{x|substring}}", "substring"],
      ["{{x|substring(1,2,3)}}", "substring(1,2,3)"],
      ["{{x|default}}", "default"],
      ["{{x|upper(1)}}", "upper(1)"],
      ["{{x|replace('a')}}", "replace('a')"],
      ["{{x datetime('y')}}", "datetime('y')"],
    ];
    for (const [source, call] of cases) {
      const [e] = errors(source);
      expect(marked(source, e as TemplateError)).toBe(call);
      expect(e?.message).toMatch(/需要 .* 个参数/);
    }
  });

  it("reports an argument of the wrong type", () => {
    expect(errors("{{x|substring('1')}}")[0]?.message).toContain("应为数字");
    expect(errors("{{x|round('2')}}")[0]?.message).toContain("应为数字");
  });

  it("reports an unquoted word as an argument", () => {
    const source = "{{x|default(无)}}";
    const [e] = errors(source);
    expect(marked(source, e as TemplateError)).toBe("无");
    expect(e?.message).toContain("需要加引号");
  });

  it("reports an unclosed string and an unclosed parenthesis", () => {
    const source = "{{x|default('abc}}";
    const [e, ...rest] = errors(source);
    expect(rest).toEqual([]);
    expect(e).toMatchObject({ start: 12, end: source.length });
    expect(e?.message).toContain("引号");
    expect(errors("{{x|default('a'")[0]?.message).toContain("“(”");
  });

  it("reports malformed paths", () => {
    expect(errors("{{a.}}")[0]?.message).toContain("“.” 后的字段名");
    expect(errors("{{a[x]}}")[0]?.message).toContain("数字下标");
    expect(errors("{{a[0}}")[0]?.message).toContain("]");
    expect(errors("{{|upper}}")[0]?.message).toContain("字段路径或变量");
  });

  it("reports stray content after an expression", () => {
    const source = "{{x|trim datetime}}";
    const [e] = errors(source);
    expect(marked(source, e as TemplateError)).toBe("datetime");
  });

  it("reports every broken expression of a template, not only the first", () => {
    const source = "{{FOO}} and {{x|nope}} and {{}} and {{ok}} and {{open";
    expect(errors(source).map((e) => marked(source, e))).toEqual(["FOO", "nope", "{{}}", "{{"]);
  });
});

describe("templateRefs", () => {
  it("lists paths and variables with their positions", () => {
    const source = "{{CURRENT_TIME datetime}} {{shop.items[0].name|upper}} <<note>> {{LAST_SYNC_TIME}} {{['a b']}}";
    const refs = templateRefs(parsed(source));
    expect(refs.paths.map((r) => [r.text, source.slice(r.start, r.end)])).toEqual([
      ["shop.items[0].name", "shop.items[0].name"],
      ["note", "note"],
      ['["a b"]', "['a b']"],
    ]);
    expect(refs.paths[0]?.segments).toEqual(["shop", "items", "0", "name"]);
    expect(refs.variables.map((r) => [r.text, source.slice(r.start, r.end)])).toEqual([
      ["CURRENT_TIME", "CURRENT_TIME"],
      ["LAST_SYNC_TIME", "LAST_SYNC_TIME"],
    ]);
  });

  it("finds nothing in plain text", () => {
    expect(templateRefs(parsed("100"))).toEqual({ paths: [], variables: [] });
  });
});

// The i18n audit: a filter's syntax named its arguments in Chinese (substring(开始, 结束?)) in the
// English editor's autocomplete and in the English text of an argument error.
describe("filters in English", () => {
  const CJK = /[\u3400-\u9fff]/;

  it("are listed with an English syntax and description", () => {
    const chinese = templateFilters.filter((f) => CJK.test(f.syntaxEn) || CJK.test(f.descriptionEn)).map((f) => `${f.syntaxEn} — ${f.descriptionEn}`);
    expect(chinese).toEqual([]);
  });

  it.each(["{{x | round('2')}}", "{{x | substring}}", "{{x | map(2024)}}", "{{x | lookup}}", "{{x | erp_lookup(1)}}", "{{x | replace}}", "{{x | default}}"])(
    "%s is refused in English words",
    (source) => {
      const [e] = errors(source);
      expect(e?.messageEn).toMatch(/write \w+/);
      expect(e?.messageEn).not.toMatch(CJK);
    },
  );
});
