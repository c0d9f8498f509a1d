// Whether one pass of a read saw its source hold still (read-phase.ts reads the window again when
// not). 管易云 pages by page number and publishes neither its order nor how `total` is counted
// (connectors' guanyi/source.ts), so a pass is trusted only when nothing shows that records moved:
// - `total` changed between its pages: records left the window (modified past its end, deleted) or
//   entered it, and every record after them moved by one, so one may have gone from a page not yet
//   read onto one already read;
// - its pages held fewer records than their total: the source stopped answering or left rows out;
// - a record came twice (within one part, when the window is read in parts): modified during the
//   read, it moved to a later page within the window (a modification stamped in the window's last
//   second, or by a server whose clock is behind ours), and the record it pushed back may have moved
//   onto a page already read; or two records tied on the sort key (a bulk edit's one second) came in
//   the other order for a later page's request (LIMIT/OFFSET without a total order), and the other
//   one of the two was never returned.

/**
 * Source ids an attempt's read remembers (ReadMemory below): past this many it stops remembering (and
 * forgets them), so that a large read's memory stays flat. A skip in a read that large is left to
 * `total` and to the next full read or reconciliation, and its counters may count a record read in
 * two passes twice.
 */
export const REPEAT_CHECK_MAX = 100_000;

/**
 * At most this many passes over the read window (a run's, read-phase.ts; a reconciliation's source
 * read, reconcile.ts) while a pass shows that the source moved under it: 管易云 pages by page number,
 * and a record that leaves, enters or moves within the window moves the records after it, so one
 * can slip from a page not yet read to a page already read; or the pages held fewer records than
 * their total. After a run's last pass the cursor is not moved (within read-phase.ts's
 * CURSOR_HOLD_MAX_MS): the next run reads the window again. Two, not more: a large full read of a
 * busy source changes during most passes, and each pass costs the ERP a call per page.
 */
export const READ_PASSES = 2;

export type PassVerdict =
  | { kind: "whole" }
  | { kind: "moved"; from: number; to: number }
  | { kind: "short"; read: number; total: number }
  | { kind: "repeated"; sourceId: string };

/**
 * Parts of one pass a ReadMemory tells apart (SourcePage.part's index; 管易云's sliced reads are
 * bounded by the connector's MAX_PAGES, 100,000 requests). A part past it shares the last slot: a
 * record read in two such parts would be taken for a repeat (another pass, never a missed record).
 */
const PART_SLOTS = 2 ** 20;

/**
 * Where a record was read, as one small integer (a Map value V8 stores inline, as it did the pass
 * alone): the pass, and the part within it (0 when the pass was not read in parts). Stays a small
 * integer (below 2^30) for a pass below 2^10; READ_PASSES is 2.
 */
function readAt(pass: number, part: number | undefined): number {
  return pass * PART_SLOTS + (part === undefined ? 0 : Math.min(part + 1, PART_SLOTS - 1));
}

/**
 * The source ids one attempt's read has seen, each with where it was read last (the pass, and the
 * part within it): a record read twice in one pass, within one part when the pass reads in parts, is
 * a sign the source moved (ReadPass), and a record read before, in that pass or an earlier one, is not
 * counted again in the run's 读取 and 跳过 (read-phase.ts).
 */
export class ReadMemory {
  private seenAt: Map<string, number> | undefined = new Map();

  constructor(private readonly max = REPEAT_CHECK_MAX) {}

  /** Whether it still remembers every id read so far (false once past its limit). */
  get whole(): boolean {
    return this.seenAt !== undefined;
  }

  /**
   * Remembers `sourceIds` (each once) as read by `pass`, in `part` when the pass reads in parts.
   * Answers those read before in this attempt, and the first of them read before in this same pass
   * and part (a record read in another part of the pass is not: see ReadPass.page).
   */
  read(pass: number, sourceIds: Iterable<string>, part?: number): { again: string[]; repeated: string | undefined } {
    const again: string[] = [];
    let repeated: string | undefined;
    const seen = this.seenAt;
    if (!seen) return { again, repeated };
    const at = readAt(pass, part);
    for (const id of sourceIds) {
      const before = seen.get(id);
      if (before !== undefined) {
        again.push(id);
        if (before === at) repeated ??= id;
      }
      seen.set(id, at);
    }
    if (seen.size > this.max) this.seenAt = undefined;
    return { again, repeated };
  }
}

/** One paged read's totals: the first page's, another page's if it differed, and the records read. */
interface Paging {
  first: number;
  other: number | undefined;
  read: number;
}

/**
 * One pass over the read window: whether the source held still while it was read. A source that
 * read the window in parts (SourcePage.part: 管易云's incremental reads, cut by modification time so
 * that each part fits in a page) is checked part by part, against each part's own total: a part read
 * in one page cannot have skipped a record, and a record leaving the window meanwhile does not move
 * another into a part read already.
 */
export class ReadPass {
  /** The window's paging (part -1), or each part's. */
  private readonly pagings = new Map<number, Paging>();
  private repeated: string | undefined;

  constructor(
    private readonly memory = new ReadMemory(),
    private readonly pass = 1,
  ) {}

  /**
   * A page: the total it gave, how many records it held, the source ids staged from it (each once),
   * and its part when the source read the window in parts (then `total` is the part's). Answers the
   * ids this attempt read before (see ReadMemory.read). In a pass read in parts, a record read twice
   * within ONE part is the same sign as in a paged read (a part of more than a page is paged by
   * offset: a record modified within the window, or two rows tied on the sort key that swap places
   * between two requests, repeat one record and hide another, `total` unchanged). A record read in
   * two parts is not: neighbouring parts overlap by a second, and a record modified during the read
   * leaves the window, or moves to a later part whose own total counts it, rather than moving within
   * a part already read.
   */
  page(total: number, records: number, sourceIds: Iterable<string>, part?: number): string[] {
    const key = part ?? -1;
    const paging = this.pagings.get(key);
    if (!paging) this.pagings.set(key, { first: total, other: undefined, read: records });
    else {
      if (total !== paging.first) paging.other ??= total;
      paging.read += records;
    }
    const { again, repeated } = this.memory.read(this.pass, sourceIds, part);
    this.repeated ??= repeated;
    return again;
  }

  verdict(): PassVerdict {
    for (const p of this.pagings.values()) if (p.other !== undefined) return { kind: "moved", from: p.first, to: p.other };
    for (const p of this.pagings.values()) if (p.read < p.first) return { kind: "short", read: p.read, total: p.first };
    if (this.repeated !== undefined) return { kind: "repeated", sourceId: this.repeated };
    return { kind: "whole" };
  }
}
