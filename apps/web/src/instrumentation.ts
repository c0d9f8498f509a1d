// Runs once when `next start` (or `next dev`) boots, before any request is served.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { exitUnlessProductionReady } = await import("@qiao/db");
  exitUnlessProductionReady("web app");
  const { recordPeerAddresses } = await import("./server/client-address");
  recordPeerAddresses();
  // With every worker down, the web app says so (src/server/watchdog.ts).
  const [{ startWatchdog }, { alertDeps }, { runQueue }, { logger }] = await Promise.all([
    import("./server/watchdog"),
    import("./server/alert-channels"),
    import("./server/queue"),
    import("./server/logger"),
  ]);
  startWatchdog(alertDeps, runQueue, logger);
}
