import { LOG_REDACTION } from "@qiao/db";
import { pino, symbols } from "pino";
import { expect, test } from "vitest";
import { createLogger, withPlainValuesUnredacted } from "./logger";

test("the worker log redacts secrets, authorization headers and cookies", () => {
  let out = "";
  const log = createLogger("info", { write: (line: string) => void (out += line) });
  log.error({ err: { config: { headers: { authorization: "Basic worker-basic" } } }, connection: { appSecret: "worker-app-secret" }, cookie: "kdservice-sessionid=worker-session" }, "call failed");
  expect(out).toContain('"msg":"call failed"');
  for (const secret of ["worker-basic", "worker-app-secret", "worker-session"]) expect(out).not.toContain(secret);
});

/** Lines of the worker's logger and of a plain pino logger with the same redaction, time left out. */
function bothLoggers() {
  const outs = { worker: [] as string[], plain: [] as string[] };
  const worker = createLogger("info", { write: (line: string) => void outs.worker.push(line) }).child({ runId: "r1", attempt: 2 });
  const plain = pino({ level: "info", base: { service: "worker" }, redact: LOG_REDACTION }, { write: (line: string) => void outs.plain.push(line) }).child({ runId: "r1", attempt: 2 });
  const lines = (which: "worker" | "plain") => outs[which].map((l) => l.replace(/"time":\d+,/, ""));
  return { worker, plain, lines };
}

test("writes every line as pino's redaction does, plain values and objects, secrets at any depth", () => {
  const { worker, plain, lines } = bothLoggers();
  const objects: Record<string, unknown>[] = [
    { batch: 12, written: 100, failed: 0, unknown: 0, saved: 0, ok: true, note: 'q"uote\\ 中文\n', missing: undefined, nan: Number.NaN, nothing: null },
    { password: "top-secret", token: 42, cookie: true, connection: { appSecret: "nested-secret", name: "金蝶" }, list: [{ authorization: "x-secret" }, 1, "s"] },
    { err: new Error("boom"), big: 10n, when: new Date(0) },
  ];
  for (const o of objects) {
    worker.info(o, "line");
    plain.info(o, "line");
  }
  worker.warn("just a message");
  plain.warn("just a message");
  expect(lines("worker")).toEqual(lines("plain"));
  const all = lines("worker").join("");
  for (const secret of ["top-secret", "nested-secret", "x-secret"]) expect(all).not.toContain(secret);
  expect(all).toContain('"token":"[redacted]"');
});

test("does not run the wildcard redaction over a line's strings, numbers and booleans, only over its objects", () => {
  const log = pino({ level: "info", redact: LOG_REDACTION }, { write: () => undefined });
  const stringifiers = (log as unknown as Record<symbol, Record<symbol, (value: unknown, safe?: unknown) => string>>)[symbols.stringifiersSym]!;
  const redactor = stringifiers[symbols.wildcardFirstSym]!;
  let calls = 0;
  stringifiers[symbols.wildcardFirstSym] = (value, safe) => {
    calls++;
    return redactor(value, safe);
  };
  const child = withPlainValuesUnredacted(log).child({ runId: "r1" });
  child.info({ batch: 3, written: 100, firstError: "无", ok: false }, "Batch 3: 100 written");
  expect(calls).toBe(0);
  child.info({ batch: 4, detail: { password: "p" } }, "with an object");
  expect(calls).toBe(1);
});
