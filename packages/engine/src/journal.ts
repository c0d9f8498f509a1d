// A run's log: each line goes to the run's RunLog (a message code and parameters, rendered in the
// reader's language) and to the process log (pino, English, carrying runId).
//
// RunLog rows are written in the background, in order, several lines per statement: a line per
// page and per batch must not add a database round trip to every page and batch of a large run.
// `flush()` waits for them; the engine flushes before a run is finished or handed back, so a
// client that stops polling the log once the run is done has seen every line.
import { render, type Message } from "@qiao/core";
import { appendRunLog, type Db, type RunLogLine } from "@qiao/db";
import type { Logger } from "./context";

export class RunJournal {
  private buffer: RunLogLine[] = [];
  private writing: Promise<void> | undefined;
  private failure: unknown;

  constructor(
    private readonly db: Db,
    private readonly runId: string,
    readonly logger: Logger,
  ) {}

  /** Resolves at once; the line is stored in the background (see `flush`). */
  info(message: Message, data?: Record<string, unknown>): Promise<void> {
    return this.write("info", message, data);
  }

  warn(message: Message, data?: Record<string, unknown>): Promise<void> {
    return this.write("warn", message, data);
  }

  error(message: Message, data?: Record<string, unknown>): Promise<void> {
    return this.write("error", message, data);
  }

  /** Waits until every line so far is stored; throws if storing one failed. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.failure !== undefined) {
      const failure = this.failure;
      this.failure = undefined;
      throw failure;
    }
  }

  private write(level: RunLogLine["level"], message: Message, data?: Record<string, unknown>): Promise<void> {
    this.logger[level](data ?? {}, render(message, "en"));
    this.buffer.push({ level, message, ...(data && { data }) });
    this.writing ??= this.drain();
    return Promise.resolve();
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
