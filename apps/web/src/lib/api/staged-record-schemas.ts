// A scheme's staged records (数据湖: the latest copy of every source record and what became of it)
// at the REST boundary (re-exported by ./schemas.ts).
import { z } from "zod";
import { recordId } from "./shared-schemas";
import { RECORD_STATUSES } from "./run-schemas";

const isoTime = z.iso.datetime();


export const stagedRecordSchema = z.object({
  id: recordId,
  sourceId: z.string(),
  /** pending, sending, unknown, written, saved, failed, stale, waiting, or filtered (the filter node leaves it out). */
  status: z.enum(RECORD_STATUSES),
  /** The target's number (金蝶 FNumber / FBillNo) it was written or saved under, if any. */
  targetNumber: z.string().nullable(),
  targetId: z.string().nullable(),
  /** Why it failed or waits (failed, saved, waiting). */
  lastError: z.string().nullable(),
  /** The run that last staged, sent, failed or filtered it. */
  lastRunId: z.uuid().nullable(),
  /** Some version of it was written to the target. */
  written: z.boolean(),
  updatedAt: isoTime,
});
export type StagedRecordDto = z.infer<typeof stagedRecordSchema>;

export const stagedRecordListSchema = z.object({
  records: z.array(stagedRecordSchema),
  /** Pass as `cursor` for the next page; null on the last one. */
  nextCursor: recordId.nullable(),
});

export const stagedRecordsQuery = z.object({
  /** One record by its source id (exact), e.g. a 管易云 shop's id. */
  sourceId: z.string().trim().min(1).max(200).optional(),
  status: z.enum(RECORD_STATUSES).optional(),
  cursor: recordId.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const stagedRecordDetailSchema = z.object({
  record: stagedRecordSchema.extend({
    /** The record as the source sent it last. */
    data: z.unknown(),
  }),
});
