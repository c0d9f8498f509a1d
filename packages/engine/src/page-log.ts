// The read's log lines per page. A page with something to say (records to write, stale, still
// failed, without an id) has its own line, as before; consecutive pages whose every record was
// unchanged share one line, so a rerun of an unchanged source logs a line every SUMMARY_MS instead
// of one per page (a run_logs row and a process log line each: a tenth of the worker's CPU on a
// no-op full read, issue #16). A stretch of one page keeps the page's own line.
import { message } from "@qiao/core";
import type { StagePageResult } from "@qiao/db";
import type { RunJournal } from "./journal";

/** How long a stretch of unchanged pages waits for more before its line is written. */
export const SUMMARY_MS = 10_000;

export interface PageFacts {
  page: number;
  pages: number;
  total: number;
  read: number;
  withoutId: number;
  /** Records this run read before (an earlier pass or attempt, or earlier in this pass): in no count of `result`. */
  again?: number;
  idField: string;
  result: Pick<StagePageResult, "toWrite" | "unchanged" | "done" | "stale" | "failedUnchanged" | "inserted"> & { filtered?: number };
}

/** What a page's line counts as unchanged: also what this run wrote already (an earlier attempt's read of the page). */
const unchangedOf = (result: PageFacts["result"]): number => result.unchanged + result.done;

export class PageLog {
  private stretch: { first: PageFacts; last: PageFacts; count: number; read: number; unchanged: number; again: number; filtered: number; startedAt: number } | undefined;

  constructor(
    private readonly journal: Pick<RunJournal, "progress">,
    private readonly now: () => number = () => performance.now(),
  ) {}

  async page(facts: PageFacts): Promise<void> {
    const { result } = facts;
    const quiet = result.toWrite === 0 && result.stale === 0 && result.failedUnchanged === 0 && facts.withoutId === 0;
    if (!quiet) {
      await this.flush();
      return this.line(facts);
    }
    if (this.stretch) {
      this.stretch.last = facts;
      this.stretch.count++;
      this.stretch.read += facts.read;
      this.stretch.unchanged += unchangedOf(result);
      this.stretch.again += facts.again ?? 0;
      this.stretch.filtered += result.filtered ?? 0;
    } else {
      this.stretch = {
        first: facts,
        last: facts,
        count: 1,
        read: facts.read,
        unchanged: unchangedOf(result),
        again: facts.again ?? 0,
        filtered: result.filtered ?? 0,
        startedAt: this.now(),
      };
    }
    if (this.now() - this.stretch.startedAt >= SUMMARY_MS) await this.flush();
  }

  /** Writes the stretch of unchanged pages so far (before the read's last line, or when it stops). */
  async flush(): Promise<void> {
    const stretch = this.stretch;
    this.stretch = undefined;
    if (!stretch) return;
    if (stretch.count === 1) return this.line(stretch.first);
    const { first, last } = stretch;
    await this.journal.progress(message("read.pagesUnchanged", { from: first.page, to: last.page, pages: last.pages, read: stretch.read, again: stretch.again, filtered: stretch.filtered }), {
      fromPage: first.page,
      toPage: last.page,
      pages: stretch.count,
      total: last.total,
      read: stretch.read,
      unchanged: stretch.unchanged,
      ...(stretch.again > 0 && { again: stretch.again }),
      ...(stretch.filtered > 0 && { filtered: stretch.filtered }),
    });
  }

  private line({ page, pages, total, read, withoutId, again = 0, idField, result }: PageFacts): Promise<void> {
    const unchanged = unchangedOf(result);
    return this.journal.progress(
      message("read.page", {
        page,
        pages,
        read,
        toWrite: result.toWrite,
        unchanged,
        stale: result.stale,
        failedUnchanged: result.failedUnchanged,
        withoutId,
        again,
        filtered: result.filtered ?? 0,
        idField,
      }),
      {
        page,
        total,
        toWrite: result.toWrite,
        unchanged,
        stale: result.stale,
        failedUnchanged: result.failedUnchanged,
        inserted: result.inserted,
        withoutId,
        ...(again > 0 && { again }),
        ...((result.filtered ?? 0) > 0 && { filtered: result.filtered }),
      },
    );
  }
}
