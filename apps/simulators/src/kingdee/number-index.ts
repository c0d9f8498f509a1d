// A form's numbers → internal ids, unique within a scope. 金蝶 allocates base data (customers,
// materials) per 使用组织: one number allocated to two organisations is two records, each with its
// own id (FCUSTID / FMATERIALID) and FUseOrgId, which ExecuteBillQuery returns as two rows. Public
// integrator code reads BD_MATERIAL by FNumber with `FUseOrgId.FNumber` and picks the row of the
// organisation it writes for; kingdee-documents.md marks the rule "likely, not verified".
//
// The simulator's choices (the protocol docs are silent): a base-data number is unique per 使用组织
// (a second create of one number in one organisation is refused with 编码唯一; in another
// organisation it is a new record, as an allocated copy is); a record's 使用组织 is its FUseOrgId,
// else its FCreateOrgId, else 100 (总公司, the first organisation: 金蝶's default for a Model
// without either, presumably the login's organisation, is not documented). Bills have
// one scope (""): a bill number is unique in the data center. Where a caller names a number without
// an organisation (Submit, Audit, View, Delete by Numbers, a base-data reference), the lowest id
// answers.
import { ORGANISATIONS } from "./base-data";
import { refNumber } from "./form-spec";

const DEFAULT_ORG = ORGANISATIONS[0]!.number;

/** The organisation a base-data record's number is unique in: its 使用组织, else its 创建组织, else 100. */
export function orgScopeOf(record: Record<string, unknown>): string {
  return refNumber(record.FUseOrgId) ?? refNumber(record.FCreateOrgId) ?? DEFAULT_ORG;
}

/**
 * A new base-data record's organisations as the server keeps them: 创建组织 100 when the Model has
 * none (only without ValidateFlag, or through the admin), 使用组织 its 创建组织 when it has none.
 */
export function withOrgs<T extends Record<string, unknown>>(record: T): T {
  const create = record.FCreateOrgId ?? { FNumber: DEFAULT_ORG };
  return { ...record, FCreateOrgId: create, FUseOrgId: record.FUseOrgId ?? create };
}

export class NumberIndex {
  /** number → scope → id */
  private readonly byNumber = new Map<string, Map<string, number>>();

  /** The id of `number` in `scope`. */
  get(number: string, scope: string): number | undefined {
    return this.byNumber.get(number)?.get(scope);
  }

  /** The lowest id holding `number` in any scope. */
  first(number: string): number | undefined {
    const ids = this.ids(number);
    return ids.length === 0 ? undefined : Math.min(...ids);
  }

  /** Every id holding `number`, one per scope. */
  ids(number: string): number[] {
    return [...(this.byNumber.get(number)?.values() ?? [])];
  }

  has(number: string): boolean {
    return this.byNumber.has(number);
  }

  set(number: string, scope: string, id: number): void {
    let scopes = this.byNumber.get(number);
    if (!scopes) this.byNumber.set(number, (scopes = new Map()));
    scopes.set(scope, id);
  }

  delete(number: string, scope: string): void {
    const scopes = this.byNumber.get(number);
    scopes?.delete(scope);
    if (scopes?.size === 0) this.byNumber.delete(number);
  }

  /** Drops `number` in every scope; answers the ids it held. */
  deleteAll(number: string): number[] {
    const ids = this.ids(number);
    this.byNumber.delete(number);
    return ids;
  }

  clear(): void {
    this.byNumber.clear();
  }
}

/** Admin: deletes the records with these numbers (every organisation's copy); answers how many existed. */
export function deleteByNumber(index: NumberIndex, byId: Map<number, unknown>, numbers: string[]): number {
  let deleted = 0;
  for (const number of numbers) {
    for (const id of index.deleteAll(number)) {
      byId.delete(id);
      deleted++;
    }
  }
  return deleted;
}
