// Test support for the worker's integration tests: worker processes spawned as in production.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const WORKER_DIR = fileURLToPath(new URL("..", import.meta.url));

export interface WorkerProcess {
  child: ChildProcess;
  /** Every stdout line so far (pino JSON). */
  lines: string[];
  /** Resolves when a line containing `text` was printed. */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  exited: Promise<number | null>;
}

/**
 * `src/main.ts` in its own Node process with tsx as a loader (not the tsx CLI, which would put
 * the worker in a grandchild that a SIGKILL of the child would not reach).
 */
export function spawnWorker(env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: WORKER_DIR,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const waiters: { text: string; resolve: () => void }[] = [];
  let buffered = "";
  const onData = (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split("\n");
    buffered = parts.pop() ?? "";
    for (const line of parts) {
      lines.push(line);
      for (const w of waiters.filter((w) => line.includes(w.text))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    lines,
    exited,
    waitFor(text, timeoutMs = 20_000) {
      if (lines.some((l) => l.includes(text))) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`worker did not print "${text}" in ${timeoutMs} ms:\n${lines.join("\n")}`)), timeoutMs);
        waiters.push({
          text,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
        void exited.then(() => reject(new Error(`worker exited before printing "${text}":\n${lines.join("\n")}`)));
      });
    },
  };
}
