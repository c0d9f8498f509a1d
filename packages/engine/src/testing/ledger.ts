// "Nothing lost, nothing written twice", as a check the fault tests and the soak run share: every
// shop at the source is either in the target exactly once (and staged written) or staged failed
// with a reason, and the target saw no create of a number that already existed.
import type { Db } from "@qiao/db";
import type { GuanyiSimulator, KingdeeSimulator, Shop } from "@qiao/simulators";

export interface LedgerRecord {
  sourceId: string;
  status: string;
  lastError: string | null;
  /** RunRecords of this source record that say `written` (over every run). */
  writes: number;
}

export interface LedgerInput {
  shops: readonly Shop[];
  customers: readonly { FNumber: unknown }[];
  records: readonly LedgerRecord[];
  /** The target's own count of creates of an existing number (Kingdee simulator). */
  duplicateAttempts: number;
  /** The target number a shop is written under (default: its code, as the seed maps FNumber ← {{code}}). */
  numberOf?: (shop: Shop) => string;
  /** In create mode a written record has exactly one `written` RunRecord; upsert writes changes again. */
  mode?: "create" | "upsert";
}

export interface LedgerProblem {
  sourceId: string;
  number: string;
  why: string;
}

export interface LedgerReport {
  shops: number;
  /** In the target exactly once and staged written (or stale: changed after it was written). */
  written: number;
  /** Not in the target (upsert: or its latest update refused), staged failed with the reason a person reads. */
  failed: { sourceId: string; reason: string }[];
  /** Neither written nor failed with a reason. */
  lost: LedgerProblem[];
  /** In the target, but staging disagrees (not written, or written more than once). */
  inconsistent: LedgerProblem[];
  /** Numbers present more than once in the target. */
  duplicates: { number: string; copies: number }[];
  duplicateAttempts: number;
  ok: boolean;
}

export function reconcileLedger(input: LedgerInput): LedgerReport {
  const numberOf = input.numberOf ?? ((shop: Shop) => shop.code);
  const copies = new Map<string, number>();
  for (const c of input.customers) {
    const number = String(c.FNumber);
    copies.set(number, (copies.get(number) ?? 0) + 1);
  }
  const records = new Map(input.records.map((r) => [r.sourceId, r]));
  const report: LedgerReport = {
    shops: input.shops.length,
    written: 0,
    failed: [],
    lost: [],
    inconsistent: [],
    duplicates: [],
    duplicateAttempts: input.duplicateAttempts,
    ok: false,
  };
  for (const shop of input.shops) {
    const sourceId = String(shop.id);
    const number = numberOf(shop);
    const n = copies.get(number) ?? 0;
    const r = records.get(sourceId);
    if (n > 1) report.duplicates.push({ number, copies: n });
    if (n === 0) {
      if (r?.status === "failed" && r.lastError) report.failed.push({ sourceId, reason: r.lastError });
      else report.lost.push({ sourceId, number, why: r ? `not in the target, staged ${r.status}${r.status === "failed" ? " without a reason" : ""}` : "never staged" });
      continue;
    }
    if (input.mode === "upsert" && r?.status === "failed" && r.lastError && r.writes > 0) {
      // Written before; a later update was refused and is listed with its reason.
      report.failed.push({ sourceId, reason: r.lastError });
    } else if (!r || (r.status !== "written" && r.status !== "stale")) {
      report.inconsistent.push({ sourceId, number, why: `in the target, staged ${r?.status ?? "nowhere"}` });
    } else if (input.mode !== "upsert" && r.writes !== 1) {
      report.inconsistent.push({ sourceId, number, why: `${r.writes} written RunRecords in create mode` });
    } else {
      report.written++;
    }
  }
  report.ok = report.lost.length === 0 && report.inconsistent.length === 0 && report.duplicates.length === 0 && report.duplicateAttempts === 0;
  return report;
}

/** A scheme's staged records with their count of `written` RunRecords. */
export function ledgerRecords(db: Db, schemeId: string): Promise<LedgerRecord[]> {
  return db.$queryRaw<LedgerRecord[]>`
    SELECT s.source_id AS "sourceId", s.status::text AS status, s.last_error AS "lastError", COALESCE(w.writes, 0) AS writes
    FROM source_records s
    LEFT JOIN (
      SELECT r.source_record_id, count(*)::int AS writes FROM run_outcomes r
      WHERE r.status = 'written' AND r.run_id IN (SELECT id FROM runs WHERE scheme_id = ${schemeId}::uuid)
      GROUP BY r.source_record_id
    ) w ON w.source_record_id = s.id
    WHERE s.scheme_id = ${schemeId}::uuid`;
}

/** Every shop the 管易云 simulator holds now (generated and added ones). */
export function simulatorShops(guanyi: GuanyiSimulator): Shop[] {
  const store = guanyi.state.shops;
  return Array.from({ length: store.size }, (_, i) => store.get(i));
}

/** The ledger of one scheme between the two simulators. */
export async function ledgerOf(
  db: Db,
  sims: { guanyi: GuanyiSimulator; kingdee: KingdeeSimulator },
  schemeId: string,
  opts: Pick<LedgerInput, "numberOf" | "mode"> = {},
): Promise<LedgerReport> {
  return reconcileLedger({
    shops: simulatorShops(sims.guanyi),
    customers: sims.kingdee.store.list(),
    records: await ledgerRecords(db, schemeId),
    duplicateAttempts: sims.kingdee.stats().duplicateAttempts,
    ...opts,
  });
}
