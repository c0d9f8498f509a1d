// `npm run bench:statements`: the Postgres CPU per record of the write protocol's three statements per
// page and batch (stagePage of new records, markSending, recordWriteResults), alone: no worker, no ERP,
// no queue. `--batch` sets the page and batch size (a scheme's batchSize: 1–1000). For comparing two versions of a statement back to back (docs/performance.md): the whole
// benchmark's `pg_us_per_record` moves ±10 % from run to run with the machine, this by less, and it
// says which statement moved. A fresh database (dropped afterwards), shop-like records in pages and
// batches of 100, each round a scheme and run of its own; CPU is the backends' on-CPU time from
// /proc/<pid>/schedstat (Linux; nanoseconds, unlike the 10 ms ticks of /proc/<pid>/stat) around each
// statement, Postgres on this machine only.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { claimRun, createPrisma, createRun, finishRun, markSending, recordWriteResults, stagePage, stagingHash, type WriteResult } from "@qiao/db";
import { createTestDatabase } from "@qiao/db/testing";

const { values } = parseArgs({
  options: {
    n: { type: "string", default: "20000" },
    rounds: { type: "string", default: "5" },
    batch: { type: "string", default: "100" },
    // The mark without target numbers to claim (what it cost before target_number_claims).
    "no-numbers": { type: "boolean", default: false },
    // Time a later run's upserts of the records written (changed at the source): an incremental
    // sync's path, each number held already, instead of the first writes.
    rewrite: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(
    "npm run bench:statements -- [--n 20000] [--rounds 5] [--batch 100] [--no-numbers] [--rewrite]   Postgres CPU µs per record of stage, mark and answer" +
      " (--no-numbers: the mark claims no target numbers; --rewrite: time a second run's upserts of the records the first wrote)",
  );
  process.exit(0);
}
const PAGE = Math.floor(Number(values.batch));
if (!Number.isInteger(PAGE) || PAGE < 1 || PAGE > 1000) throw new Error("--batch must be a whole number from 1 to 1000");
const n = Math.max(PAGE, Math.floor(Number(values.n) / PAGE) * PAGE);
const rounds = Math.max(1, Math.floor(Number(values.rounds)));
if (!Number.isFinite(n) || !Number.isFinite(rounds)) throw new Error("--n and --rounds must be numbers");

/** On-CPU µs of the backends `pids` lists (those of the script's own database). */
async function backendsCpuUs(pids: () => Promise<number[]>): Promise<number> {
  let ns = 0;
  for (const pid of await pids()) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // The backend ended meanwhile: its time is not counted on either side of the statement.
    }
  }
  return ns / 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const tdb = await createTestDatabase("stmtbench");
  const db = createPrisma(tdb.url, 2);
  const admin = createPrisma(tdb.url.replace(/\/[^/?]+(\?|$)/, "/postgres$1"), 1);
  const pids = async () => (await admin.$queryRaw<{ pid: number }[]>`SELECT pid FROM pg_stat_activity WHERE datname = ${tdb.name}`).map((r) => r.pid);
  const per = { stage: [] as number[], mark: [] as number[], answer: [] as number[] };
  try {
    for (let round = 0; round < rounds; round++) {
      const scheme = await db.scheme.create({ data: { name: `statements ${round}`, definition: {} } });
      const us = { stage: 0, mark: 0, answer: 0 };
      let timing = false;
      const timed = async <T>(which: keyof typeof us, work: () => Promise<T>): Promise<T> => {
        if (!timing) return work();
        const before = await backendsCpuUs(pids);
        const result = await work();
        us[which] += (await backendsCpuUs(pids)) - before;
        return result;
      };
      // One run over the round's records: staged, marked and answered page by page. `version` 1 is
      // a later run that finds every record changed at the source (a new name) and upserts it.
      const pass = async (version: number) => {
        const mode = version === 0 ? "create" : "upsert";
        const run = await createRun(db, { schemeId: scheme.id, schemeVersion: 1, trigger: "manual" });
        const claimed = await claimRun(db, run.id, new Date());
        if (!claimed.claimed) throw new Error("the run was not claimed");
        const ref = { runId: run.id, attempt: claimed.run.attempt };
        let freshNumbers = false;
        for (let p = 0; p < n / PAGE; p++) {
          const records = Array.from({ length: PAGE }, (_, i) => {
            const k = round * n + p * PAGE + i;
            const code = `SHOP${String(k).padStart(7, "0")}`;
            const name = version === 0 ? `店铺 ${k} 旗舰店` : `店铺 ${k} 旗舰店（${version}）`;
            return { sourceId: code, data: { id: k, code, name, nick: `nick-${k}`, type_name: "淘宝", create_date: "2024-01-02 03:04:05", modify_date: "2024-05-06 07:08:09", note: "备注", shop_status: 1 } };
          });
          const texts = records.map((r) =>
            JSON.stringify({ FCreateOrgId: { FNumber: "100" }, FCustTypeId: { FNumber: "KHLB001_SYS" }, FDescription: r.data.note, FName: r.data.name, FNumber: r.sourceId, FShortName: r.data.nick, FUseOrgId: { FNumber: "100" } }),
          );
          const hashes = texts.map((t) => stagingHash("sha256", t));
          const staged = await timed("stage", () =>
            stagePage(db, { schemeId: scheme.id, runId: run.id, attempt: ref.attempt, mode, records, payloadHash: (i) => hashes[i]!, mappingKey: "k", fresh: version === 0 && p > 0, progress: { total: n, fetched: PAGE, skipped: 0 } }),
          );
          const index = new Map(records.map((r, i) => [r.sourceId, i]));
          const batchId = `b${round}-${version}-${p}`;
          const sending = staged.pending.map((x) => {
            const i = index.get(x.sourceId)!;
            // The number claimed for the record, as the engine passes it (target_number_claims).
            return { id: x.id, sourceId: x.sourceId, payload: JSON.parse(texts[i]!) as Record<string, unknown>, payloadText: texts[i]!, hash: hashes[i]!, number: values["no-numbers"] ? undefined : x.sourceId };
          });
          if (sending.length !== PAGE) throw new Error(`${sending.length} of ${PAGE} records to send on page ${p} of run ${version + 1}`);
          // The engine's guess (RunScope.numbersFresh): the last mark claimed only new numbers.
          const marked = await timed("mark", () => markSending(db, { ...ref, schemeId: scheme.id, batchId, records: sending, mappingKey: "k", freshNumbers }));
          freshNumbers = marked.numbersNew;
          if (marked.size !== PAGE) throw new Error(`${marked.size} of ${PAGE} records marked on page ${p} of run ${version + 1}`);
          const results: WriteResult[] = sending
            .filter((r) => marked.has(r.id))
            .map((r, i) => ({ id: r.id, hash: r.hash, outcome: "written", targetId: String(100_000 + i), targetNumber: r.sourceId, response: { Id: 100_000 + i, Number: r.sourceId, DIndex: i } }));
          await timed("answer", () => recordWriteResults(db, { ...ref, batchId, mode, results, unknownWaitMs: 60_000, retryBackoffMs: [] }));
        }
        await finishRun(db, run.id, ref.attempt, { status: "succeeded" });
      };
      timing = !values.rewrite;
      await pass(0);
      if (values.rewrite) {
        timing = true;
        await pass(1);
      }
      for (const k of ["stage", "mark", "answer"] as const) per[k].push(us[k] / n);
      console.log(`round ${round + 1}: stage ${(us.stage / n).toFixed(1)}  mark ${(us.mark / n).toFixed(1)}  answer ${(us.answer / n).toFixed(1)}  µs per record`);
    }
    const total = per.stage.map((s, i) => s + per.mark[i]! + per.answer[i]!);
    console.log(
      `median of ${rounds} rounds of ${n} (batches of ${PAGE}): stage ${median(per.stage).toFixed(1)}  mark ${median(per.mark).toFixed(1)}  answer ${median(per.answer).toFixed(1)}  total ${median(total).toFixed(1)} µs of Postgres CPU per record`,
    );
  } finally {
    await db.$disconnect();
    await admin.$disconnect();
    await tdb.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
