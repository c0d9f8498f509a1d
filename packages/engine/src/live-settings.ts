// A running run's view of its connections' non-secret settings, read again from the database every
// few seconds (EngineContext.settingsRefreshMs), so that a connection's concurrent calls lowered
// because its ERP is struggling apply to runs already under way, not only to the next ones. The
// connector clients take these through ConnectionConfig.liveSettings; the write phase's calls in
// flight follow the target client's `concurrency`.
//
// Reading is lazy and never waits: a caller gets the settings as last read, and one that finds them
// older than the refresh interval starts one read in the background. A read that fails (the
// database briefly away) or finds the connection gone keeps what was read before; secrets and the
// address are not re-read (a run keeps the ones it was loaded with).
import { connectionSettings, type Db } from "@qiao/db";
import type { Logger } from "./context";

type Settings = Readonly<Record<string, unknown>>;

const asSettings = (value: unknown): Settings | undefined => (value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Settings) : undefined);

export function liveSettings(db: Db, connectionId: string, initial: unknown, refreshMs: number, log: Logger): () => Settings {
  let current: Settings = asSettings(initial) ?? {};
  let readAt = Date.now();
  let reading = false;
  const refresh = async () => {
    try {
      const settings = asSettings(await connectionSettings(db, connectionId));
      if (settings) current = settings;
    } catch (error) {
      log.debug({ connectionId, err: error instanceof Error ? error.message : String(error) }, "could not read the connection's settings again; keeping the last ones");
    } finally {
      readAt = Date.now();
      reading = false;
    }
  };
  return () => {
    if (!reading && Date.now() - readAt >= refreshMs) {
      reading = true;
      void refresh();
    }
    return current;
  };
}
