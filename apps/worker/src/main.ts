// `npm run -w @qiao/worker start`: the worker process. SIGTERM / SIGINT stop it gracefully (each
// run finishes its batch and is handed back to the queue); a second signal aborts calls in flight.
import { config, exitUnlessProductionReady, prisma, upgradeSecretFormatsOnStart } from "@qiao/db";
import { createLogger } from "./logger";
import { startWorker } from "./worker";

exitUnlessProductionReady("worker");
const log = createLogger(config().LOG_LEVEL);

try {
  const worker = await startWorker({ logger: log });
  // Secrets sealed before v3 become bound to their address (in the background: they open meanwhile),
  // through the process-wide client the worker's scheduling uses already: a client of its own cost
  // the worker ~11 MB more at its peak (Prisma's query compiler instantiated twice; session 36).
  void upgradeSecretFormatsOnStart(prisma(), log);
  let signals = 0;
  const stop = (signal: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      log.info({ signal }, "shutting down: finishing the current batches, then handing the runs back to the queue");
      worker.close().then(
        () => process.exit(0),
        (error: unknown) => {
          log.error({ err: error }, "error while shutting down");
          process.exit(1);
        },
      );
      return;
    }
    log.warn({ signal }, "second signal: aborting calls in flight (their records are looked up before anything is resent)");
    worker.abort();
    setTimeout(() => process.exit(1), 3_000).unref();
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
} catch (error) {
  log.fatal({ err: error }, "the worker could not start");
  process.exit(1);
}
