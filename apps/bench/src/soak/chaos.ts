// What the soak does to the world between runs: new and modified shops at the source, random faults
// in both simulators. Seeded, so a failing soak can be repeated (`--seed`).
import { GUANYI_NO_FAULTS, type GuanyiFaults, type GuanyiSimulator, type KingdeeFaults, type KingdeeSimulator } from "@qiao/simulators";

export class Chaos {
  private added = 0;
  readonly counts = { added: 0, modified: 0, blanked: 0, faultChanges: 0 };

  constructor(
    readonly random: () => number,
    private readonly guanyi: GuanyiSimulator,
    private readonly kingdee: KingdeeSimulator,
  ) {}

  pick<T>(options: readonly T[]): T {
    return options[Math.floor(this.random() * options.length)]!;
  }

  chance(p: number): boolean {
    return this.random() < p;
  }

  /** A few new shops and a few changed ones; now and then a shop whose name no mapping can write. */
  churnShops(): void {
    const adds = Math.floor(this.random() * 5);
    if (adds > 0) {
      this.guanyi.addShops(
        Array.from({ length: adds }, () => {
          const n = ++this.added;
          return { code: `SOAK${String(n).padStart(5, "0")}`, name: `浸泡测试店铺 ${n}`, note: this.chance(0.3) ? `第 ${n} 家` : "" };
        }),
      );
      this.counts.added += adds;
    }
    const size = this.guanyi.state.shops.size;
    const mods = Math.floor(this.random() * 5);
    for (let i = 0; i < mods; i++) {
      const index = Math.floor(this.random() * size);
      const shop = this.guanyi.state.shops.get(index);
      const blank = this.chance(0.04);
      this.guanyi.modifyShops([{ id: shop.id, set: blank ? { name: "   " } : { name: `${shop.name.trim() || "改名店铺"}·${this.counts.modified + 1}` } }]);
      this.counts.modified++;
      if (blank) this.counts.blanked++;
    }
  }

  /** New fault settings for both simulators (often mild, sometimes nasty). */
  shuffleFaults(): { kingdee: KingdeeFaults; guanyi: GuanyiFaults } {
    this.counts.faultChanges++;
    const kingdee = this.kingdee.setFaults({
      errorRate: this.pick([0, 0, 0.05, 0.1, 0.2]),
      errorAfterCommit: this.chance(0.5),
      dropRate: this.pick([0, 0.02, 0.05]),
      sessionExpiryEvery: this.pick([0, 20, 50]),
      throttleRate: this.pick([0, 0, 0.05]),
      latencyMs: this.pick([0, 0, 20, 100]),
      // A save that commits after the worker gave up on it (WORKER_CONNECTOR_TIMEOUT_MS in the soak):
      // an unknown outcome, looked up after QIAO_UNKNOWN_OUTCOME_WAIT_S, which outlasts it.
      slowCommitEvery: this.pick([0, 0, 7, 15]),
      slowCommitMs: this.pick([3_000, 5_000]),
    });
    const guanyi = this.guanyi.setFaults({
      errorRate: this.pick([0, 0, 0.05, 0.15]),
      qps: this.pick([0, 0, 5, 20]),
      dropRate: this.pick([0, 0.03]),
      malformedOnce: this.chance(0.2),
      latencyMs: this.pick([0, 0, 50]),
    });
    return { kingdee, guanyi };
  }

  heal(): void {
    this.kingdee.setFaults({ errorRate: 0, errorAfterCommit: false, dropRate: 0, sessionExpiryEvery: 0, throttleRate: 0, latencyMs: 0, slowCommitEvery: 0 });
    this.guanyi.setFaults(GUANYI_NO_FAULTS);
  }
}
