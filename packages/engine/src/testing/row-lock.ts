// A staging row held by another session, so that a mark (markSending) reaching it waits after its
// snapshot was taken: what the tests of a takeover or a cancellation during a mark hold it with.
import type { Db } from "@qiao/db";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Locks staging row `id` (FOR UPDATE) in a transaction of its own until `release()` resolves it. */
export async function holdStagingRow(db: Db, id: bigint): Promise<{ release(): Promise<void> }> {
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  const holding = db.$transaction(
    async (tx) => {
      await tx.$queryRaw`SELECT id FROM source_records WHERE id = ${id} FOR UPDATE`;
      await released;
    },
    { timeout: 60_000 },
  );
  await sleep(100);
  return {
    async release() {
      release();
      await holding;
    },
  };
}

/** Marks waiting for a row lock now (their text as pg_stat_activity keeps it: the first 1,024 bytes). */
export async function marksWaitingForLocks(db: Db): Promise<number> {
  const rows = await db.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM pg_stat_activity
    WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%-- The batch in order%'`;
  return rows[0]!.n;
}
