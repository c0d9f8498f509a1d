// The shape of connector metadata: what a platform's APIs take and return, and which credential
// fields a connection of it has. Declared once, as zod: the types below are inferred from it, the
// REST API answers /api/connectors with it, and the OpenAPI document is generated from it. It lives
// here (not in @qiao/connectors) because the scheme compiler checks mappings against it, in the
// browser too, and core imports nothing. A connector's own credentials validator is not metadata:
// it stays with the connector (@qiao/connectors' Connector.credentials).
import { z } from "zod";

/** Types a field can have; the editor shows them and core checks constant mappings against them. */
export const fieldTypeSchema = z.enum(["string", "integer", "number", "boolean", "datetime", "object", "array"]);
export type FieldType = z.infer<typeof fieldTypeSchema>;

export const fieldMetaSchema = z.object({
  key: z.string(),
  /** 名称 as the platform documents it (zh-CN). */
  label: z.string(),
  labelEn: z.string(),
  type: fieldTypeSchema,
  required: z.boolean().optional(),
  /** Kingdee base data: sent on the wire as {"FNumber": value}; the user types the code. */
  baseData: z.boolean().optional(),
  /** Default template put into a new node's field (e.g. "{{CURRENT_TIME datetime}}"). */
  preset: z.string().optional(),
  description: z.string().optional(),
  /** The description in English (the English UI shows it where it shows `description`). */
  descriptionEn: z.string().optional(),
  /**
   * A request param choosing which time a window filters on: the values (as text) under which a
   * window that starts at the scheme's cursor (LAST_SYNC_TIME) sees every change, e.g. 管易云 订单
   * `date_type` 3 (修改时间). `incrementalDefault`: whether leaving it out is one of them (the
   * platform's default). A source reading from the cursor with another value is warned at save time:
   * an edit or a late import would be missed for good.
   */
  incrementalValues: z.array(z.string()).optional(),
  incrementalDefault: z.boolean().optional(),
  /**
   * For a field of type "array" whose items are records: the fields of one item. On a source this
   * describes a nested list (发货单 `details`, 商品 `skus`); on a target it makes the field an entry
   * table (单据体, e.g. 金蝶 FEntity), mapped row by row from a source list (scheme `entries`).
   */
  get fields() {
    return z.array(fieldMetaSchema).optional();
  },
});
export type FieldMeta = z.infer<typeof fieldMetaSchema>;

/** A target field that is an entry table: an array of rows with their own fields. */
export function isEntryTable(field: FieldMeta): field is FieldMeta & { fields: FieldMeta[] } {
  return field.type === "array" && Array.isArray(field.fields);
}

export const credentialFieldSchema = z.object({
  key: z.string(),
  label: z.string(),
  labelEn: z.string(),
  /** Secret fields are encrypted at rest and never sent back to the browser. */
  secret: z.boolean(),
  type: z.enum(["string", "number"]),
  default: z.union([z.string(), z.number()]).optional(),
  placeholder: z.string().optional(),
  placeholderEn: z.string().optional(),
  /** A closed set of values (the form shows a select). */
  choices: z.array(z.object({ value: z.string(), label: z.string(), labelEn: z.string() })).optional(),
  /**
   * The field says which account of the platform the connection reaches (金蝶's data center, 管易云's
   * appkey and sessionkey): changed, the connection points elsewhere as a new base URL does, so the
   * edit is refused while a run uses the connection (session 31).
   */
  identity: z.boolean().optional(),
});
export type CredentialField = z.infer<typeof credentialFieldSchema>;

export const optionMetaSchema = z.object({
  key: z.string(),
  label: z.string(),
  labelEn: z.string(),
  type: z.enum(["boolean", "string", "integer"]),
  default: z.union([z.boolean(), z.string(), z.number()]),
  description: z.string().optional(),
  descriptionEn: z.string().optional(),
});
export type OptionMeta = z.infer<typeof optionMetaSchema>;

export const writeModeSchema = z.enum(["create", "upsert"]);
export type WriteMode = z.infer<typeof writeModeSchema>;

/**
 * How a bill is audited: "withSave" sends what the form's options say (金蝶 IsAutoSubmitAndAudit:
 * save, submit and audit in one transaction, so a failed audit saves nothing); "separate" saves
 * without auditing, then calls Submit and Audit, so a bill can be saved but not audited
 * (已保存未审核) and a retry audits it without saving it again.
 */
export const auditModeSchema = z.enum(["withSave", "separate"]);
export type AuditMode = z.infer<typeof auditModeSchema>;

export const sourceApiMetaSchema = z.object({
  kind: z.literal("source"),
  /** The platform's method name, e.g. "gy.erp.shop.get". */
  id: z.string(),
  name: z.string(),
  nameEn: z.string(),
  request: z.array(fieldMetaSchema),
  response: z.array(fieldMetaSchema),
  /** Key of the record list in the response, e.g. "shops". */
  listKey: z.string(),
  /** Field of a record that identifies it at the source, e.g. "id". */
  idField: z.string(),
  /** Which request fields carry paging. */
  paging: z.object({ pageNo: z.string(), pageSize: z.string(), defaultPageSize: z.number(), maxPageSize: z.number() }),
  /** Request fields that bound the modification-time window, if the API has one. */
  window: z.object({ start: z.string(), end: z.string() }).optional(),
});
export type SourceApiMeta = z.infer<typeof sourceApiMetaSchema>;

export const targetApiMetaSchema = z.object({
  kind: z.literal("target"),
  /** e.g. "batchSave". */
  id: z.string(),
  name: z.string(),
  nameEn: z.string(),
  /** e.g. "BD_Customer". */
  formId: z.string(),
  fields: z.array(fieldMetaSchema),
  /** The field that identifies a record in the target (used for idempotency lookups), e.g. "FNumber". */
  numberField: z.string(),
  /** The target's internal id field (used for updates), e.g. "FCUSTID". */
  idField: z.string(),
  /** The field reconciliation compares besides the number (the record's name), e.g. "FName"; absent: presence only. */
  nameField: z.string().optional(),
  options: z.array(optionMetaSchema),
  batch: z.object({ defaultSize: z.number(), maxSize: z.number() }),
  writeModes: z.array(writeModeSchema),
  /**
   * Set when the form's records are bills (单据) with an approval status: they can be saved, then
   * submitted and audited as separate calls (scheme `audit: "separate"`), and an audited bill
   * cannot be modified. Absent for base data (客户, 物料), which Qiao only saves.
   */
  bill: z
    .object({
      /** The status field to query, e.g. FDocumentStatus. */
      statusField: z.string(),
      /** Its value for an audited bill, e.g. "C". */
      auditedStatus: z.string(),
    })
    .optional(),
});
export type TargetApiMeta = z.infer<typeof targetApiMetaSchema>;

export const apiMetaSchema = z.discriminatedUnion("kind", [sourceApiMetaSchema, targetApiMetaSchema]);
export type ApiMeta = z.infer<typeof apiMetaSchema>;

export const connectorMetaSchema = z.object({
  /** Stable identifier stored in Connection.platform, e.g. "guanyi". */
  platform: z.string(),
  name: z.string(),
  nameEn: z.string(),
  baseUrl: z.object({ default: z.string(), placeholder: z.string(), help: z.string(), helpEn: z.string().optional() }),
  /** The fields of a connection's credentials, as the connection form shows them. */
  credentialFields: z.array(credentialFieldSchema),
  apis: z.array(apiMetaSchema),
  /**
   * The IANA timezone the platform reads (and writes) datetimes in, which have no offset on its
   * wire: 管易云's `yyyy-MM-dd HH:mm:ss` is Beijing time, "Asia/Shanghai". A source request's
   * datetimes (`{{LAST_SYNC_TIME datetime}}`, `{{CURRENT_TIME datetime}}`, the read window) are
   * written in it, whatever the scheme's own timezone (its schedule's, and its target mapping's).
   * Absent: the scheme's timezone.
   */
  wireTimezone: z.string().optional(),
});
export type ConnectorMeta = z.infer<typeof connectorMetaSchema>;
