// Retry: the failed records of one run (or of the whole scheme) are mapped again from their staged
// data with the run's (current) scheme version and handed to the write phase; the source is not read.
import { message, retryRunOptionsSchema } from "@qiao/core";
import { assignFailedToRun, failedRecords } from "@qiao/db";
import { RunFailure } from "./failure";
import { payloadHash } from "./hash";
import type { RunScope } from "./scope";

const CHUNK = 500;

export async function prepareRetry(x: RunScope): Promise<number> {
  const { run } = x;
  const options = retryRunOptionsSchema.parse(run.options ?? {});
  const scope = options.scope ?? (run.retryOfId ? "run" : "scheme");
  if (scope === "run" && !run.retryOfId) {
    throw new RunFailure(message("run.retryWithoutRun"));
  }
  const vars = x.vars();
  let afterId = 0n;
  let prepared = 0;
  for (;;) {
    const rows = await failedRecords(x.db, {
      schemeId: run.schemeId,
      retryOfId: scope === "run" ? run.retryOfId : null,
      ...(options.sourceRecordIds && { onlyIds: options.sourceRecordIds.map(BigInt) }),
      excludeRunId: run.id,
      afterId,
      limit: CHUNK,
    });
    if (rows.length === 0) break;
    afterId = rows[rows.length - 1]!.id;
    await x.warm(rows.map((r) => r.data), vars);
    const records = rows.map((row) => {
      const { payload, errors } = x.map(row.data, vars);
      return { id: row.id, hash: payloadHash(payload, errors) };
    });
    prepared += await assignFailedToRun(x.db, { schemeId: run.schemeId, runId: run.id, records });
  }
  if (run.total === null || prepared > 0) await x.progress({ phase: "writing", total: (run.total ?? 0) + prepared });
  await x.journal.info(
    message("retry.prepared", { scope, retryOfId: run.retryOfId, prepared, version: run.schemeVersion }),
    { scope, retryOfId: run.retryOfId, prepared },
  );
  return prepared;
}
