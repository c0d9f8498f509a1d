// The web process's run queue when Redis does not answer, for route tests of what a person is told
// then (`vi.mock("@/server/queue", async () => (await import("@/server/testing/queue-down")).queueDown())`).
// Every other route test uses the real queue on the bed's own Redis key prefix.

/** A `@/server/queue` module whose every queue call fails as ioredis fails with Redis down. */
export function queueDown(message = "connect ECONNREFUSED 127.0.0.1:6379") {
  const refused = () => Promise.reject(new Error(message));
  const queue = {
    upsertJobScheduler: refused,
    removeJobScheduler: refused,
    getJobScheduler: refused,
    getJobSchedulers: refused,
    getJob: refused,
    add: refused,
    on: () => queue,
    close: () => Promise.resolve(),
  };
  return { runQueue: () => queue };
}
