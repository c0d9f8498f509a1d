// A run's log: each line goes to the run's RunLog (a message code and parameters, rendered in the
// reader's language) and to the process log (pino, English, carrying runId).
//
// A run's progress lines (a line per page read, per batch written without a problem) are the run
// log's business: the process log gets them at debug, not info. At info they were a line per 50
// records in the worker's stdout (2,000 for 100,000 shops: ~7 % of the worker's CPU, and as much
// again in whatever collects the output), saying what the run page already shows. Warnings,
// errors and the run's start and end stay at their level. LOG_LEVEL=debug shows them all.
//
// RunLog rows are written in the background, in order, several lines per statement: a line per
// page and per batch must not add a database round trip to every page and batch of a large run.
// Lines are gathered for up to LINGER_MS before they go (one statement per line arrived one at a
// time otherwise: 2,000 statements for 100,000 records, 2 µs of Postgres CPU per record, issue #16).
// `flush()` waits for them; the engine flushes before a run is finished or handed back, so a
// client that stops polling the log once the run is done has seen every line.
import { render, type Message } from "@qiao/core";
import { appendRunLog, type Db, type RunLogLine } from "@qiao/db";
import type { Logger } from "./context";

/** How long a line waits for more before they are stored together (flush stores at once). */
const LINGER_MS = 100;

export class RunJournal {
  private buffer: RunLogLine[] = [];
  private writing: Promise<void> | undefined;
  private lingering: NodeJS.Timeout | undefined;
  private failure: unknown;

  /**
   * `attempt`: the attempt writing (executeRun's journal), which fences its closing lines (`ending`).
   */
  constructor(
    private readonly db: Db,
    private readonly runId: string,
    readonly logger: Logger,
    private readonly attempt?: number,
  ) {}

  /** Resolves at once; the line is stored in the background (see `flush`). */
  info(message: Message, data?: Record<string, unknown>): Promise<void> {
    return this.write("info", message, data);
  }

  /** An info line of the run's log that the process log takes at debug: a page read, a batch written. */
  progress(message: Message, data?: Record<string, unknown>): Promise<void> {
    return this.write("info", message, data, "debug");
  }

  warn(message: Message, data?: Record<string, unknown>): Promise<void> {
    return this.write("warn", message, data);
  }

  error(message: Message, data?: Record<string, unknown>): Promise<void> {
    return this.write("error", message, data);
  }

  /**
   * A line that says how the attempt ends (运行失败, 运行结束, handed back, cancelled, waiting): the
   * lines before it are stored as they are, then it is stored only while this attempt is the run's
   * latest (appendRunLog's fence; session 33's audit). An attempt taken over ends without a word in
   * the log of the run another attempt goes on with (its 运行失败 on a run the other finished said the
   * run failed), while what it did before, its progress and parked records, stays in the log.
   */
  async ending(level: RunLogLine["level"], message: Message, data?: Record<string, unknown>): Promise<void> {
    await this.flush();
    if (this.logger.isLevelEnabled(level)) this.logger[level](data ?? {}, render(message, "en"));
    await appendRunLog(this.db, this.runId, { level, message, ...(data && { data }) }, this.attempt);
  }

  /** Waits until every line so far is stored; throws if storing one failed. */
  async flush(): Promise<void> {
    this.store();
    while (this.writing) await this.writing;
    if (this.failure !== undefined) {
      const failure = this.failure;
      this.failure = undefined;
      throw failure;
    }
  }

  private write(level: RunLogLine["level"], message: Message, data?: Record<string, unknown>, processLevel: RunLogLine["level"] = level): Promise<void> {
    // Rendered only if the process log takes the level (render is most of a line's cost).
    if (this.logger.isLevelEnabled(processLevel)) this.logger[processLevel](data ?? {}, render(message, "en"));
    this.buffer.push({ level, message, ...(data && { data }) });
    // A drain in progress takes this line too; otherwise it waits a little for company.
    if (!this.writing) this.lingering ??= setTimeout(() => this.store(), LINGER_MS);
    return Promise.resolve();
  }

  /** Starts storing the buffered lines now (unless a drain is already at it). */
  private store(): void {
    clearTimeout(this.lingering);
    this.lingering = undefined;
    if (this.buffer.length > 0) this.writing ??= this.drain();
  }

  private async drain(): Promise<void> {
    try {
      while (this.buffer.length > 0) {
        const lines = this.buffer;
        this.buffer = [];
        await appendRunLog(this.db, this.runId, lines);
      }
    } catch (error) {
      this.failure ??= error;
    } finally {
      this.writing = undefined;
    }
  }
}
