/**
 * A clock that starts at `now` and moves on with real time: `now` plus the time since this call.
 * For a loop that decides by one `now` (a maintenance tick's, or a test's chosen instant) but claims
 * things under leases as it goes: each claim's lease starts when the claim is made, however long
 * the steps before it took, and a test's chosen instant still drives every decision.
 */
export function clockFrom(now: Date): () => Date {
  const started = performance.now();
  return () => new Date(now.getTime() + (performance.now() - started));
}
