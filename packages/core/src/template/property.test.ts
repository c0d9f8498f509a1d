// Property tests: whatever the template and whatever the record, parsing and evaluation return
// instead of throwing, and the two delimiter styles mean the same.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { evaluateTemplate } from "./evaluate";
import { parseTemplate } from "./parse";
import { FILTER_NAMES, TEMPLATE_VARIABLES, type TemplateVars } from "./types";

const timezone = fc.constantFrom(undefined, "Asia/Shanghai", "UTC", "America/New_York", "Not/AZone");

const vars: fc.Arbitrary<TemplateVars> = fc.record({
  CURRENT_TIME: fc.date(),
  LAST_SYNC_TIME: fc.option(fc.date(), { nil: null }),
  PAGINATION_PAGE_SIZE: fc.integer(),
  PAGINATION_START_PAGE: fc.integer(),
});

const record = fc.oneof(
  fc.anything({
    withBigInt: true,
    withBoxedValues: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withNullPrototype: true,
    withObjectString: true,
    withSparseArray: true,
    withTypedArray: true,
    withUnicodeString: true,
  }),
  fc.jsonValue(),
  fc.dictionary(fc.constantFrom("name", "code", "items", "0", "名称"), fc.jsonValue()),
);

const key = fc.oneof(fc.constantFrom("name", "code", "items", "0", "1", "名称", "length", "constructor", "__proto__"), fc.string({ maxLength: 6 }));

/** A path written in any of the accepted styles. */
const path = fc.array(key, { minLength: 1, maxLength: 4 }).map((keys) =>
  keys.map((k, i) => (/^\d+$/.test(k) ? `[${k}]` : /^[\p{L}_]+$/u.test(k) ? `${i === 0 ? "" : "."}${k}` : `[${JSON.stringify(k)}]`)).join(""),
);

const argument = fc.oneof(
  fc.integer({ min: -20, max: 20 }).map(String),
  fc.constantFrom("'yyyy-MM-dd HH:mm:ss'", "'a'", "''", "','", "'yyyy年MM月'", "1.5"),
);

const filter = fc
  .tuple(fc.constantFrom(...FILTER_NAMES), fc.array(argument, { maxLength: 2 }))
  .map(([name, args]) => `|${name}${args.length ? `(${args.join(",")})` : ""}`);

const expressionBody = fc
  .tuple(
    fc.oneof(path, fc.constantFrom(...TEMPLATE_VARIABLES)),
    fc.option(fc.constantFrom(" datetime", " date", " timestamp", " timestamp_ms"), { nil: "" }),
    fc.array(filter, { maxLength: 3 }),
  )
  .map(([head, format, filters]) => `${head}${format}${filters.join("")}`);

const text = fc.string({ maxLength: 8 }).map((s) => s.replace(/[{}<>\\]/g, ""));

/** Template sources built from the grammar; wrong filter arities make some of them invalid. */
const templateParts = fc.array(fc.oneof(text.map((t) => ({ text: t })), expressionBody.map((e) => ({ expr: e }))), { maxLength: 4 });
const render = (parts: ({ text: string } | { expr: string })[], open: string, close: string) =>
  parts.map((p) => ("text" in p ? p.text : `${open}${p.expr}${close}`)).join("");

describe("template properties", () => {
  it("parsing never throws and errors lie inside the source", () => {
    const noisy = fc.oneof(
      fc.string(),
      fc.array(fc.constantFrom("{{", "}}", "<<", ">>", "|", "(", ")", "'", '"', "[", "]", ".", ",", " ", "a", "B", "CURRENT_TIME", "date", "1", "\\"), { maxLength: 20 }).map((a) => a.join("")),
    );
    fc.assert(
      fc.property(noisy, (source) => {
        const r = parseTemplate(source);
        if (!r.ok) {
          expect(r.errors.length).toBeGreaterThan(0);
          for (const e of r.errors) {
            expect(e.start).toBeGreaterThanOrEqual(0);
            expect(e.end).toBeGreaterThanOrEqual(e.start);
            expect(e.end).toBeLessThanOrEqual(source.length);
            expect(e.message).not.toBe("");
            expect(e.messageEn).not.toBe("");
          }
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("evaluating any parsed template on any record never throws", () => {
    fc.assert(
      fc.property(templateParts, record, vars, timezone, (parts, rec, v, tz) => {
        const r = parseTemplate(render(parts, "{{", "}}"));
        if (!r.ok) return;
        const ctx = tz === undefined ? { record: rec, vars: v } : { record: rec, vars: v, timezone: tz };
        expect(() => evaluateTemplate(r.template, ctx)).not.toThrow();
      }),
      { numRuns: 3000 },
    );
  });

  it("most generated templates parse (the generator exercises evaluation)", () => {
    const sample = fc.sample(templateParts, 500).map((parts) => parseTemplate(render(parts, "{{", "}}")).ok);
    expect(sample.filter(Boolean).length).toBeGreaterThan(200);
  });

  it("survives records whose getters throw", () => {
    const hostile = {
      get name(): string {
        throw new Error("boom");
      },
      items: [
        {
          toJSON() {
            throw new Error("boom");
          },
        },
      ],
      big: 10n,
    };
    fc.assert(
      fc.property(templateParts, vars, (parts, v) => {
        const r = parseTemplate(render(parts, "{{", "}}"));
        if (r.ok) expect(() => evaluateTemplate(r.template, { record: hostile, vars: v })).not.toThrow();
      }),
    );
    const t = parseTemplate("{{name}} {{items|json}} {{big|string}} {{items}}");
    expect(t.ok && evaluateTemplate(t.template, { record: hostile, vars: fc.sample(vars, 1)[0] as TemplateVars })).toBe("  10 ");
  });

  it("{{…}} and <<…>> give the same tree and the same value", () => {
    fc.assert(
      fc.property(templateParts, record, vars, (parts, rec, v) => {
        const a = parseTemplate(render(parts, "{{", "}}"));
        const b = parseTemplate(render(parts, "<<", ">>"));
        expect(b.ok).toBe(a.ok);
        if (a.ok && b.ok) {
          expect(b.template.parts).toEqual(a.template.parts);
          expect(evaluateTemplate(b.template, { record: rec, vars: v })).toEqual(evaluateTemplate(a.template, { record: rec, vars: v }));
        }
      }),
      { numRuns: 500 },
    );
  });

  it("a lone path keeps the value at that path, whatever its type", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 10 }), fc.jsonValue(), (k, value) => {
        const r = parseTemplate(`{{[${JSON.stringify(k)}]}}`);
        expect(r.ok).toBe(true);
        if (r.ok) expect(evaluateTemplate(r.template, { record: { [k]: value }, vars: fc.sample(vars, 1)[0] as TemplateVars })).toBe(value);
      }),
    );
  });

  it("plain text without delimiters is itself", () => {
    fc.assert(
      fc.property(text, (t) => {
        const r = parseTemplate(t);
        expect(r.ok && evaluateTemplate(r.template, { vars: fc.sample(vars, 1)[0] as TemplateVars })).toBe(t);
      }),
    );
  });
});
