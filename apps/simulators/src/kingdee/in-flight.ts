// Service calls in flight per 数据中心 (acctID): how many now and the most at once. The platform
// bounds its concurrent calls per connection (issue #16); tests read the maximum here to assert
// that a cap C was never exceeded, whatever the client believes it did.

export interface InFlightCounts {
  /** Calls being processed now (between reading the request and answering it). */
  current: number;
  /** The most at once since the simulator started or the counters were reset. */
  max: number;
}

export class InFlight {
  private readonly centers = new Map<string, InFlightCounts>();

  /** A call for this data center arrived; returns the function that marks it answered (call once). */
  enter(acctId: string): () => void {
    let counts = this.centers.get(acctId);
    if (!counts) this.centers.set(acctId, (counts = { current: 0, max: 0 }));
    counts.current++;
    counts.max = Math.max(counts.max, counts.current);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      counts.current--;
    };
  }

  /** Per data center, a copy. */
  snapshot(): Record<string, InFlightCounts> {
    return Object.fromEntries([...this.centers].map(([acctId, c]) => [acctId, { ...c }]));
  }

  /**
   * Starts a new measurement: each maximum becomes what is in flight now (calls still being
   * answered keep counting down correctly); data centers with nothing in flight are forgotten.
   */
  resetMax(): void {
    for (const [acctId, counts] of this.centers) {
      if (counts.current === 0) this.centers.delete(acctId);
      else counts.max = counts.current;
    }
  }
}
