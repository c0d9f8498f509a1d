// The read probes a page ahead: while one page is staged, the next one's probe (read-only, see
// probeUnchangedPage) already runs, so a rerun of an unchanged source keeps Postgres, the source and
// the worker busy together instead of in turn (docs/performance.md, session 35: the no-op full read
// waited on one probe at a time). Only a page that shares no record with a page not yet staged is
// probed ahead: staging a page changes only its own records' rows, so such a probe sees what it would
// see after the page before was staged. A page probed ahead whose records are all unchanged is not
// staged at all; any other is staged as before.
import type { SourcePage } from "@qiao/connectors";
import { probeUnchangedPage, type StagedRecord, type StagePageResult } from "@qiao/db";
import type { RunScope } from "./scope";

/** A page's records keyed by source id (the last copy wins within a page), and how many had no id. */
export function stagedRecords(records: Record<string, unknown>[], idField: string): { staged: StagedRecord[]; withoutId: number } {
  const byId = new Map<string, StagedRecord>();
  let withoutId = 0;
  for (const record of records) {
    const id = record[idField];
    if (id === undefined || id === null || id === "") {
      withoutId++;
      continue;
    }
    byId.set(String(id), { sourceId: String(id), data: record });
  }
  return { staged: [...byId.values()], withoutId };
}

/** A page as read, with its probe when it was probed ahead (undefined result: something to stage). */
export type ProbedPage = SourcePage & { probed?: Promise<StagePageResult | undefined> };

/**
 * Passes `pages` on, probing each ahead when `ahead(ids)` allows it: `ids` are the page's source ids,
 * and the page before it (not staged yet when this one arrives) is checked here, so `ahead` needs to
 * answer only for the pages staged already (the read's memory). A probe that fails is the loop's
 * error when it takes the page, never an unhandled rejection.
 */
export async function* probedAhead(x: RunScope, pages: AsyncIterable<SourcePage>, ahead: (ids: readonly string[]) => boolean): AsyncGenerator<ProbedPage> {
  const { plan, run } = x;
  let before = new Set<string>();
  for await (const page of pages) {
    const { staged } = stagedRecords(page.records, plan.source.idField);
    const ids = staged.map((r) => r.sourceId);
    const probe = staged.length > 0 && !ids.some((id) => before.has(id)) && ahead(ids);
    before = new Set(ids);
    if (!probe) {
      yield page;
      continue;
    }
    const probed = probeUnchangedPage(x.db, {
      schemeId: run.schemeId,
      runId: run.id,
      attempt: run.attempt,
      mode: plan.target.mode,
      records: staged,
      mappingKey: x.mappingKey,
      payloadHash: () => {
        throw new Error("a page probed ahead is staged with stagePage when anything in it changed");
      },
    });
    probed.catch(() => undefined);
    yield { ...page, probed };
  }
}
