// An attempt's lease on its run (issue #11, item 2): claimed with the run, renewed every third of
// its length while the attempt works, and checked before every call. An attempt whose renewal
// failed (another attempt claimed the run, or its lease ran out while it stalled), or whose host
// says it lost its job lock, stops before its next write; the database refuses its statements
// anyway (every mark and outcome write is fenced by the attempt and its lease).
import { renewLease, type Db } from "@qiao/db";
import type { Logger } from "./context";

export class AttemptLease {
  private timer: NodeJS.Timeout | undefined;
  private renewing = false;
  private lostReason: string | undefined;
  /** The latest `sendBy` a reading of this attempt's lease gave (a renewal, a fence, a mark), epoch ms. */
  private latestSendBy = 0;

  constructor(
    private readonly db: Db,
    readonly runId: string,
    readonly attempt: number,
    readonly leaseMs: number,
    private readonly log: Logger,
    private readonly hostLost?: AbortSignal,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.renew(), Math.max(100, Math.floor(this.leaseMs / 3)));
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Why this attempt may no longer write, or undefined while it owns the run. */
  get lost(): string | undefined {
    if (this.hostLost?.aborted) return "the worker lost the job's lock";
    return this.lostReason;
  }

  /** How long before the lease's end a call must have been sent (the rest is the call's slack). */
  get sendMarginMs(): number {
    return Math.min(2_000, Math.floor(this.leaseMs / 5));
  }

  /** The time by which a call may be sent under a lease read at `at` (this process's clock) with `leaseMsLeft` to run. */
  sendBy(at: number, leaseMsLeft: number): number {
    return at + leaseMsLeft - this.sendMarginMs;
  }

  /**
   * As `sendBy`, and the reading is kept: `sendByNow` is the latest of them. Only readings that
   * found this attempt owning the run may be noted (a renewal that succeeded, a fence of its attempt).
   */
  note(at: number, leaseMsLeft: number): number {
    const by = this.sendBy(at, leaseMsLeft);
    if (by > this.latestSendBy) this.latestSendBy = by;
    return by;
  }

  /**
   * The time by which a call may be sent as this attempt knows its lease now: the latest reading's
   * (`note`; the heartbeat renews it every third of the lease), or 0 (nothing may be sent) once the
   * attempt knows it lost the run. The run's `lease_until` only ever moves later and another attempt
   * parks this one's marks until it plus the wait (parkSending), so a call sent by this time is
   * looked up after, as one sent by the mark's own deadline is (session 23: the Submit and Audit
   * that follow a save, WriteRequest.followUpSendBy).
   */
  get sendByNow(): number {
    return this.lost ? 0 : this.latestSendBy;
  }

  /**
   * Whether that reading still bounds a call at `now`: the lease runs past its half then. Past it,
   * the fence is read again and the lease renewed before the call (the engine's stillToSend).
   */
  fresh(at: number, leaseMsLeft: number, now = Date.now()): boolean {
    return now < at + leaseMsLeft - this.leaseMs / 2;
  }

  private async renew(): Promise<void> {
    if (this.renewing || this.lostReason) return;
    this.renewing = true;
    try {
      const asked = Date.now();
      const renewed = await renewLease(this.db, this.runId, this.attempt, this.leaseMs);
      if (renewed === null) {
        this.lostReason = "the run's lease could not be renewed (another attempt owns the run, or the lease ran out)";
        this.log.warn({ runId: this.runId, attempt: this.attempt }, `attempt lost its lease: ${this.lostReason}`);
      } else this.note(asked, renewed.leaseMsLeft);
    } catch (error) {
      // The database is unreachable: the lease runs out by itself and the next fence says so.
      this.log.warn({ err: error, runId: this.runId }, "could not renew the attempt's lease");
    } finally {
      this.renewing = false;
    }
  }
}
