// A run's log: each line goes to the run's RunLog (what the UI shows, zh-CN with the English text
// in data.messageEn) and to the process log (pino, English, carrying runId).
import { appendRunLog, type Db, type RunLogLine } from "@qiao/db";
import type { Logger } from "./context";
import type { PhaseClock } from "./timings";

export class RunJournal {
  constructor(
    private readonly db: Db,
    private readonly runId: string,
    readonly logger: Logger,
    private readonly clock?: PhaseClock,
  ) {}

  info(message: string, messageEn: string, data?: Record<string, unknown>): Promise<void> {
    return this.write("info", message, messageEn, data);
  }

  warn(message: string, messageEn: string, data?: Record<string, unknown>): Promise<void> {
    return this.write("warn", message, messageEn, data);
  }

  error(message: string, messageEn: string, data?: Record<string, unknown>): Promise<void> {
    return this.write("error", message, messageEn, data);
  }

  private async write(level: RunLogLine["level"], message: string, messageEn: string, data?: Record<string, unknown>): Promise<void> {
    this.logger[level](data ?? {}, messageEn);
    const line = { level, message, data: { ...data, messageEn } };
    await (this.clock ? this.clock.time("journal", () => appendRunLog(this.db, this.runId, line)) : appendRunLog(this.db, this.runId, line));
  }
}
