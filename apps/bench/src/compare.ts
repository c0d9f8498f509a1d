// `npm run bench:compare -- <ref> [--pairs 3] [-- <bench options>]`: this checkout against another
// commit, the 100,000-shop benchmark (`--skip-scale`) run alternately in pairs, and a table of each
// side's values, medians and the median of the pairs' differences (./report-compare.ts). On a
// machine whose speed moves from one run to the next (and whose host changes between sessions), only
// numbers measured in the same window compare (docs/performance.md, "How it is measured").
//
// The other commit is checked out once in a git worktree under the system's temp directory
// (`qiao-compare-<sha>`, kept for the next comparison), installed from npm's cache only
// (`npm ci --offline`: a benchmark sends nothing beyond this machine) and built by its own first run.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { formatComparison, metricsOf, summarizePairs, type ComparePair, type CompareMetrics } from "./report-compare";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const RESULTS_DIR = fileURLToPath(new URL("../results", import.meta.url));
const USAGE = `npm run bench:compare -- <git ref> [--pairs N] [-- <bench options>]

Runs \`npm run bench -- --skip-scale <bench options>\` in this checkout and in a worktree of <git ref>,
alternately, N times each (default 3), and prints each side's values, medians and the median of the
pairs' differences. Example: npm run bench:compare -- 05e58ea --pairs 3 -- --skip-floor`;

const say = (line: string) => console.error(`[compare] ${line}`);

function git(args: string[], cwd = ROOT): string {
  return execFileSync("git", args, { cwd, encoding: "utf8" }).trim();
}

function run(command: string, args: string[], cwd: string): void {
  execFileSync(command, args, { cwd, stdio: ["ignore", "inherit", "inherit"] });
}

/** The worktree of `sha`, created, installed (from npm's cache only) and generated the first time. */
function worktreeOf(sha: string): string {
  const dir = join(tmpdir(), `qiao-compare-${sha.slice(0, 12)}`);
  if (!existsSync(join(dir, "package.json"))) {
    say(`checking out ${sha.slice(0, 12)} in ${dir}`);
    git(["worktree", "add", "--detach", dir, sha]);
  }
  if (!existsSync(join(dir, "node_modules"))) {
    say("installing its dependencies from npm's cache (npm ci --offline)");
    run("npm", ["ci", "--offline", "--no-audit", "--no-fund"], dir);
  }
  // A fixed commit's schema: generated once, with the worktree, not again for every comparison.
  if (!existsSync(join(dir, "packages/db/generated"))) {
    say("generating its Prisma client");
    run("npm", ["run", "-s", "db:generate"], dir);
  }
  return dir;
}

/** One benchmark run in `dir`; its numbers from the result JSON it names on its last line. */
async function benchIn(dir: string, options: string[]): Promise<CompareMetrics> {
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn("npm", ["run", "-s", "bench", "--", "--skip-scale", ...options], { cwd: dir, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`the benchmark in ${dir} exited with ${code}`))));
  });
  const file = /^JSON: (.+)$/m.exec(output)?.[1];
  if (!file) throw new Error(`the benchmark in ${dir} named no result file`);
  return metricsOf(JSON.parse(readFileSync(file.trim(), "utf8")));
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { pairs: { type: "string", default: "3" }, help: { type: "boolean", default: false } },
  });
  if (values.help || positionals.length === 0) {
    console.log(USAGE);
    process.exit(values.help ? 0 : 2);
  }
  const [ref, ...benchOptions] = positionals;
  const pairs = Number(values.pairs);
  if (!Number.isInteger(pairs) || pairs < 1) throw new Error(`--pairs must be a whole number, at least 1 (got ${values.pairs})`);
  const baseSha = git(["rev-parse", "--verify", `${ref}^{commit}`]);
  const headSha = git(["rev-parse", "HEAD"]);
  const dirty = git(["status", "--porcelain", "--untracked-files=no"]) !== "";
  const baseLabel = baseSha.slice(0, 7);
  const headLabel = `${headSha.slice(0, 7)}${dirty ? "+dirty" : ""}`;
  const baseDir = worktreeOf(baseSha);

  const results: ComparePair[] = [];
  for (let i = 0; i < pairs; i++) {
    // Each side builds on its first run; the order alternates, so a drift of the machine during
    // the comparison falls on both sides alike.
    const options = i === 0 ? benchOptions : ["--skip-build", ...benchOptions.filter((o) => o !== "--skip-build")];
    const order: ("base" | "head")[] = i % 2 === 0 ? ["base", "head"] : ["head", "base"];
    const pair: Partial<ComparePair> = {};
    for (const side of order) {
      say(`pair ${i + 1} of ${pairs}: ${side === "base" ? baseLabel : headLabel}`);
      pair[side] = await benchIn(side === "base" ? baseDir : ROOT, options);
    }
    results.push(pair as ComparePair);
  }

  const rows = summarizePairs(results);
  console.log(`\nbench:compare · ${baseLabel} (base) against ${headLabel} · ${pairs} pair${pairs === 1 ? "" : "s"}, alternating · options: --skip-scale ${benchOptions.join(" ")}\n`);
  console.log(formatComparison(baseLabel, headLabel, rows));
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `compare-${new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19)}Z.json`);
  writeFileSync(file, `${JSON.stringify({ base: { ref, sha: baseSha }, head: { sha: headSha, dirty }, options: benchOptions, pairs: results, rows }, null, 2)}\n`);
  console.log(`\nJSON: ${file}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
