// The shape of connector metadata: what a platform's APIs take and return. Defined here (not in
// @qiao/connectors) because the scheme compiler checks mappings against it and core imports nothing.
import type { z } from "zod";

/** Types a field can have; the editor shows them and core checks constant mappings against them. */
export type FieldType = "string" | "integer" | "number" | "boolean" | "datetime" | "object" | "array";

export interface FieldMeta {
  key: string;
  /** 名称 as the platform documents it (zh-CN). */
  label: string;
  labelEn: string;
  type: FieldType;
  required?: boolean;
  /** Kingdee base data: sent on the wire as {"FNumber": value}; the user types the code. */
  baseData?: boolean;
  /** Default template put into a new node's field (e.g. "{{CURRENT_TIME datetime}}"). */
  preset?: string;
  description?: string;
}

export interface CredentialField {
  key: string;
  label: string;
  labelEn: string;
  /** Secret fields are encrypted at rest and never sent back to the browser. */
  secret: boolean;
  type: "string" | "number";
  default?: string | number;
  placeholder?: string;
  /** A closed set of values (the form shows a select). */
  choices?: { value: string; label: string; labelEn: string }[];
}

export interface OptionMeta {
  key: string;
  label: string;
  labelEn: string;
  type: "boolean" | "string" | "integer";
  default: boolean | string | number;
  description?: string;
}

export interface SourceApiMeta {
  kind: "source";
  /** The platform's method name, e.g. "gy.erp.shop.get". */
  id: string;
  name: string;
  nameEn: string;
  request: FieldMeta[];
  response: FieldMeta[];
  /** Key of the record list in the response, e.g. "shops". */
  listKey: string;
  /** Field of a record that identifies it at the source, e.g. "id". */
  idField: string;
  /** Which request fields carry paging. */
  paging: { pageNo: string; pageSize: string; defaultPageSize: number; maxPageSize: number };
  /** Request fields that bound the modification-time window, if the API has one. */
  window?: { start: string; end: string };
}

export interface TargetApiMeta {
  kind: "target";
  /** e.g. "batchSave". */
  id: string;
  name: string;
  nameEn: string;
  /** e.g. "BD_Customer". */
  formId: string;
  fields: FieldMeta[];
  /** The field that identifies a record in the target (used for idempotency lookups), e.g. "FNumber". */
  numberField: string;
  /** The target's internal id field (used for updates), e.g. "FCUSTID". */
  idField: string;
  options: OptionMeta[];
  batch: { defaultSize: number; maxSize: number };
  writeModes: WriteMode[];
}

export type ApiMeta = SourceApiMeta | TargetApiMeta;
export type WriteMode = "create" | "upsert";

export interface ConnectorMeta {
  /** Stable identifier stored in Connection.platform, e.g. "guanyi". */
  platform: string;
  name: string;
  nameEn: string;
  baseUrl: { default: string; placeholder: string; help: string };
  /** Validates the whole credentials object (non-secret and secret fields together). */
  credentials: z.ZodType<Record<string, unknown>>;
  credentialFields: CredentialField[];
  apis: ApiMeta[];
}
