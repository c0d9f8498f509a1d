// Work the engine starts now and awaits later (pipelined pages and batches).

/** Marks a promise handled (it is awaited later) so that its failure is not reported as unhandled meanwhile. */
export function later<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}
