// A scheme's staged records (数据湖) for a person asking "what became of record X?": found by
// source id (the unique (scheme, source id) index) or paged in id order ((scheme, id) index),
// optionally by status. Staging has no index on status (status changes must stay HOT updates), so a
// page by status walks the scheme's rows in id order until it has `limit` of them: fine for the
// statuses that are common, slower for a rare one in a large scheme (docs/records.md).
import { Prisma } from "../../generated/prisma/client";
import type { RecordStatus } from "../../generated/prisma/enums";
import type { Db } from "../client";

export interface StagedRecordRow {
  id: bigint;
  sourceId: string;
  status: RecordStatus;
  targetNumber: string | null;
  targetId: string | null;
  lastError: string | null;
  /** The run that last staged, sent, failed or filtered it. */
  lastRunId: string | null;
  /** Written before (the payload last written successfully is known). */
  written: boolean;
  updatedAt: Date;
}

const ROW = Prisma.sql`s.id, s.source_id AS "sourceId", s.status::text AS status, s.target_number AS "targetNumber", s.target_id AS "targetId",
  s.last_error AS "lastError", s.last_run_id::text AS "lastRunId", s.written_hash IS NOT NULL AS written, s.updated_at AS "updatedAt"`;

/** One page of the scheme's staged records in id order after `afterId`; with `sourceId`, that record only. */
export async function listStagedRecords(
  db: Db,
  input: { schemeId: string; afterId: bigint; limit: number; status?: RecordStatus | undefined; sourceId?: string | undefined },
): Promise<StagedRecordRow[]> {
  if (input.sourceId !== undefined) {
    return db.$queryRaw<StagedRecordRow[]>`
      SELECT ${ROW} FROM source_records s
      WHERE s.scheme_id = ${input.schemeId}::uuid AND s.source_id = ${input.sourceId}
        ${input.status ? Prisma.sql`AND s.status = ${input.status}::record_status` : Prisma.empty}`;
  }
  return db.$queryRaw<StagedRecordRow[]>`
    SELECT ${ROW} FROM source_records s
    WHERE s.scheme_id = ${input.schemeId}::uuid AND s.id > ${input.afterId}
      ${input.status ? Prisma.sql`AND s.status = ${input.status}::record_status` : Prisma.empty}
    ORDER BY s.id
    LIMIT ${input.limit}`;
}

/** One staged record with its data as the source sent it last, or null. */
export async function findStagedRecord(db: Db, input: { schemeId: string; id: bigint }): Promise<(StagedRecordRow & { data: unknown }) | null> {
  const [row] = await db.$queryRaw<(StagedRecordRow & { data: unknown })[]>`
    SELECT ${ROW}, s.data FROM source_records s WHERE s.scheme_id = ${input.schemeId}::uuid AND s.id = ${input.id}`;
  return row ?? null;
}
