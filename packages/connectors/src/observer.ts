// A seam for watching ERP calls without the connectors knowing who watches: the host (the worker,
// the web app) passes a CallObserver in ConnectionConfig and learns of every HTTP exchange — its
// platform, service, duration and, if it failed, the ConnectorError kind. The worker turns these
// into Prometheus metrics; the connectors stay free of prom-client.
import { isConnectorError, type ConnectorErrorKind } from "./errors";

export interface CallObservation {
  platform: string;
  /** The platform's name for the call: 管易云's method (gy.erp.shop.get), 金蝶's service (BatchSave). */
  service: string;
  durationMs: number;
  /** Absent when the exchange succeeded; "other" for an error that is not a ConnectorError. */
  error?: ConnectorErrorKind | "other";
}

export interface CallObserver {
  /** Called once per HTTP exchange (each retry is one). Must not throw; its errors are ignored. */
  observe(call: CallObservation): void;
}

/** Runs one exchange and tells `observer` how it went; the exchange's result or error passes through. */
export async function observed<T>(observer: CallObserver | undefined, platform: string, service: string, exchange: () => Promise<T>): Promise<T> {
  if (!observer) return exchange();
  const started = performance.now();
  const tell = (error?: CallObservation["error"]) => {
    try {
      observer.observe({ platform, service, durationMs: performance.now() - started, ...(error && { error }) });
    } catch {
      // Watching must never change a call's outcome.
    }
  };
  try {
    const result = await exchange();
    tell();
    return result;
  } catch (e) {
    tell(isConnectorError(e) ? e.kind : "other");
    throw e;
  }
}
