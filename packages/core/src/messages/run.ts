// What a run tells people: its log lines and its error. The zh-CN texts are the ones the run page
// has always shown (tests assert them); the English ones are what the process log says.
import { entry, type StoredMessage } from "./message";

type Nested = StoredMessage | string;

export const runMessages = {
  "run.started": entry<{ version: number }>(
    (p) => `开始运行（方案第 ${p.version} 版）`,
    (p) => `Run started (scheme version ${p.version})`,
  ),
  "run.resumed": entry<{ attempt: number }>(
    (p) => `继续运行（第 ${p.attempt} 次尝试），从暂存数据接着处理`,
    (p) => `Resuming the run (attempt ${p.attempt}) from staging`,
  ),
  "run.resumedToLookUp": entry<{ attempt: number }>(
    (p) => `继续运行（第 ${p.attempt} 次尝试）：核对结果待确认的记录`,
    (p) => `Resuming the run (attempt ${p.attempt}) to look up records whose outcome was unknown`,
  ),
  "run.failed": entry<{ error: Nested }>(
    (p, r) => `运行失败：${r(p.error)}`,
    (p, r) => `Run failed: ${r(p.error)}`,
  ),
  "run.handedBack": entry(
    () => "工作进程正在停止：本批已完成，运行已交还队列，稍后继续",
    () => "Worker shutting down: the run stopped after its batch and was queued again",
  ),
  "run.cancelled": entry(
    () => "运行已取消：已完成的批次保留，其余记录留待下次运行",
    () => "Run cancelled: finished batches stay written, the rest waits for the next run",
  ),
  "run.cancelledBeforeWait": entry<{ count: number }>(
    (p) => `运行已取消：${p.count} 条记录的写入结果仍待确认，不再等待核对；本方案下一次写入数据的运行会先核对它们，不存在的才重新发送`,
    (p) =>
      `Run cancelled: ${p.count} records still have an unknown outcome and are no longer waited for; the scheme's next run that writes looks them up first and sends again only absent ones`,
  ),
  // `count`: the scheme's records still unknown (what the run waited for); `own`: those this run sent
  // (absent in messages stored before session 34, which counted the scheme's only).
  "run.outcomesGaveUp": entry<{ count: number; own?: number; since: string; minutes: number }>(
    (p) =>
      (p.own === undefined
        ? `运行结束：${p.count} 条记录的写入结果自 ${p.since} 起已等待核对超过 ${p.minutes} 分钟仍未确认`
        : p.own === p.count
          ? `运行结束：本次运行发送的 ${p.count} 条记录的写入结果自 ${p.since} 起已等待核对超过 ${p.minutes} 分钟仍未确认`
          : `运行结束：本方案有 ${p.count} 条记录的写入结果仍待确认（其中 ${p.own} 条由本次运行发送，其余由之前的运行发送），本次运行自 ${p.since} 起等待核对已超过 ${p.minutes} 分钟`) +
      `（多为在目标系统中核对失败，见上方日志）。这些记录保持“待确认”，不会重新发送；请排除目标系统的问题，本方案下一次写入数据的运行会先核对它们，不存在的才重新发送`,
    (p) =>
      (p.own === undefined
        ? `Run ended: ${p.count} records have had an unknown outcome since ${p.since}, waiting more than ${p.minutes} minutes to be looked up`
        : p.own === p.count
          ? `Run ended: ${p.count} records this run sent have had an unknown outcome since ${p.since}, waiting more than ${p.minutes} minutes to be looked up`
          : `Run ended: ${p.count} records of the scheme still have an unknown outcome (${p.own} sent by this run, the rest by earlier runs); this run has waited for their lookup since ${p.since}, more than ${p.minutes} minutes`) +
      ` (usually the lookup in the target failing, see the log above). They stay unknown and are not sent again; fix the target's problem, and the scheme's next run that writes looks them up first and sends again only absent ones`,
  ),
  "run.outcomesPending": entry<{ count: number; at: string }>(
    (p) => `还有 ${p.count} 条记录的写入结果待确认：将于 ${p.at} 在目标系统中核对，存在的记为已写入，不存在的才重新发送；核对完成前运行不会结束`,
    (p) =>
      `${p.count} records still have an unknown outcome: they are looked up in the target at ${p.at}; found ones count as written, only absent ones are sent again. The run ends once they are settled`,
  ),
  // `stale` (session 35): the run's records a lookup found sent as updates in create mode (runs.stale,
  // the run page's 已变更未更新); absent in lines written before, and when 0.
  "run.finished": entry<{ seconds: string; fetched: number; written: number; skipped: number; failed: number; filtered?: number; stale?: number }>(
    (p) =>
      `运行结束（${p.seconds} 秒）：读取 ${p.fetched}，写入 ${p.written}，跳过 ${p.skipped}，失败 ${p.failed}` +
      (p.filtered ? `，不符合过滤条件 ${p.filtered}` : "") +
      (p.stale ? `，已变更未更新 ${p.stale}` : ""),
    (p) =>
      `Run finished (${p.seconds} s): ${p.fetched} read, ${p.written} written, ${p.skipped} skipped, ${p.failed} failed` +
      (p.filtered ? `, ${p.filtered} left out by the filter` : "") +
      (p.stale ? `, ${p.stale} changed but not updated (create mode)` : ""),
  ),
  "run.waitingReleased": entry<{ released: number }>(
    (p) => `${p.released} 条等待依赖的记录重新检查其查找`,
    (p) => `${p.released} records that waited for a dependency are mapped again`,
  ),
  "run.tickSkipped": entry(
    () => "定时触发已跳过：本方案的这次运行尚未结束",
    () => "A scheduled tick was skipped: this run of the scheme had not finished",
  ),
  "run.tickDeferred": entry(
    () => "本次运行不读取数据源：这次定时读取将在本次运行结束后补上",
    () => "This run does not read the source: the scheduled read runs once this run ends",
  ),
  "run.tickWasDeferred": entry<{ at: string; busyRunId: string }>(
    (p) => `这是 ${p.at} 推迟的定时运行：当时本方案${p.busyRunId ? `的运行 ${p.busyRunId} ` : "有运行"}尚未结束（不读取数据源），定时读取在它结束后补上`,
    (p) => `This is the scheduled run deferred at ${p.at}: ${p.busyRunId ? `run ${p.busyRunId}` : "a run"} of the scheme (which does not read the source) had not finished, so the scheduled read came once it ended`,
  ),
  "read.started": entry<{ apiName: string; apiId: string }>(
    (p) => `开始读取 ${p.apiName}（${p.apiId}）`,
    (p) => `Reading ${p.apiId}`,
  ),
  "read.page": entry<{ page: number; pages: number; read: number; toWrite: number; unchanged: number; stale: number; failedUnchanged: number; withoutId: number; again?: number; filtered?: number; idField: string }>(
    (p) =>
      `第 ${p.page}/${p.pages} 页：读取 ${p.read} 条，新增或变更 ${p.toWrite} 条，未变 ${p.unchanged} 条` +
      (p.filtered ? `，${p.filtered} 条不符合过滤条件（不写入）` : "") +
      (p.stale > 0 ? `，${p.stale} 条已变更但“新增”模式不更新` : "") +
      (p.failedUnchanged > 0 ? `，${p.failedUnchanged} 条此前失败且未变（可重试）` : "") +
      (p.withoutId > 0 ? `，${p.withoutId} 条缺少 ${p.idField} 已忽略` : "") +
      (p.again ? `，${p.again} 条本次运行已读过` : ""),
    (p) =>
      `Page ${p.page}/${p.pages}: ${p.read} read, ${p.toWrite} new or changed, ${p.unchanged} unchanged` +
      (p.filtered ? `, ${p.filtered} left out by the filter (not written)` : "") +
      (p.stale > 0 ? `, ${p.stale} changed, not updated in create mode` : "") +
      (p.failedUnchanged > 0 ? `, ${p.failedUnchanged} still failed from earlier (retry them)` : "") +
      (p.withoutId > 0 ? `, ${p.withoutId} without ${p.idField} ignored` : "") +
      (p.again ? `, ${p.again} read before in this run` : ""),
  ),
  // Consecutive pages whose every record was unchanged, in one line (a rerun of an unchanged
  // source would otherwise log a line per page: 1,000 for 100,000 records).
  // Records the filter node leaves out are named, not "unchanged" (they are not written either way).
  "read.pagesUnchanged": entry<{ from: number; to: number; pages: number; read: number; again?: number; filtered?: number }>(
    (p) =>
      p.again || p.filtered
        ? `第 ${p.from}–${p.to}/${p.pages} 页：读取 ${p.read} 条，` +
          [p.again ? `${p.again} 条本次运行已读过` : "", p.filtered ? `${p.filtered} 条不符合过滤条件（不写入）` : ""].filter(Boolean).join("，") +
          "，其余未变"
        : `第 ${p.from}–${p.to}/${p.pages} 页：读取 ${p.read} 条，全部未变`,
    (p) =>
      p.again || p.filtered
        ? `Pages ${p.from}–${p.to}/${p.pages}: ${p.read} read, ` +
          [p.again ? `${p.again} read before in this run` : "", p.filtered ? `${p.filtered} left out by the filter (not written)` : ""].filter(Boolean).join(", ") +
          ", the rest unchanged"
        : `Pages ${p.from}–${p.to}/${p.pages}: ${p.read} read, all unchanged`,
  ),
  "read.completed": entry<{ pages: number; fetched: number; toWrite: number }>(
    (p) => `读取完成：${p.pages} 页，共 ${p.fetched} 条，待写入 ${p.toWrite} 条；同步游标已推进到本次窗口结束`,
    (p) => `Read complete: ${p.pages} pages, ${p.fetched} records, ${p.toWrite} to write; the scheme's cursor moved to the window's end`,
  ),
  "read.drifted": entry<{ from: number; to: number; pass: number }>(
    (p) => `读取期间源数据有变动（总数由 ${p.from} 变为 ${p.to}）：分页可能移位而漏读记录，开始第 ${p.pass} 遍读取此窗口（未变的记录不会重复写入）`,
    (p) => `The source changed during the read (total ${p.from} → ${p.to}): pages may have shifted past a record, so the window is read again (pass ${p.pass}; unchanged records are not written again)`,
  ),
  "read.short": entry<{ read: number; total: number; pass: number }>(
    (p) => `源接口报告共 ${p.total} 条，各页只返回了 ${p.read} 条（接口可能限制了分页深度，或漏返了记录）：开始第 ${p.pass} 遍读取此窗口（未变的记录不会重复写入）`,
    (p) => `The source reported ${p.total} records but its pages held ${p.read} (it may limit how deep pages go, or have left rows out): the window is read again (pass ${p.pass}; unchanged records are not written again)`,
  ),
  "read.repeated": entry<{ sourceId: string; pass: number }>(
    (p) => `记录 ${p.sourceId} 在本遍读取中出现了两次（读取期间被修改而移到了后面的页，或修改时间相同的记录在两次请求之间换了顺序）：分页可能移位而漏读记录，开始第 ${p.pass} 遍读取此窗口（未变的记录不会重复写入）`,
    (p) => `Record ${p.sourceId} came twice in this pass (modified during the read, it moved to a later page; or records with the same modification time came in another order between two requests): pages may have shifted past a record, so the window is read again (pass ${p.pass}; unchanged records are not written again)`,
  ),
  "read.completedUnsteady": entry<{ pages: number; fetched: number; toWrite: number; passes: number }>(
    (p) => `读取完成：${p.pages} 页，共 ${p.fetched} 条，待写入 ${p.toWrite} 条；读取 ${p.passes} 遍仍不完整（源数据在读取期间变动，或各页记录少于接口报告的总数），同步游标未推进，下次运行将重读此时间窗口`,
    (p) => `Read complete: ${p.pages} pages, ${p.fetched} records, ${p.toWrite} to write; after ${p.passes} passes the read was still not whole (the source changed while it was read, or its pages held fewer records than its total), so the cursor did not move and the next run reads this window again`,
  ),
  "read.completedUnsteadyMoved": entry<{ pages: number; fetched: number; toWrite: number; passes: number }>(
    (p) => `读取完成：${p.pages} 页，共 ${p.fetched} 条，待写入 ${p.toWrite} 条；读取 ${p.passes} 遍仍不完整（源数据在读取期间变动，或各页记录少于接口报告的总数），可能有记录未读到。本次为全量读取或时间窗口超过 1 小时，同步游标照常推进（否则下次读取只会更长）；建议运行对账核对`,
    (p) => `Read complete: ${p.pages} pages, ${p.fetched} records, ${p.toWrite} to write; after ${p.passes} passes the read was still not whole (the source changed while it was read, or its pages held fewer records than its total), so a record may have been missed. This was a full read or a window longer than an hour, so the cursor moved anyway (holding it would only make the next read longer); run a reconciliation to check`,
  ),
  // firstWait / firstWaitEn: the first waiting record's reason in each language (older lines have
  // only firstWait, in Chinese); firstWaitLeftOut: it waits for a key the other scheme's filter
  // leaves out, which no write of it brings (the line then does not promise one).
  "write.batch": entry<{
    batch: number;
    written: number;
    failed: number;
    unknown: number;
    saved?: number;
    waiting?: number;
    firstWait?: string;
    firstWaitEn?: string;
    firstWaitLeftOut?: boolean;
    firstError: string;
    checkAt: string;
  }>(
    (p) =>
      `第 ${p.batch} 批：写入 ${p.written} 条` +
      (p.failed > 0 ? `，失败 ${p.failed} 条（例如：${p.firstError}）` : "") +
      ((p.waiting ?? 0) > 0 ? `，${p.waiting} 条等待依赖（例如：${p.firstWait ?? ""}）${p.firstWaitLeftOut ? "" : "，依赖写入后自动发送"}` : "") +
      ((p.saved ?? 0) > 0 ? `，${p.saved} 张单据已保存但未审核（重试时只提交审核，不会再次保存）` : "") +
      (p.unknown > 0 ? `，${p.unknown} 条结果待确认（将于 ${p.checkAt} 后在目标系统中核对，核对前不会重发）` : ""),
    (p) =>
      `Batch ${p.batch}: ${p.written} written` +
      (p.failed > 0 ? `, ${p.failed} failed (e.g. ${p.firstError})` : "") +
      ((p.waiting ?? 0) > 0 ? `, ${p.waiting} waiting for a dependency (e.g. ${p.firstWaitEn ?? p.firstWait ?? ""})${p.firstWaitLeftOut ? "" : ", sent by themselves once it is written"}` : "") +
      ((p.saved ?? 0) > 0 ? `, ${p.saved} bills saved but not audited (a retry audits them, never saves them again)` : "") +
      (p.unknown > 0 ? `, ${p.unknown} with an unknown outcome (looked up in the target after ${p.checkAt}, not resent before)` : ""),
  ),
  "write.concurrencyChanged": entry<{ from: number; to: number }>(
    (p) => `目标连接的并发调用数已从 ${p.from} 改为 ${p.to}：本次运行的后续调用随之调整` + (p.to < p.from ? "（进行中的调用先完成）" : ""),
    (p) => `The target connection's concurrent calls changed from ${p.from} to ${p.to}: this run's next calls follow it` + (p.to < p.from ? " (calls already out finish first)" : ""),
  ),
  /**
   * `stale` (among `audited`, create mode) and `reopened` (upsert mode): bills whose record changed
   * after they were saved (session 32); absent in lines written before.
   */
  "audit.batch": entry<{ audited: number; saved: number; failed: number; firstError: string; stale?: number; reopened?: number }>(
    (p) =>
      `提交审核已保存的单据：${p.audited} 张已审核` +
      ((p.stale ?? 0) > 0 ? `（其中 ${p.stale} 张的源记录在保存后已变更：单据按保存时的数据审核，“新增”模式不更新，记为已变更）` : "") +
      ((p.reopened ?? 0) > 0 ? `，${p.reopened} 张的源记录在保存后已变更：已撤销提交，按新数据重新保存后再审核` : "") +
      (p.saved > 0 ? `，${p.saved} 张仍未审核（例如：${p.firstError}）` : "") +
      (p.failed > 0 ? `，${p.failed} 张在目标系统中找不到（记为失败，重试时重新保存）` : ""),
    (p) =>
      `Audited saved bills: ${p.audited} audited` +
      ((p.stale ?? 0) > 0 ? ` (${p.stale} of them changed in the source after the save: audited as saved, not updated in create mode, marked changed)` : "") +
      ((p.reopened ?? 0) > 0 ? `, ${p.reopened} changed in the source after the save: their submission withdrawn, saved again with the new data, then audited` : "") +
      (p.saved > 0 ? `, ${p.saved} still not audited (e.g. ${p.firstError})` : "") +
      (p.failed > 0 ? `, ${p.failed} not found in the target (failed; a retry saves them again)` : ""),
  ),
  "outcomes.interrupted": entry<{ parked: number; at: string; numberField: string }>(
    (p) => `发现 ${p.parked} 条被中断的写入（工作进程退出或被接替），结果待确认：将于 ${p.at} 后在目标系统中按 ${p.numberField} 核对，核对前不会重发`,
    (p) =>
      `Found ${p.parked} records whose write was interrupted (a worker stopped or was replaced); outcome unknown: they are looked up by ${p.numberField} after ${p.at}, and not resent before`,
  ),
  "outcomes.lookupFailed": entry<{ rows: number; error: Nested; kind: string; retrySeconds: number }>(
    (p, r) => `核对 ${p.rows} 条待确认记录时查询失败（${r(p.error)}）：${p.retrySeconds} 秒后再核对，核对前不会重发`,
    (p) => `Looking up ${p.rows} records with an unknown outcome failed (${p.kind}); looked up again in ${p.retrySeconds} s, not resent before`,
  ),
  /**
   * `requeued`: absent, sent again; `resent` (upsert mode): found, but sent again as updates; `stale`
   * (create mode, session 35): found, but sent as updates before a switch back from upsert, so left
   * 已变更未更新 — counted in the run that sent them (absent in lines written before).
   */
  "outcomes.checked": entry<{ checked: number; numberField: string; written: number; requeued: number; failed: number; resent?: number; stale?: number }>(
    (p) =>
      `核对了 ${p.checked} 条待确认记录（按 ${p.numberField}）：${p.written} 条已存在（记为已写入），${p.requeued} 条不存在（重新发送）` +
      (p.resent ? `，${p.resent} 条已存在但不能证明写入已处理（可能是更新或已变更，作为更新重新发送）` : "") +
      (p.stale
        ? `，${p.stale} 条已存在，但那次发送是更新（方案改为“新增”模式之前发出），无法确认更新是否已生效：“新增”模式不再发送更新，记为已变更未更新（计入发送它的运行）`
        : "") +
      (p.failed > 0 ? `，${p.failed} 条无法核对（记为失败）` : ""),
    (p) =>
      `Looked up ${p.checked} records with an unknown outcome by ${p.numberField}: ${p.written} exist (written), ${p.requeued} do not (sent again)` +
      (p.resent ? `, ${p.resent} exist without proving the write was processed (maybe an update, or changed; sent again as updates)` : "") +
      (p.stale
        ? `, ${p.stale} exist but were sent as updates (before the scheme switched to create mode), and whether the update took effect cannot be told: create mode sends no update, so they are changed but not updated (counted in the run that sent them)`
        : "") +
      (p.failed > 0 ? `, ${p.failed} cannot be checked (failed)` : ""),
  ),
  "retry.prepared": entry<{ scope: "run" | "scheme"; retryOfId: string | null; prepared: number; version: number }>(
    (p) =>
      p.scope === "run"
        ? `重试运行 ${p.retryOfId} 的失败记录：${p.prepared} 条，使用方案第 ${p.version} 版的映射`
        : `重试本方案的全部失败记录：${p.prepared} 条，使用方案第 ${p.version} 版的映射`,
    (p) =>
      p.scope === "run"
        ? `Retrying the failed records of run ${p.retryOfId}: ${p.prepared}, mapped with scheme version ${p.version}`
        : `Retrying every failed record of the scheme: ${p.prepared}, mapped with scheme version ${p.version}`,
  ),
  "retry.restored": entry<{ restored: number }>(
    (p) => `${p.restored} 条未重试的记录恢复为失败（原因、重试计划和死信标记不变），仍在失败记录列表中`,
    (p) => `${p.restored} records not retried are failed again as they were (reason, retry schedule, dead letters), still in the failed records`,
  ),
  "retry.unsentFailed": entry<{ failed: number; deadLettered: number }>(
    (p) =>
      `自动重试运行提前结束：${p.failed} 条未发送的记录再次记为失败，按重试计划的下一步再试` +
      (p.deadLettered > 0 ? `，其中 ${p.deadLettered} 条已用完重试次数，进入死信` : ""),
    (p) =>
      `The automatic retry ended early: ${p.failed} records it did not send are failed again, due at the schedule's next step` +
      (p.deadLettered > 0 ? `; ${p.deadLettered} of them ran out of retries and are dead letters` : ""),
  ),
  "test.reading": entry<{ pageSize: number }>(
    (p) => `测试运行：读取第一页（${p.pageSize} 条）`,
    (p) => `Test run: reading the first page (${p.pageSize} records)`,
  ),
  "test.sampled": entry<{ total: number; sampled: number; withErrors: number; filtered?: number }>(
    (p) =>
      `测试运行：共 ${p.total} 条，取样 ${p.sampled} 条` +
      (p.filtered ? `，${p.filtered} 条不符合过滤条件（不写入）` : "") +
      (p.withErrors > 0 ? `，其中 ${p.withErrors} 条映射有错误` : "，映射无错误"),
    (p) =>
      `Test run: ${p.total} in total, ${p.sampled} sampled` +
      (p.filtered ? `, ${p.filtered} left out by the filter (not written)` : "") +
      (p.withErrors > 0 ? `, ${p.withErrors} with mapping errors` : ", no mapping errors"),
  ),
  "test.writing": entry<{ toWrite: number; writeCount: number }>(
    (p) => `测试运行：按正常流程写入前 ${p.writeCount} 条中需要写入的 ${p.toWrite} 条`,
    (p) => `Test run: writing the ${p.toWrite} of the first ${p.writeCount} records that need it, through the normal write protocol`,
  ),
};
