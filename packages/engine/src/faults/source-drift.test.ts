// A source whose pages overlap: paging by offset while the data changes (a record inserted or
// modified during the read moves the rest by one), 管易云's page k + 1 starts with page k's last
// record. The record must still be sent once: a batch that spans the two pages holds it twice.
import type { Connector, SourceClient, SourcePage, WriteRequest } from "@qiao/connectors";
import { getConnector } from "@qiao/connectors";
import { afterEach, describe, expect, test } from "vitest";
import { ledgerOf, runToEnd, simulate, sourceConfig, targetConfig, testContext, type Simulated } from "../testing/harness";
import { useTestDb } from "../testing/use-test-db";

const t = useTestDb("drift");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/**
 * 管易云's pages, each after the first starting with the page before's last record again; with
 * `changed`, that copy has a new name (it was modified between the two requests).
 */
function overlappingPages(real: SourceClient, changed: boolean): SourceClient {
  return {
    async *readPages(req) {
      let last: Record<string, unknown> | undefined;
      for await (const page of real.readPages(req)) {
        const again = last && { ...structuredClone(last), ...(changed && { name: `${String(last.name)}（改）` }) };
        const records = again ? [again, ...page.records] : page.records;
        last = page.records.at(-1);
        yield { ...page, records } satisfies SourcePage;
      }
    },
  };
}

/** A context whose 管易云 pages overlap and whose 金蝶 calls are counted per FNumber in `sent`. */
function overlapping(changed: boolean, sent: Map<string, number>) {
  return testContext(t.db, {
    getConnector: (platform): Connector | undefined => {
      const connector = getConnector(platform);
      if (!connector) return connector;
      if (platform === "guanyi" && connector.createSource) {
        const createSource = connector.createSource;
        return { ...connector, createSource: (config) => overlappingPages(createSource(config), changed) };
      }
      if (platform === "kingdee" && connector.createTarget) {
        const createTarget = connector.createTarget;
        return {
          ...connector,
          createTarget: (config) => {
            const real = createTarget(config);
            return {
              ...real,
              write(req: WriteRequest) {
                for (const record of req.records) sent.set(String(record.FNumber), (sent.get(String(record.FNumber)) ?? 0) + 1);
                return real.write(req);
              },
            };
          },
        };
      }
      return connector;
    },
  });
}

describe("pages that overlap", () => {
  test("a record on two pages, in one batch or two, is sent once and written once", async () => {
    sim = await simulate(t.db, { shops: 120, concurrency: 1 });
    // Pages of 10, batches of 25: every batch spans pages, so a repeated record lands in the same
    // batch as its first copy or in the next.
    const scheme = await sim.createScheme((d) => {
      sourceConfig(d).pageSize = 10;
      targetConfig(d).batchSize = 25;
    });
    const sent = new Map<string, number>();
    const ctx = overlapping(false, sent);
    const r = await sim.requestRun(scheme.id, "manual");
    expect((await runToEnd(ctx, r.id)).kind).toBe("finished");
    const run = await t.db.run.findUniqueOrThrow({ where: { id: r.id } });

    expect(run).toMatchObject({ status: "succeeded", written: 120, failed: 0 });
    expect([...sent.values()].filter((n) => n > 1)).toEqual([]);
    expect(sent.size).toBe(120);
    const ledger = await ledgerOf(t.db, sim, scheme.id);
    expect({ lost: ledger.lost, duplicates: ledger.duplicates, duplicateAttempts: ledger.duplicateAttempts }).toEqual({ lost: [], duplicates: [], duplicateAttempts: 0 });
  });

  for (const mode of ["create", "upsert"] as const) {
    test(`${mode} mode: a record changed between two pages is sent with the data staging holds, never the older copy recorded as the newer`, async () => {
      sim = await simulate(t.db, { shops: 120, concurrency: 2 });
      const scheme = await sim.createScheme((d) => {
        sourceConfig(d).pageSize = 10;
        targetConfig(d).batchSize = 25;
        targetConfig(d).mode = mode;
      });
      const sent = new Map<string, number>();
      const r = await sim.requestRun(scheme.id, "manual");
      expect((await runToEnd(overlapping(true, sent), r.id)).kind).toBe("finished");
      expect(await t.db.run.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({ status: "succeeded", failed: 0 });

      const customers = new Map(sim.kingdee.store.list().map((c) => [String(c.FNumber), c]));
      expect(customers.size).toBe(120);
      const staged = await t.db.sourceRecord.findMany({ where: { schemeId: scheme.id } });
      expect(staged).toHaveLength(120);
      for (const row of staged) {
        const name = (row.data as { name: string; code: string }).name;
        const customer = customers.get((row.data as { code: string }).code)!;
        // What 金蝶 holds is what staging holds, or staging says it is not written yet: a create
        // that changed after its write is stale, an upsert's change is written by this same run.
        if (row.status === "written") expect(customer.FName, row.sourceId).toBe(name);
        else expect(row.status, row.sourceId).toBe(mode === "create" ? "stale" : "pending");
      }
      if (mode === "upsert") expect(staged.filter((row) => row.status !== "written").map((row) => ({ s: row.status, d: row.data, sent: sent.get((row.data as { code: string }).code), dh: row.dataHash, ph: row.payloadHash, wh: row.writtenHash }))).toEqual([]);
      else expect([...sent.values()].filter((n) => n > 1)).toEqual([]);
      expect(sim.kingdee.stats().duplicateAttempts).toBe(0);
    });
  }
});
