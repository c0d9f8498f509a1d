import { message, render } from "@qiao/core";
import type { MappingFailure, RenumberedRecord } from "@qiao/db";
import type { Sendable } from "./prepared-batch";

/**
 * The target number (FNumber / FBillNo) a mapped payload carries, as the connectors look it up: a
 * string that is not blank, or a finite number; undefined when it has none. What the mark claims for
 * the record (markSending) and what an unknown outcome is looked up by (./outcomes.ts).
 */
export function payloadNumber(payload: Record<string, unknown>, numberField: string): string | undefined {
  const value = payload[numberField];
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

/** Why a record whose number another record holds is not sent, in both languages (the test run shows them apart). */
export function numberTakenMessages(field: string, number: string, holder: string): { zh: string; en: string } {
  return {
    zh:
      `${field} “${number}” 已属于本方案的另一条源记录 “${holder}”，所以没有发送：两条源记录映射到同一个 ${field}（如一个订单拆成两张发货单）时，` +
      `后写的会覆盖或冒认先写的那一张；请修改 ${field} 的映射，使每条源记录的编号唯一（如发货单号 {{code}}），改后自动重新发送`,
    en:
      `${field} "${number}" belongs to another source record of this scheme, "${holder}", so this one was not sent: two records mapped to one ${field} ` +
      `(such as one order shipped as two deliveries) would overwrite or take over each other's bill. Map ${field} so that each record's number is unique ` +
      `(such as the delivery's {{code}}); the record is sent again once the mapping changes`,
  };
}

/** The same as one text, as a run's RunRecord and staging row keep it. */
export function numberTakenError(field: string, number: string, holder: string): string {
  const { zh, en } = numberTakenMessages(field, number, holder);
  return `${zh} / ${en}`;
}

/**
 * Why a record written under one number whose payload carries another (or none) is not sent, as one
 * text "Chinese / English" (session 32: the mark's MarkedRecords.renumbered). `now` undefined: no number.
 */
export function renumberedError(field: string, written: string, now: string | undefined, bill: boolean): string {
  const m = message("record.renumbered", { field, written, now: now ?? "", bill });
  return `${render(m, "zh-CN")} / ${render(m, "en")}`;
}

/**
 * The records the mark did not mark because their payload's number is not the one they were written
 * under (MarkedRecords.renumbered): data failures naming both numbers, recorded with the batch's
 * mapping failures (markBatch). Sent, they would get a second document in the target (session 32).
 */
export function renumberedFailures(sendable: readonly Sendable[], renumbered: readonly RenumberedRecord[], field: string, bill: boolean): MappingFailure[] {
  const byId = new Map(sendable.map((s) => [s.record.id, s]));
  return renumbered.map(({ id, written }) => {
    const s = byId.get(id)!;
    const error = renumberedError(field, written, payloadNumber(s.payload, field), bill);
    return { id, sourceId: s.record.sourceId, hash: s.hash, payload: s.payload, error, errorField: field, dataHash: s.record.dataHash };
  });
}
