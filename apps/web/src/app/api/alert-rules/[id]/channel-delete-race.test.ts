// An alert rule saved while one of its channels is being deleted never keeps the deleted channel:
// the save is refused (400 at channelIds) or the delete takes the channel out of it. Session 33's
// audit found PATCH /api/alert-rules/:id checking the channels in a plain read, then writing the rule
// in another statement: deleteAlertChannel's transaction (array_remove from every rule, then DELETE
// the channel) committing in between was undone by the rule's write, the PATCH answered 200, and the
// rule's messages went to nobody. A rule's save now holds its channels in its own transaction
// (lockRuleReferences), and a channel's delete locks the channel before it reads the rules. The other
// side of each race is played by a transaction of the test's own, committed once the request waits.
import { afterAll, beforeAll, expect, it } from "vitest";
import { committingWhileWaiting } from "@/server/testing/racing-commit";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

let bed: RouteBed;
beforeAll(async () => {
  bed = await openRouteBed("rulechanneldeleterace", "admin");
}, 120_000);
afterAll(() => bed?.close());

const channel = (name: string) =>
  bed.db.createAlertChannel(bed.prisma, { kind: "webhook", name, settings: {}, secrets: { url: "https://example.invalid/hook" } });
const rule = (name: string, channelIds: string[]) => bed.db.createAlertRule(bed.prisma, { name, kind: "run_failed", schemeId: null, threshold: 1, channelIds });

/** The channels the rule names that do not exist: none, whatever the requests answered. */
async function deletedChannelsOf(ruleId: string): Promise<string[]> {
  const stored = await bed.prisma.alertRule.findUniqueOrThrow({ where: { id: ruleId } });
  const channels = new Set((await bed.prisma.alertChannel.findMany({ select: { id: true } })).map((c) => c.id));
  return stored.channelIds.filter((id) => !channels.has(id));
}

it("a rule saved while its channel's delete is under way is refused at channelIds", { timeout: 60_000 }, async () => {
  const kept = await channel("运维群（保留）");
  const doomed = await channel("旧群（正在删除）");
  const r = await rule("运行失败", [kept.id]);
  const { PATCH } = await import("./route");
  // deleteAlertChannel's statements, under way when the editor adds the channel it still sees in its list.
  const res = await committingWhileWaiting(
    [
      ["UPDATE alert_rules SET channel_ids = array_remove(channel_ids, $1::uuid) WHERE $1::uuid = ANY(channel_ids)", [doomed.id]],
      // Held as well: the save that wrote the rule after a plain check waited for it, then undid the removal.
      ["SELECT id FROM alert_rules WHERE id = $1 FOR UPDATE", [r.id]],
      ["DELETE FROM alert_channels WHERE id = $1", [doomed.id]],
    ],
    [],
    () => bed.call(PATCH, `/api/alert-rules/${r.id}`, { method: "PATCH", body: { channelIds: [kept.id, doomed.id] }, params: { id: r.id } }),
  );
  expect(res.status, JSON.stringify(res.body)).toBe(400);
  expect(res.body.error?.issues?.[0]?.path).toEqual(["channelIds"]);
  expect(await deletedChannelsOf(r.id)).toEqual([]);
});

it("a channel deleted while a rule's save with it is under way is taken out of that rule", { timeout: 60_000 }, async () => {
  const kept = await channel("运维群（保留 2）");
  const doomed = await channel("旧群（正在保存）");
  const r = await rule("运行失败 2", [kept.id]);
  const { DELETE } = await import("../../alert-channels/[id]/route");
  // A rule's save (lockRuleReferences, then the rule's write), under way when the channel is deleted.
  const res = await committingWhileWaiting(
    [
      ["SELECT id FROM alert_channels WHERE id = ANY($1::uuid[]) ORDER BY id FOR KEY SHARE", [[kept.id, doomed.id]]],
      ["UPDATE alert_rules SET channel_ids = array_append(channel_ids, $1::uuid) WHERE id = $2", [doomed.id, r.id]],
    ],
    [],
    () => bed.call(DELETE, `/api/alert-channels/${doomed.id}`, { method: "DELETE", params: { id: doomed.id } }),
  );
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(await deletedChannelsOf(r.id)).toEqual([]);
});
