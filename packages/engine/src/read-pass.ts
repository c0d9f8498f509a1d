// Whether one pass of a read saw its source hold still (read-phase.ts reads the window again when
// not). 管易云 pages by page number and publishes neither its order nor how `total` is counted
// (connectors' guanyi/source.ts), so a pass is trusted only when nothing shows that records moved:
// - `total` changed between its pages: records left the window (modified past its end, deleted) or
//   entered it, and every record after them moved by one, so one may have gone from a page not yet
//   read onto one already read;
// - its pages held fewer records than their total: the source stopped answering or left rows out;
// - a record came twice: modified during the read, it moved to a later page within the window (a
//   modification stamped in the window's last second, or by a server whose clock is behind ours),
//   and the record it pushed back may have moved onto a page already read.

/**
 * Source ids a pass remembers to find a record that comes twice: past this many the pass stops
 * looking (and forgets them), so that a large read's memory stays flat. A skip in a read that large
 * is left to `total` and to the next full read or reconciliation.
 */
export const REPEAT_CHECK_MAX = 100_000;

export type PassVerdict =
  | { kind: "whole" }
  | { kind: "moved"; from: number; to: number }
  | { kind: "short"; read: number; total: number }
  | { kind: "repeated"; sourceId: string };

export class ReadPass {
  private first: number | undefined;
  private other: number | undefined;
  private read = 0;
  private repeated: string | undefined;
  private seen: Set<string> | undefined = new Set();

  constructor(private readonly repeatCheckMax = REPEAT_CHECK_MAX) {}

  /** A page: the total it gave, how many records it held, and the source ids staged from it (each once). */
  page(total: number, records: number, sourceIds: Iterable<string>): void {
    this.first ??= total;
    if (total !== this.first) this.other ??= total;
    this.read += records;
    if (!this.seen || this.repeated !== undefined) return;
    for (const id of sourceIds) {
      if (this.seen.has(id)) {
        this.repeated = id;
        this.seen = undefined;
        return;
      }
      this.seen.add(id);
    }
    if (this.seen.size > this.repeatCheckMax) this.seen = undefined;
  }

  verdict(): PassVerdict {
    if (this.first === undefined) return { kind: "whole" };
    if (this.other !== undefined) return { kind: "moved", from: this.first, to: this.other };
    if (this.read < this.first) return { kind: "short", read: this.read, total: this.first };
    if (this.repeated !== undefined) return { kind: "repeated", sourceId: this.repeated };
    return { kind: "whole" };
  }
}
