// How a document form (BD_MATERIAL, SAL_OUTSTOCK) is described to the generic store and query:
// its keys, where each sits in the Model (head, a sub-head object, the entry rows), which are base
// data, which are required, and the texts its errors use. Pure data and small helpers, no I/O.
import type { BaseDataKind } from "./base-data";

/** A sub-head is a 1:1 object beside the head (`SubHeadEntity` …); `FEntity` holds the rows. */
export type FieldPlace = "head" | "SubHeadEntity" | "SubHeadEntity1" | "SubHeadEntity2" | "SubHeadEntity3" | "FEntity";

export type FieldType = "text" | "number" | "bool" | "date" | "enum";

export interface FieldSpec {
  label: string;
  /** Default: head. */
  at?: FieldPlace;
  /** Base data: on the wire an object keyed by its lookup property, `{"FNumber":…}` in any case. */
  ref?: BaseDataKind;
  /** Default: text. */
  type?: FieldType;
  /** An enum's allowed values (value → 中文 name). */
  values?: Readonly<Record<string, string>>;
  /** The value given when the Model leaves the key out (a function reads the normalised head and row). */
  fallback?: unknown;
}

export type Fallback = (head: Record<string, unknown>, row: Record<string, unknown> | undefined) => unknown;

export interface FormSpec {
  formId: string;
  /** 中文 name used in messages, e.g. 销售出库单. */
  name: string;
  /** Internal id key: FMATERIALID, FID. */
  idKey: string;
  /** Code key: FNumber (base data) or FBillNo (bills). */
  numberKey: string;
  /** The 编码规则 used when the Model has no number; `n` counts from 1. */
  autoNumber: (n: number) => string;
  fields: Record<string, FieldSpec>;
  /** Required keys (head, sub-head or entry); a required number must be > 0. */
  required: readonly string[];
  entry?: { key: "FEntity"; label: string; idKey: string };
  /**
   * Base data: a number is unique per 使用组织 (./number-index.ts). Bills leave it out: their numbers
   * are unique in the data center.
   */
  numberPerOrg?: boolean;
  /** Bills refuse a save once audited (`已审核的单据不能修改`); base data may still be changed. */
  lockedWhenAudited: boolean;
  firstId: number;
  /** Values the server computes on save from the normalised Model (amounts from price and quantity). */
  derive?: (record: Record<string, unknown>) => void;
}

export interface RecordError {
  FieldName: string | null;
  Message: string;
  DIndex: number;
  /** The MsgCode this error stands for (the answer carries the first one). */
  msgCode: number;
}

export interface RecordSuccess {
  Id: number;
  Number: string;
  DIndex: number;
}

export const MSG = { badParameter: 8, notExist: 9, notFound: 10, validation: 11 } as const;

export const STATUS_NAMES: Record<string, string> = { Z: "暂存", A: "创建", B: "审核中", C: "已审核", D: "重新审核" };

/** Kingdee's text for a taken code or bill number (kingdee.md). */
export function duplicateNumberMessage(number: string): string {
  return `违反字段唯一性要求：编码唯一。[${number}]在当前系统中已经被使用。`;
}

export function isPresent(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === "string") return value.trim() !== "";
  if (typeof value === "object") {
    const ref = value as Record<string, unknown>;
    return Object.values(ref).some((v) => v !== null && v !== undefined && String(v).trim() !== "" && v !== 0);
  }
  return true;
}

export function asId(value: unknown): number {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : typeof value === "number" ? value : 0;
  return Number.isInteger(n) && n > 0 ? n : 0;
}

/** The code of a base-data reference; the lookup key is matched case-insensitively (FNumber / FNUMBER). */
export function refNumber(value: unknown): string | undefined {
  if (!value || typeof value !== "object") return undefined;
  const ref = value as Record<string, unknown>;
  const key = Object.keys(ref).find((k) => k.toLowerCase() === "fnumber");
  return key && ref[key] !== null && ref[key] !== undefined ? String(ref[key]).trim() : undefined;
}

export function now(): string {
  return new Date().toISOString().slice(0, 23);
}

/** The field keys of a form, case-insensitively (Kingdee's keys are). */
export function fieldKeyResolver(keys: readonly string[]): (key: string) => string | undefined {
  const byLower = new Map(keys.map((k) => [k.toLowerCase(), k]));
  return (key) => byLower.get(key.toLowerCase());
}

/**
 * A configured required set (KINGDEE_SIM_*_REQUIRED_FIELDS) in the form's own spelling; an unknown
 * key is a configuration mistake, refused at start naming the key.
 */
export function requiredKeys(formId: string, fields: Record<string, FieldSpec>, keys: readonly string[]): string[] {
  const resolve = fieldKeyResolver(Object.keys(fields));
  return keys.map((key) => {
    const resolved = resolve(key);
    if (!resolved) throw new Error(`金蝶模拟器：${formId} 没有字段 ${key}，不能设为必填`);
    return resolved;
  });
}

/**
 * Saves each Model entry on its own: valid ones are committed even when others in the batch fail
 * (Kingdee does not publish whether a batch is all-or-nothing; this is the simulator's choice).
 * Shared by every form's store; `saveOne` answers the saved record or its errors.
 */
export function saveEach<R>(
  models: unknown[],
  saveOne: (model: Record<string, unknown>, dIndex: number) => R | RecordError[],
  identify: (record: R) => { Id: number; Number: string },
): { successes: RecordSuccess[]; errors: RecordError[]; saved: R[] } {
  const successes: RecordSuccess[] = [];
  const errors: RecordError[] = [];
  const saved: R[] = [];
  models.forEach((model, dIndex) => {
    if (!model || typeof model !== "object" || Array.isArray(model)) {
      errors.push({ FieldName: null, Message: `Model 第 ${dIndex + 1} 项不是对象`, DIndex: dIndex, msgCode: MSG.badParameter });
      return;
    }
    const result = saveOne(model as Record<string, unknown>, dIndex);
    if (Array.isArray(result)) errors.push(...result);
    else {
      successes.push({ ...identify(result), DIndex: dIndex });
      saved.push(result);
    }
  });
  return { successes, errors, saved };
}
