// Builders of 金蝶 field and option metadata, shared by the forms of ./customer.ts, ./material.ts
// and ./outstock.ts.
import type { FieldMeta, FieldType, OptionMeta } from "../../types";

export const text = (key: string, label: string, labelEn: string, extra: Partial<FieldMeta> = {}): FieldMeta => ({
  key,
  label,
  labelEn,
  type: "string",
  ...extra,
});

export const typed = (key: string, label: string, labelEn: string, type: FieldType, extra: Partial<FieldMeta> = {}): FieldMeta => ({
  key,
  label,
  labelEn,
  type,
  ...extra,
});

export const baseData = (key: string, label: string, labelEn: string, example: string, extra: Partial<FieldMeta> = {}): FieldMeta => ({
  key,
  label,
  labelEn,
  type: "string",
  baseData: true,
  description: `基础资料，填编码（如 ${example}），发送时包装为 {"FNumber": "${example}"}`,
  ...extra,
});

/** Fields of a sub-head (金蝶 SubHeadEntity…): keyed `SubHeadEntity.FSettleCurrID`, nested on the wire. */
export const inSubHead = (subHead: string, fields: FieldMeta[]): FieldMeta[] => fields.map((f) => ({ ...f, key: `${subHead}.${f.key}` }));

export const option = (key: string, label: string, labelEn: string, value: boolean, description?: string, descriptionEn?: string): OptionMeta => ({
  key,
  label,
  labelEn,
  type: "boolean",
  default: value,
  ...(description ? { description } : {}),
  ...(descriptionEn ? { descriptionEn } : {}),
});

/** The documented BatchSave `data` options after the first (自动提交并审核, whose text differs per form). */
export const saveOptions: OptionMeta[] = [
  option("IsVerifyBaseDataField", "验证基础资料有效性", "Verify base data", false),
  option("NumberSearch", "按编码查找基础资料", "Look base data up by code", true),
  option("ValidateFlag", "验证数据合法性", "Validate data", true),
  option("IsDeleteEntry", "删除已存在的分录", "Delete existing entries", true),
  option("IsEntryBatchFill", "批量填充分录", "Fill entries in batch", true),
  option("IgnoreInterationFlag", "忽略交互提示", "Ignore interaction prompts", true),
  option("IsAutoAdjustField", "自动调整字段顺序", "Auto-adjust field order", false),
  option("IsControlPrecision", "控制精度", "Check precision", false),
  option("ValidateRepeatJson", "校验重复数据包", "Reject repeated payloads", false),
];
