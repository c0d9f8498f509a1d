// The floor: the same shops moved by a bare script with the same connector clients, page size and
// batch size — no database, no queue, no staging, no hashing. Records are mapped with @qiao/core's
// mapRecord (the platform cannot skip that either) and written as soon as a batch is full, one call
// at a time like the engine. What the platform adds on top of this is what the ratio measures.
// With `concurrency` C (the latency bench, src/latency.ts) up to C BatchSaves are in flight at once
// while reading goes on, a page at a time, up to max(2, C) batches ahead: the latency-bound floor of
// a run with C concurrent calls.
import { compileScheme, mapRecord, resolveParams, type SchemeDefinition } from "@qiao/core";
import { getConnector } from "@qiao/connectors";
import { outboundPolicy } from "@qiao/db";

export interface FloorInput {
  definition: SchemeDefinition;
  guanyi: { baseUrl: string; credentials: Record<string, unknown> };
  kingdee: { baseUrl: string; credentials: Record<string, unknown> };
  qps: number;
  /** Called with each record the target accepted, as sent (the documents floor counts entry rows). */
  onWritten?: (payload: Record<string, unknown>) => void;
  /**
   * Up to this many writes in flight, reading on meanwhile until max(2, C) full batches wait (the
   * engine's read-ahead); the target connection's concurrency setting should allow as many.
   * Unset: each write is awaited before reading on.
   */
  concurrency?: number;
}

export interface FloorResult {
  records: number;
  written: number;
  failed: number;
  seconds: number;
  recordsPerSecond: number;
  /** Time awaiting Guanyi pages, mapping, and awaiting Kingdee BatchSave (ms). */
  phasesMs: { read: number; map: number; write: number };
}

export async function runFloor(input: FloorInput): Promise<FloorResult> {
  const guanyi = getConnector("guanyi")!;
  const kingdee = getConnector("kingdee")!;
  const def = input.definition;
  const ends = def.nodes.flatMap((n) => (n.type === "filter" ? [] : [n]));
  const ids = ends.map((n) => n.config.connectionId);
  const compiled = compileScheme(def, {
    connections: new Map(ends.map((n) => [n.config.connectionId, { platform: n.config.platform }])),
    connectors: new Map([
      ["guanyi", guanyi.meta],
      ["kingdee", kingdee.meta],
    ]),
  });
  if (!compiled.ok) throw new Error(`the floor's scheme does not compile (${ids.join(", ")}): ${compiled.issues.map((i) => i.messageEn).join("; ")}`);
  const { plan } = compiled;
  // The same policy as the platform's runs (the simulators are on loopback: allowed outside production).
  const outbound = outboundPolicy();
  const source = guanyi.createSource!({ ...input.guanyi, outbound, qps: input.qps });
  const target = kingdee.createTarget!({ ...input.kingdee, outbound, qps: input.qps });
  const vars = { CURRENT_TIME: new Date(), LAST_SYNC_TIME: null, PAGINATION_PAGE_SIZE: plan.source.pageSize, PAGINATION_START_PAGE: 1 };
  const params = resolveParams(plan.source, vars);

  const phasesMs = { read: 0, map: 0, write: 0 };
  let records = 0;
  let written = 0;
  let failed = 0;
  let batch: Record<string, unknown>[] = [];
  const send = async (records: Record<string, unknown>[]) => {
    const t = performance.now();
    const outcomes = await target.write({ api: plan.target.api.id, formId: plan.target.formId, records, options: plan.target.options, mode: plan.target.mode });
    phasesMs.write += performance.now() - t;
    for (const o of outcomes) {
      if (o.ok) {
        written++;
        input.onWritten?.(records[o.index]!);
      } else failed++;
    }
  };
  // Concurrent mode: full batches wait in `ready` and are sent as soon as fewer than C are in
  // flight; the reader reads on until max(2, C) batches are ready, as the engine stages ahead of its
  // writer, so neither side waits for the other while it could work. A failed write is kept and
  // thrown by the reader, never left as an unhandled rejection.
  const limit = input.concurrency ?? 1;
  const readAhead = Math.max(2, limit);
  const ready: Record<string, unknown>[][] = [];
  const inFlight = new Set<Promise<void>>();
  let writeError: { error: unknown } | undefined;
  const settled = () => {
    if (writeError) throw writeError.error;
  };
  const pump = () => {
    while (inFlight.size < limit && ready.length > 0) {
      const call: Promise<void> = send(ready.shift()!)
        .catch((error: unknown) => void (writeError ??= { error }))
        .finally(() => {
          inFlight.delete(call);
          pump();
        });
      inFlight.add(call);
    }
  };
  const flush = async () => {
    const records = batch;
    batch = [];
    if (input.concurrency === undefined) return send(records);
    ready.push(records);
    pump();
    while (ready.length >= readAhead) await Promise.race(inFlight);
    settled();
  };

  const started = performance.now();
  const pages = source.readPages({ api: plan.source.api.id, params, pageSize: plan.source.pageSize, startPage: 1 })[Symbol.asyncIterator]();
  for (;;) {
    const t = performance.now();
    const next = await pages.next();
    phasesMs.read += performance.now() - t;
    if (next.done) break;
    for (const record of next.value.records) {
      records++;
      const m = performance.now();
      const { payload, errors } = mapRecord(plan.target, record, vars, plan.timezone);
      phasesMs.map += performance.now() - m;
      if (errors.length > 0) {
        failed++;
        continue;
      }
      batch.push(payload);
      if (batch.length >= plan.target.batchSize) await flush();
    }
  }
  if (batch.length > 0) await flush();
  while (inFlight.size > 0) await Promise.race(inFlight);
  settled();
  const seconds = (performance.now() - started) / 1000;
  return {
    records,
    written,
    failed,
    seconds,
    recordsPerSecond: records / seconds,
    phasesMs: { read: Math.round(phasesMs.read), map: Math.round(phasesMs.map), write: Math.round(phasesMs.write) },
  };
}
