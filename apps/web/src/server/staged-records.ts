// A staged record as the REST API shows it (routes under /api/schemes/:id/records).
import type { StagedRecordRow } from "@qiao/db";
import type { StagedRecordDto } from "@/lib/api/schemas";

export function stagedRecordDto(row: StagedRecordRow): StagedRecordDto {
  return {
    id: row.id.toString(),
    sourceId: row.sourceId,
    status: row.status,
    targetNumber: row.targetNumber,
    targetId: row.targetId,
    lastError: row.lastError,
    lastRunId: row.lastRunId,
    written: row.written,
    updatedAt: row.updatedAt.toISOString(),
  };
}
