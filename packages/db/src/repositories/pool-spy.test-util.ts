// For tests: the statements some work sends through pg's pools (the engine's and Prisma's), with the
// pool each went through, while the statements still run.
import pg from "pg";
import { vi } from "vitest";

export interface SentStatement {
  pool: pg.Pool;
  /** Set for a named (prepared) statement: hotQuery's. */
  name?: string;
  text: string;
  values: unknown[];
}

/** Runs `work` and returns every statement it sent through a pg pool, in order. */
export async function statementsSent(work: () => Promise<unknown>): Promise<SentStatement[]> {
  const sent: SentStatement[] = [];
  const query = pg.Pool.prototype.query;
  vi.spyOn(pg.Pool.prototype, "query").mockImplementation(function (this: pg.Pool, ...args: unknown[]) {
    const [first, second] = args as [string | { name?: string; text?: string; values?: unknown[] } | undefined, unknown];
    if (typeof first === "string") sent.push({ pool: this, text: first, values: Array.isArray(second) ? second : [] });
    else if (first) sent.push({ pool: this, name: first.name, text: first.text ?? "", values: first.values ?? [] });
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query);
  try {
    await work();
  } finally {
    vi.restoreAllMocks();
  }
  return sent;
}
