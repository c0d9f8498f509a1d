// Child processes of a benchmark (simulators, web, workers): each in its own process group so that
// stopping it stops what it started and nothing else, its output in a log file, and /proc readings
// (peak RSS, CPU seconds) by pid.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

export interface Child {
  name: string;
  pid: number;
  logFile: string;
  /** Resolves with the exit code (or signal) once the process is gone. */
  exited: Promise<string>;
  /** Resolves when a line of its output matches (rejects if it exits first or `ms` pass). */
  waitForLine(pattern: RegExp, ms: number): Promise<void>;
  /** SIGTERM to its process group, SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  logDir: string;
}

export function spawnChild(name: string, command: string, args: string[], opts: SpawnOptions): Child {
  const logFile = join(opts.logDir, `${name}.log`);
  const log = createWriteStream(logFile);
  const proc: ChildProcess = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  if (proc.pid === undefined) throw new Error(`could not start ${name} (${command})`);
  const pid = proc.pid;
  const watchers = new Set<{ pattern: RegExp; resolve: () => void }>();
  let tail = "";
  const onData = (chunk: Buffer) => {
    log.write(chunk);
    if (watchers.size === 0) return;
    tail = (tail + chunk.toString("utf8")).slice(-65_536);
    for (const w of watchers) {
      if (w.pattern.test(tail)) {
        watchers.delete(w);
        w.resolve();
      }
    }
  };
  proc.stdout?.on("data", onData);
  proc.stderr?.on("data", onData);
  const exited = new Promise<string>((resolve) => {
    proc.on("exit", (code, signal) => {
      log.end();
      resolve(signal ?? String(code));
    });
  });
  let gone = false;
  void exited.then(() => (gone = true));

  return {
    name,
    pid,
    logFile,
    exited,
    waitForLine(pattern, ms) {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${name} did not print ${pattern} within ${ms / 1000} s (see ${logFile})`)), ms);
        const watcher = {
          pattern,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
        watchers.add(watcher);
        void exited.then((how) => {
          if (!watchers.has(watcher)) return;
          watchers.delete(watcher);
          clearTimeout(timer);
          reject(new Error(`${name} exited (${how}) before it was ready (see ${logFile})`));
        });
      });
    },
    async stop(graceMs = 15_000) {
      if (gone) return;
      signalGroup(pid, "SIGTERM");
      const killer = setTimeout(() => signalGroup(pid, "SIGKILL"), graceMs);
      await exited;
      clearTimeout(killer);
      // Whatever it started in its group (e.g. npx → node) goes with it.
      signalGroup(pid, "SIGKILL");
    },
  };
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** Runs a command to its end; rejects with the tail of its output if it fails. */
export async function runToEnd(name: string, command: string, args: string[], opts: SpawnOptions): Promise<void> {
  const child = spawnChild(name, command, args, opts);
  const how = await child.exited;
  if (how !== "0") {
    const text = readFileSync(child.logFile, "utf8");
    throw new Error(`${name} failed (${how}):\n${text.slice(-3000)}`);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function waitUntil(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what} was not ready within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// ---------------------------------------------------------------------------------------
// /proc readings (Linux)

/** A `kB` line of /proc/<pid>/status in MB, or undefined once the process is gone. */
export function statusMb(pid: number, field: "VmRSS" | "VmHWM"): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** User + system CPU seconds of a process so far (clock ticks of 1/100 s, as on every Linux we run). */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may contain spaces) start at state = field 3.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Samples VmRSS of some pids until stopped; peak per pid (VmHWM is read as well, as a cross-check). */
export class RssSampler {
  private readonly peaks = new Map<number, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pids: number[],
    everyMs = 200,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  private sample(): void {
    for (const pid of this.pids) {
      const rss = statusMb(pid, "VmRSS");
      if (rss !== undefined) this.peaks.set(pid, Math.max(this.peaks.get(pid) ?? 0, rss));
    }
  }

  /** Peak sampled VmRSS per pid (MB). */
  stop(): Map<number, number> {
    this.sample();
    clearInterval(this.timer);
    return this.peaks;
  }
}
