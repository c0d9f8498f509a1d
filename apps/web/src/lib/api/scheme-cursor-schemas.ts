// A scheme's read cursor (LAST_SYNC_TIME) as the API shows it, and 从头读取's request body
// (POST /api/schemes/:id/cursor/reset). Re-exported by ./schemas.ts.
import { z } from "zod";

export const readCursorSchema = z.object({
  /**
   * LAST_SYNC_TIME: the end of the last read window that completed (UTC); null: the next run reads
   * from the beginning (never synced, 从头读取, or a version whose source reads other records).
   */
  syncedUpTo: z.iso.datetime().nullable(),
  /**
   * Whether the current definition's source reads from the cursor (a param uses LAST_SYNC_TIME).
   * When false every run reads whatever its params select; runs still move the cursor.
   */
  incremental: z.boolean(),
});
export type ReadCursorDto = z.infer<typeof readCursorSchema>;

/** Nothing to send: an empty object (or no body). Any field is bad input, named by its path in the 400. */
export const resetCursorBody = z.record(z.string(), z.never({ error: "从头读取不接受参数" }));
