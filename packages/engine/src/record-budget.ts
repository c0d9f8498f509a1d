// How many source records a worker process's runs may hold in memory at once (issue #16: many runs
// per worker). A run holds records in pages fetched and not yet staged and split into batches, and
// in batches taken and not yet recorded; a run that waits for the ERP holds nothing else of size.
// With the budget, a worker can take many runs at once (they mostly wait for a connection's slot)
// and its heap still holds a bounded number of records, however many of them are being written.

/**
 * The process's budget of records, shared by its runs. Only a page about to be fetched waits for
 * room (`acquire`): records already in memory change hands without waiting (`take`), and a run's
 * batch being filled is not counted, so a run waiting for room holds only records that are on their
 * way out (staged, or batches going to the target, which need no room to finish). No run can then
 * wait for room that only another waiting run could free.
 */
export class RecordBudget {
  private used = 0;
  private highWater = 0;
  private readonly queue: { n: number; resolve: () => void }[] = [];

  /** `limit`: records (a page larger than the whole budget waits until the budget is empty). */
  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`A record budget must be a whole number of records, at least 1 (got ${limit})`);
  }

  /** Records held now. */
  get inUse(): number {
    return this.used;
  }

  /** The most records held at once so far. */
  get peak(): number {
    return this.highWater;
  }

  /** Runs waiting for room. */
  get waiting(): number {
    return this.queue.length;
  }

  /**
   * Waits until `n` more records fit; first come, first served (a page is not overtaken by smaller
   * ones). With `signal`, the wait is given up when it aborts (rejected with the signal's reason):
   * nothing is counted, and the waiters behind it go on if they fit now.
   */
  acquire(n: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.queue.length === 0 && this.fits(n)) {
      this.add(n);
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        n,
        resolve: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        const at = this.queue.indexOf(waiter);
        if (at < 0) return;
        this.queue.splice(at, 1);
        reject(signal!.reason);
        this.grant();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.queue.push(waiter);
    });
  }

  /** Counts `n` records that are in memory already, without waiting (they only change hands). */
  take(n: number): void {
    this.add(n);
  }

  release(n: number): void {
    if (n <= 0) return;
    this.used = Math.max(0, this.used - n);
    this.grant();
  }

  /** One run's share: what it holds, given back whole when the run's attempt ends (see BudgetAccount). */
  account(): BudgetAccount {
    return new BudgetAccount(this);
  }

  /** The waiters at the head of the queue that fit now, in order. */
  private grant(): void {
    while (this.queue.length > 0 && this.fits(this.queue[0]!.n)) {
      const next = this.queue.shift()!;
      this.add(next.n);
      next.resolve();
    }
  }

  private fits(n: number): boolean {
    return this.used + n <= this.limit || this.used === 0;
  }

  private add(n: number): void {
    this.used += n;
    this.highWater = Math.max(this.highWater, this.used);
  }
}

/**
 * What one attempt of a run holds of the process's budget. `close` gives back whatever is still
 * held (a page dropped when the run stopped early, a batch that failed): whatever path a run ends
 * by, it leaves nothing counted.
 */
export class BudgetAccount {
  private held = 0;

  constructor(private readonly budget: RecordBudget | undefined) {}

  /** Records this attempt holds now. */
  get holding(): number {
    return this.held;
  }

  /** See RecordBudget.acquire (`signal` gives the wait up). */
  async acquire(n: number, signal?: AbortSignal): Promise<void> {
    if (this.budget) await this.budget.acquire(n, signal);
    else if (signal?.aborted) throw signal.reason;
    this.held += n;
  }

  take(n: number): void {
    this.budget?.take(n);
    this.held += n;
  }

  release(n: number): void {
    const back = Math.min(n, this.held);
    this.held -= back;
    this.budget?.release(back);
  }

  close(): void {
    this.release(this.held);
  }
}

/**
 * `source`'s items, each fetched only once `size` records fit in the account's budget. Items are
 * handed on counted: the consumer releases them (`account.release(size)`) when it is done with one.
 * Once `stop` aborts, no item is fetched any more and a wait for room is given up: the items end
 * (a read stopped while its next page waited for room neither waits on nor fetches that page).
 */
export async function* withinBudget<T>(account: BudgetAccount, source: AsyncIterable<T>, size: number, stop?: AbortSignal): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  try {
    for (;;) {
      if (stop?.aborted) return;
      try {
        await account.acquire(size, stop);
      } catch (error) {
        if (stop?.aborted) return;
        throw error;
      }
      let next: IteratorResult<T>;
      try {
        next = await it.next();
      } catch (error) {
        account.release(size);
        throw error;
      }
      if (next.done) {
        account.release(size);
        return;
      }
      yield next.value;
    }
  } finally {
    await it.return?.(undefined);
  }
}
