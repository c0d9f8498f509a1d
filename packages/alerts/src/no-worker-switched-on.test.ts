// A no_worker rule remembers the shortfall it alerted in its window's condition (`workers-below:<n>`),
// cleared by checkWorkersAlive when it sees enough workers, which evaluates enabled rules only. A
// rule switched on again forgets what it remembered (updateAlertRule), so an outage that began while
// it was off is alerted once. Failed before session 25 (its audit): the new outage was taken for the
// one alerted before the rule was muted, and never alerted.
import { createAlertChannel, createAlertRule, updateAlertRule } from "@qiao/db";
import { DEFAULT_ALERT_RECEIVER_CONFIG as SIM } from "@qiao/simulators";
import { afterAll, beforeAll, expect, test } from "vitest";
import { checkWorkersAlive } from "./alerts";
import { openAlertTestBed, type AlertTestBed } from "./testing/fixtures";

let bed: AlertTestBed;
let channelId: string;

beforeAll(async () => {
  bed = await openAlertTestBed("no-worker-on");
  const channel = await createAlertChannel(bed.db, {
    kind: "dingtalk",
    name: "运维群",
    settings: { msgtype: "markdown" },
    secrets: { url: `${bed.receiverUrl}/robot/send?access_token=${SIM.dingtalkToken}`, secret: SIM.dingtalkSecret },
  });
  channelId = channel.id;
});
afterAll(() => bed?.close());

test("no_worker: an outage that starts while the rule is switched off is alerted once the rule is switched on again", async () => {
  const rule = await createAlertRule(bed.db, { name: "worker 不足", kind: "no_worker", schemeId: null, threshold: 2, channelIds: [channelId] });
  const t0 = Date.now();
  // Outage 1: alerted on the second tick.
  expect(await checkWorkersAlive(bed.deps, 1, new Date(t0))).toEqual([]);
  expect(await checkWorkersAlive(bed.deps, 1, new Date(t0 + 60_000))).toHaveLength(1);

  // Someone mutes the rule while fixing it; the workers come back (ticks evaluate no disabled rule).
  await updateAlertRule(bed.db, rule.id, { enabled: false });
  expect(await checkWorkersAlive(bed.deps, 2, new Date(t0 + 10 * 60_000))).toEqual([]);

  // A day later, a new outage; the rule is switched back on during it.
  const t1 = t0 + 86_400_000;
  expect(await checkWorkersAlive(bed.deps, 1, new Date(t1))).toEqual([]);
  await updateAlertRule(bed.db, rule.id, { enabled: true });
  const ticks = [];
  for (let i = 1; i <= 5; i++) ticks.push(...(await checkWorkersAlive(bed.deps, 1, new Date(t1 + i * 60_000))));
  // The new outage is alerted (once).
  expect(ticks).toHaveLength(1);
  expect(bed.receiver.inbox.summary("dingtalk").alerts).toHaveLength(2);
});
