// toModel builds a flat record's Model without Maps and sorts keys by insertion (issue #16): the
// Models must be what the Map-based version built, byte for byte, for every kind of record. The
// reference below is that version as it was (c. 1ffd878), kept only as the test's oracle.
import { isEntryTable, type FieldMeta } from "@qiao/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { TargetApiMeta } from "../types";
import { customerApi } from "./forms/customer";
import { materialApi } from "./forms/material";
import { outstockApi } from "./forms/outstock";
import { toModel } from "./model";

type Model = Record<string, unknown>;
interface Level {
  rank: Map<string, number>;
  baseData: Set<string>;
}

function referenceToModel(api: TargetApiMeta, record: Record<string, unknown>): Model {
  const level = (fields: FieldMeta[]): Level => ({
    rank: new Map(fields.map((f, i) => [f.key, i])),
    baseData: new Set(fields.filter((f) => f.baseData).map((f) => f.key)),
  });
  const headLevel: Level = { rank: new Map(), baseData: new Set() };
  const subHeadFields = new Map<string, FieldMeta[]>();
  const entries = new Map<string, Level>();
  api.fields.forEach((field, i) => {
    const dot = field.key.indexOf(".");
    const key = dot > 0 ? field.key.slice(0, dot) : field.key;
    if (!headLevel.rank.has(key)) headLevel.rank.set(key, i);
    if (dot > 0) subHeadFields.set(key, [...(subHeadFields.get(key) ?? []), { ...field, key: field.key.slice(dot + 1) }]);
    else if (isEntryTable(field)) entries.set(field.key, level(field.fields));
    else if (field.baseData) headLevel.baseData.add(field.key);
  });
  const shapeSubHeads = new Map([...subHeadFields].map(([key, fields]) => [key, level(fields)]));
  const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
  const wrap = (value: unknown): unknown => (value !== null && typeof value !== "object" ? { FNumber: String(value) } : value);
  const ordered = (values: Map<string, unknown>, at: Level, first?: string): Model => {
    const rankOf = (key: string) => (key === first ? -1 : (at.rank.get(key) ?? Number.MAX_SAFE_INTEGER));
    const keys = [...values.keys()].sort((a, b) => rankOf(a) - rankOf(b));
    return Object.fromEntries(keys.map((k) => [k, values.get(k)]));
  };
  const fieldsOf = (row: Record<string, unknown>, at: Level) => {
    const values = new Map<string, unknown>();
    for (const [key, value] of Object.entries(row)) {
      if (value === undefined) continue;
      values.set(key, at.baseData.has(key) ? wrap(value) : value);
    }
    return values;
  };
  const head = new Map<string, unknown>();
  const subHeads = new Map<string, Map<string, unknown>>();
  for (const [key, value] of Object.entries(record)) {
    if (value === undefined) continue;
    const dot = key.indexOf(".");
    if (dot > 0) {
      const subHead = key.slice(0, dot);
      const field = key.slice(dot + 1);
      const fields = subHeads.get(subHead) ?? new Map<string, unknown>();
      fields.set(field, shapeSubHeads.get(subHead)?.baseData.has(field) ? wrap(value) : value);
      subHeads.set(subHead, fields);
      if (!head.has(subHead)) head.set(subHead, undefined);
      continue;
    }
    const entry = entries.get(key);
    if (entry && Array.isArray(value)) head.set(key, value.map((row) => (isObject(row) ? ordered(fieldsOf(row, entry), entry) : row)));
    else if (isObject(value) && subHeads.has(key)) continue;
    else head.set(key, headLevel.baseData.has(key) ? wrap(value) : value);
  }
  for (const [subHead, fields] of subHeads) {
    const given = record[subHead];
    const merged = new Map([...(isObject(given) ? Object.entries(given) : []), ...fields]);
    head.set(subHead, ordered(merged, shapeSubHeads.get(subHead) ?? level([])));
  }
  return ordered(head, headLevel, api.idField);
}

/** Keys a mapping can produce for the form: its own (dotted and entry keys included), its id, unknown ones, odd ones. */
function keysOf(api: TargetApiMeta): string[] {
  const rowKeys = api.fields.flatMap((f) => (isEntryTable(f) ? f.fields.map((r) => r.key) : []));
  return [...api.fields.map((f) => f.key), ...rowKeys, api.idField, "FExtra", "SubHeadEntity", "Other.FField", ".FLeadingDot", "2", "10", "__proto__", "constructor"];
}

const scalar = fc.oneof(fc.string({ maxLength: 4 }), fc.integer({ min: -5, max: 200 }), fc.boolean(), fc.constant(null), fc.constant(undefined));
const value = (keys: string[]) =>
  fc.oneof(
    { weight: 6, arbitrary: scalar },
    { weight: 1, arbitrary: fc.dictionary(fc.constantFrom(...keys), scalar, { maxKeys: 4 }) },
    { weight: 1, arbitrary: fc.array(fc.oneof(scalar, fc.dictionary(fc.constantFrom(...keys), scalar, { maxKeys: 4 })), { maxLength: 3 }) },
  );

/** A record with these keys in a random order, built by defining properties (so `__proto__` is an own key). */
const recordOf = (api: TargetApiMeta) => {
  const keys = keysOf(api);
  return fc.array(fc.tuple(fc.constantFrom(...keys), value(keys)), { maxLength: 12 }).map((pairs) => {
    const record: Record<string, unknown> = {};
    for (const [key, v] of pairs) Object.defineProperty(record, key, { value: v, enumerable: true, writable: true, configurable: true });
    return record;
  });
};

describe("toModel against the Map-based version", () => {
  for (const api of [customerApi, materialApi, outstockApi]) {
    it(`${api.formId}: the same Model, key for key, for any record`, () => {
      fc.assert(
        fc.property(recordOf(api), (record) => {
          const model = toModel(api, record);
          const expected = referenceToModel(api, record);
          expect(JSON.stringify(model)).toBe(JSON.stringify(expected));
          expect(Object.keys(model)).toEqual(Object.keys(expected));
          expect(Object.getPrototypeOf(model)).toBe(Object.prototype);
        }),
        { numRuns: 3000 },
      );
    });
  }

  it("a customer as the benchmark maps it: flat, base-data org ids wrapped, the form's order", () => {
    const record = { FName: "天猫旗舰店", FNumber: "TM0001", FCreateOrgId: "100", FUseOrgId: "100", FDescription: "备注" };
    expect(JSON.stringify(toModel(customerApi, record))).toBe(JSON.stringify(referenceToModel(customerApi, record)));
    expect(Object.keys(toModel(customerApi, { ...record, [customerApi.idField]: 7 }))[0]).toBe(customerApi.idField);
  });
});
