// The admin / inspection API under /__admin/ (JSON): stats, records per form, customers (as
// before), base data, stock, faults, calls in flight per data center, sessions, reset. Not part of Kingdee's protocol.
import type { IncomingMessage } from "node:http";
import { z } from "zod";
import { ADDABLE_KINDS, ENUMS, type CatalogKind } from "./base-data";
import type { FormRegistry } from "./forms";
import { json, readBody, type Answer } from "./http";
import type { InFlightCounts } from "./in-flight";
import { faultsSchema, queuedFaultSchema, type KingdeeFaults, type QueuedFault } from "./options";

const adminCustomersSchema = z.object({ customers: z.array(z.record(z.string(), z.unknown())) }).strict();
const adminDeleteSchema = z.object({ numbers: z.array(z.string()) }).strict();
const adminFaultsSchema = faultsSchema.extend({ next: z.array(queuedFaultSchema).optional() }).strict();
const adminRecordsSchema = z.object({ records: z.array(z.record(z.string(), z.unknown())), audit: z.boolean().optional() }).strict();
const adminBaseDataSchema = z
  .object({ kind: z.enum(ADDABLE_KINDS), entries: z.array(z.object({ number: z.string().min(1), name: z.string().min(1) }).strict()).min(1) })
  .strict();
const stockLineSchema = z.object({ org: z.string().min(1).default("100"), stock: z.string().min(1), material: z.string().min(1), qty: z.number().finite() }).strict();
const adminStockSchema = z.union([
  stockLineSchema,
  z.object({ lines: z.array(stockLineSchema).optional(), openingStock: z.number().finite().optional() }).strict(),
]);

export interface AdminContext {
  forms: FormRegistry;
  stats(): unknown;
  faults(): { faults: KingdeeFaults; next: QueuedFault[] };
  setFaults(changes: Partial<KingdeeFaults>): void;
  injectNext(...next: QueuedFault[]): void;
  expireSessions(): void;
  reset(): void;
  concurrency(): Record<string, InFlightCounts>;
  resetConcurrency(): void;
}

const FORM_ROUTE = /^\/__admin\/forms\/([\w]+)$/;

export async function adminCall(ctx: AdminContext, req: IncomingMessage, path: string, url: URL): Promise<Answer> {
  const raw = await readBody(req);
  let body: unknown = {};
  if (raw.trim() !== "") {
    try {
      body = JSON.parse(raw);
    } catch {
      return json({ error: "请求内容不是有效的 JSON" }, 400);
    }
  }
  const invalid = (error: z.ZodError) => json({ error: "参数无效", issues: error.issues.map((i) => ({ path: i.path.join("."), message: i.message })) }, 400);
  const { forms } = ctx;
  const deleteNumbers = () => {
    const fromQuery = url.searchParams.getAll("number");
    return fromQuery.length ? { success: true as const, data: { numbers: fromQuery } } : adminDeleteSchema.safeParse(body);
  };

  const formRoute = FORM_ROUTE.exec(path);
  if (formRoute) {
    const form = forms.get(formRoute[1]!);
    if (!form) return json({ error: `没有表单 ${formRoute[1]!}（有 ${forms.ids.join("、")}）` }, 404);
    if (req.method === "GET") return json({ formId: form.formId, records: form.list() });
    if (req.method === "POST") {
      // Creates through the normal save (all checks), audited unless `audit: false`; stock moves as on audit.
      const parsed = adminRecordsSchema.safeParse(body);
      if (!parsed.success) return invalid(parsed.error);
      const audit = parsed.data.audit ?? true;
      const { successes, errors } = form.save(parsed.data.records, { needUpdateFields: [], verifyBaseData: false, validate: true, autoSubmitAndAudit: audit, deleteEntry: true, interactionFlags: [] });
      return json({ created: successes, errors: errors.map(({ FieldName, Message, DIndex }) => ({ FieldName, Message, DIndex })) });
    }
    if (req.method === "DELETE") {
      const parsed = deleteNumbers();
      return parsed.success ? json({ deleted: form.delete(parsed.data.numbers) }) : invalid(parsed.error);
    }
  }

  const route = `${req.method} ${path}`;
  switch (route) {
    case "GET /__admin/stats":
      return json(ctx.stats());
    case "GET /__admin/customers":
      return json({ customers: forms.customers.list() });
    case "POST /__admin/customers": {
      const parsed = adminCustomersSchema.safeParse(body);
      return parsed.success ? json(forms.customers.preCreate(parsed.data.customers)) : invalid(parsed.error);
    }
    case "DELETE /__admin/customers": {
      const parsed = deleteNumbers();
      return parsed.success ? json({ deleted: forms.customers.delete(parsed.data.numbers) }) : invalid(parsed.error);
    }
    case "GET /__admin/base-data":
      return json({
        ...Object.fromEntries((["org", "unit", "stock", "billType", "currency", "stockStatus", "exchangeType", "dept", "staff", "materialGroup", "category", "taxRate", "taxType"] satisfies CatalogKind[]).map((k) => [k, forms.baseData.list(k)])),
        enums: ENUMS,
      });
    case "POST /__admin/base-data": {
      const parsed = adminBaseDataSchema.safeParse(body);
      return parsed.success ? json({ [parsed.data.kind]: forms.baseData.add(parsed.data.kind, parsed.data.entries) }) : invalid(parsed.error);
    }
    case "GET /__admin/stock": {
      const stock = url.searchParams.get("stock");
      const material = url.searchParams.get("material");
      if (stock && material) return json({ org: url.searchParams.get("org") ?? "100", stock, material, qty: forms.stock.get(url.searchParams.get("org") ?? "100", stock, material) });
      return json({ openingStock: forms.stock.openingStock, lines: forms.stock.list() });
    }
    case "PUT /__admin/stock":
    case "POST /__admin/stock": {
      const parsed = adminStockSchema.safeParse(body);
      if (!parsed.success) return invalid(parsed.error);
      const lines = "lines" in parsed.data || "openingStock" in parsed.data ? (parsed.data.lines ?? []) : [parsed.data as z.infer<typeof stockLineSchema>];
      if ("openingStock" in parsed.data && parsed.data.openingStock !== undefined) forms.stock.openingStock = parsed.data.openingStock;
      const set = lines.map((l) => forms.stock.set(l.org, l.stock, l.material, l.qty));
      return json({ openingStock: forms.stock.openingStock, lines: set });
    }
    case "GET /__admin/faults":
      return json(ctx.faults());
    case "PUT /__admin/faults":
    case "POST /__admin/faults": {
      const parsed = adminFaultsSchema.safeParse(body);
      if (!parsed.success) return invalid(parsed.error);
      const { next, ...changes } = parsed.data;
      ctx.setFaults(changes);
      if (next) ctx.injectNext(...next);
      return json(ctx.faults());
    }
    case "GET /__admin/concurrency":
      return json({ dataCenters: ctx.concurrency() });
    case "POST /__admin/concurrency/reset":
      ctx.resetConcurrency();
      return json({ dataCenters: ctx.concurrency() });
    case "POST /__admin/sessions/expire":
      ctx.expireSessions();
      return json({ sessions: 0 });
    case "POST /__admin/reset":
      ctx.reset();
      return json(ctx.stats());
    default:
      return json({ error: `没有管理接口 ${route}` }, 404);
  }
}
