// The caller's abort signals as the clients use them. A run's signal often reaches a client twice
// (as the connection's and as the call's); AbortSignal.any of it and itself cost ~15 µs and stays
// registered with its source until collected, three or so per call (issue #16).

/** The distinct signals given, in order. */
export function distinctSignals(...signals: (AbortSignal | undefined)[]): AbortSignal[] {
  const distinct: AbortSignal[] = [];
  for (const signal of signals) if (signal && !distinct.includes(signal)) distinct.push(signal);
  return distinct;
}

/** A signal that aborts when any of `signals` does (with its reason): the one itself when there is one. */
export function anySignal(signals: AbortSignal[]): AbortSignal | undefined {
  return signals.length === 0 ? undefined : signals.length === 1 ? signals[0] : AbortSignal.any(signals);
}
