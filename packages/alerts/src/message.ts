// What an alert says. An event is one thing that happened (a run failed, records were
// dead-lettered, a scheme went stale, workers went missing), kept as JSON in the rate window until
// it is sent; a message is one or more events (a digest) rendered in Chinese, as markdown for the
// robots and as plain text for email and 钉钉's text type.
import { z } from "zod";

export const RULE_KINDS = ["run_failed", "run_partial", "records_dead_lettered", "scheme_stale", "no_worker"] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

export const RULE_LABEL: Record<RuleKind, string> = {
  run_failed: "运行失败",
  run_partial: "运行部分失败",
  records_dead_lettered: "记录进入死信",
  scheme_stale: "集成方案长时间未成功",
  no_worker: "没有存活的 worker",
};

export const alertEventSchema = z.object({
  kind: z.enum(RULE_KINDS),
  at: z.iso.datetime(),
  schemeId: z.string().optional(),
  schemeName: z.string().optional(),
  runId: z.string().optional(),
  /** The run's counters (run events). */
  /** `unknown`: records whose outcome is still unknown (a run that stopped waiting for their lookup). */
  counts: z.object({ fetched: z.number(), written: z.number(), failed: z.number(), skipped: z.number(), unknown: z.number().optional() }).optional(),
  /** Dead-lettered records; hours since the last success; workers alive. */
  count: z.number().optional(),
  /** The rule's threshold when the event was raised. */
  threshold: z.number().optional(),
  /** The first errors, already rendered in Chinese (the run's error, failed records' messages). */
  errors: z.array(z.string()).default([]),
});
export type AlertEvent = z.infer<typeof alertEventSchema>;

export interface AlertMessage {
  title: string;
  markdown: string;
  text: string;
}

const MAX_ERRORS = 3;

function runLink(publicUrl: string, e: AlertEvent): string | undefined {
  const base = publicUrl.replace(/\/+$/, "");
  if (e.runId) return `${base}/runs/${e.runId}`;
  if (e.schemeId) return `${base}/schemes/${e.schemeId}`;
  return undefined;
}

const schemeText = (e: AlertEvent) => (e.schemeName ? `「${e.schemeName}」` : "");

/** One line saying what happened. */
export function eventHeadline(e: AlertEvent): string {
  switch (e.kind) {
    case "run_failed":
      return `集成方案${schemeText(e)}运行失败`;
    case "run_partial":
      return `集成方案${schemeText(e)}运行部分失败：${e.counts?.failed ?? 0} 条记录失败${e.counts?.unknown ? `，${e.counts.unknown} 条结果待确认` : ""}`;
    case "records_dead_lettered":
      return `集成方案${schemeText(e)}有 ${e.count ?? 0} 条记录进入死信（重试用尽）`;
    case "scheme_stale":
      return `集成方案${schemeText(e)}已 ${e.count ?? 0} 小时没有成功运行（阈值 ${e.threshold ?? 0} 小时）`;
    case "no_worker":
      return `存活的 worker 只有 ${e.count ?? 0} 个（至少应有 ${e.threshold ?? 1} 个）：运行不会被执行`;
  }
}

function eventLines(e: AlertEvent, publicUrl: string, markdown: boolean): string[] {
  const lines: string[] = [];
  const c = e.counts;
  if (c) lines.push(`读取 ${c.fetched} 条，写入 ${c.written} 条，失败 ${c.failed} 条，跳过 ${c.skipped} 条${c.unknown ? `，待确认 ${c.unknown} 条` : ""}`);
  const errors = e.errors.slice(0, MAX_ERRORS);
  if (errors.length > 0) {
    lines.push(`前 ${errors.length} 个错误：`);
    errors.forEach((err, i) => lines.push(`${i + 1}. ${err.replace(/\s+/g, " ").slice(0, 300)}`));
  }
  const link = runLink(publicUrl, e);
  if (link) lines.push(markdown ? `[查看${e.runId ? "运行" : "集成方案"}](${link})` : `查看：${link}`);
  lines.push(`时间：${formatTime(e.at)}`);
  return lines;
}

/** Asia/Shanghai wall time, as people reading a Chinese alert expect. */
function formatTime(iso: string): string {
  const d = new Date(new Date(iso).getTime() + 8 * 3600_000);
  return `${d.toISOString().slice(0, 19).replace("T", " ")}（北京时间）`;
}

/**
 * The message for `events` (one, or a digest of several); `total` counts events beyond the ones
 * kept in full. The title names the rule, the first event and, for a digest, how many there were.
 */
export function formatAlert(ruleName: string, events: readonly AlertEvent[], total: number, publicUrl: string, digest = total > 1): AlertMessage {
  const [first] = events;
  if (!first) throw new Error("an alert needs at least one event");
  const title = digest ? `【桥 Qiao 告警】${ruleName}：告警窗口内 ${total} 次` : `【桥 Qiao 告警】${eventHeadline(first)}`;
  const md: string[] = [`### ${title}`, ""];
  const text: string[] = [title, ""];
  if (digest) {
    md.push(`规则「${ruleName}」在告警窗口内（每条规则每个集成方案 15 分钟至多一条消息）触发了 ${total} 次${total > events.length ? `（下面列出前 ${events.length} 次）` : ""}：`, "");
    text.push(md[2]!, "");
  }
  events.forEach((e, i) => {
    const headline = digest ? `${i + 1}. ${eventHeadline(e)}` : eventHeadline(e);
    md.push(digest ? `#### ${headline}` : `**${headline}**`, "");
    text.push(headline);
    for (const line of eventLines(e, publicUrl, true)) md.push(`- ${line}`);
    for (const line of eventLines(e, publicUrl, false)) text.push(`  ${line}`);
    md.push("");
    text.push("");
  });
  if (!digest) {
    md.push(`规则：${ruleName}`);
    text.push(`规则：${ruleName}`);
  }
  return { title, markdown: md.join("\n").trim(), text: text.join("\n").trim() };
}

/** The message a "send test" (发送测试) sends. */
export function testMessage(channelName: string, publicUrl: string, at = new Date()): AlertMessage {
  const title = "【桥 Qiao】告警渠道测试";
  const body = `这是一条测试消息：告警渠道「${channelName}」配置正确，能收到 桥 Qiao 的告警。`;
  const time = `时间：${formatTime(at.toISOString())}`;
  return { title, markdown: `### ${title}\n\n${body}\n\n- ${time}\n- 控制台：${publicUrl}`, text: `${title}\n\n${body}\n${time}\n控制台：${publicUrl}` };
}
