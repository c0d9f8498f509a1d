// Runs once when `next start` (or `next dev`) boots, before any request is served.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { exitUnlessProductionReady, prisma, upgradeSecretFormatsOnStart } = await import("@qiao/db");
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
  // Secrets sealed before v3 become bound to their address (in the background: they open meanwhile;
  // a worker starting at the same time re-seals each row once with this, see @qiao/db secrets-upgrade.ts).
  void upgradeSecretFormatsOnStart(prisma(), logger);
}
