// Why a run, or one of its records, failed: a run's `error` and the records' errors.
import { entry, type StoredMessage } from "./message";

type Nested = StoredMessage | string;

export const failureMessages = {
  "run.secretsUnreadable": entry<{ connection: string }>(
    (p) => `连接“${p.connection}”保存的密钥无法解密（密钥已更换或数据被改动）：需要重新输入密钥，请在“连接”页面编辑该连接并重新填写所有密钥字段`,
    (p) => `The stored secrets of connection "${p.connection}" cannot be decrypted (the key changed or the row was altered): type its secrets again on the Connections page.`,
  ),
  /**
   * Session 35: the connection's secrets were sealed for another base URL than the one it holds: it
   * was changed outside the connection's edit (which asks for them again), so they are not sent there.
   */
  "run.secretsAddressChanged": entry<{ connection: string }>(
    (p) =>
      `连接“${p.connection}”的接口地址在保存密钥之后被改动过（不是在“连接”页面修改的）：为免把密钥发往新地址，此运行没有执行。请在“连接”页面编辑该连接，确认接口地址无误后重新填写所有密钥字段`,
    (p) =>
      `The base URL of connection "${p.connection}" was changed after its secrets were saved (not on the Connections page), so they are not sent to it and this run did not start. Check the base URL on the Connections page and type every secret field again.`,
  ),
  "run.versionMissing": entry<{ version: number }>(
    (p) => `找不到方案的第 ${p.version} 版：请重新运行方案`,
    (p) => `Version ${p.version} of the scheme no longer exists; start a new run.`,
  ),
  /** Session 18: the run's version writes to another target than the scheme's current one (switched after it was requested). */
  "run.targetSwitched": entry<{ version: number }>(
    (p) => `方案的目标连接或表单在此运行排队后已切换（此运行是第 ${p.version} 版，写往旧目标），为免把记录写到旧目标，此运行没有执行：请重新运行方案`,
    (p) => `The scheme's target connection or form was switched after this run (version ${p.version}, writing to the old target) was requested; it did not run, so that nothing goes to the old target. Start a new run.`,
  ),
  /**
   * Session 32: a run whose version writes in another mode than the scheme's current version (a
   * version switched create ⇄ upsert after the run was requested). `upsert`: the scheme's mode now.
   */
  "run.modeSwitched": entry<{ version: number; upsert: boolean }>(
    (p) =>
      p.upsert
        ? `方案在此运行排队后已改为“更新”写入模式（此运行是第 ${p.version} 版，按“新增”模式写入），为免把已写入、待更新的记录再次新增，此运行没有执行：请重新运行方案`
        : `方案在此运行排队后已改为“新增”写入模式（此运行是第 ${p.version} 版，按“更新”模式写入），为免把已写入的记录重新排入待写入、再被新增模式新增一次，此运行没有执行：请重新运行方案`,
    (p) =>
      p.upsert
        ? `The scheme was switched to the upsert write mode after this run (version ${p.version}, writing in create mode) was requested; it did not run, so that records written before and now waiting to be updated are not created again. Start a new run.`
        : `The scheme was switched to the create write mode after this run (version ${p.version}, writing in upsert mode) was requested; it did not run, so that records written before are not queued again for create mode to create a second time. Start a new run.`,
  ),
  "run.schemeInvalid": entry<{ zh: string; en: string }>(
    (p) => `方案无法运行：${p.zh}`,
    (p) => `The scheme cannot run: ${p.en}`,
  ),
  "run.notASource": entry<{ connection: string }>(
    (p) => `连接“${p.connection}”的平台不能作为数据源`,
    (p) => `The platform of connection "${p.connection}" cannot be a source.`,
  ),
  "run.lookupSchemeMissing": entry<{ scheme: string }>(
    (p) => `模板中的 lookup 引用的方案“${p.scheme}”不存在或有重名（可能已被删除或改名）：请修改查找，或恢复该方案的名称`,
    (p) => `The scheme "${p.scheme}" named by a lookup does not exist or its name is not unique (it may have been deleted or renamed): change the lookup, or restore the scheme's name.`,
  ),
  "run.erpLookupUnsupported": entry<{ connection: string }>(
    (p) => `连接“${p.connection}”的平台不支持 erp_lookup（不能在目标中查询基础资料）`,
    (p) => `The platform of connection "${p.connection}" does not support erp_lookup (it cannot read base data).`,
  ),
  "run.notATarget": entry<{ connection: string }>(
    (p) => `连接“${p.connection}”的平台不能作为写入目标`,
    (p) => `The platform of connection "${p.connection}" cannot be a target.`,
  ),
  // A run request refused before a run is created (@qiao/jobs' RunRequestError): the API's answer.
  "run.requestSchemeMissing": entry<{ schemeId: string }>(
    (p) => `集成方案 ${p.schemeId} 不存在`,
    (p) => `Scheme ${p.schemeId} not found`,
  ),
  "run.requestRunMissing": entry<{ runId: string }>(
    (p) => `该方案没有运行 ${p.runId}`,
    (p) => `Run ${p.runId} not found in this scheme`,
  ),
  "run.requestInvalidOptions": entry(
    () => "运行参数无效",
    () => "Invalid run options",
  ),
  "run.requestRetryWithoutRun": entry(
    () => '重试需要 retryOfId，或 options.scope = "scheme"',
    () => 'A retry needs retryOfId, or options.scope "scheme"',
  ),
  "run.retryWithoutRun": entry(
    () => "重试运行需要指定要重试的运行，或选择重试本方案的全部失败记录",
    () => 'A retry run needs the run to retry, or the scope "scheme".',
  ),
  /** A connector's call failed; `detail` is the connector's own description (zh-CN). */
  "run.connectorFailed": entry<{ detail: Nested; platformWords: string | null; retried: boolean; platform: string; kind: string; platformCode: string | null }>(
    (p, r) => `${r(p.detail)}${p.platformWords ? `（${p.platformWords}）` : ""}${p.retried ? "；已按重试策略自动重试，仍未成功，未写完的记录留待下次运行" : ""}`,
    (p) =>
      `${p.platform} call failed (${p.kind})${p.platformCode ? `, code ${p.platformCode}` : ""}${p.retried ? " after the connector's retries; the records not written wait for the next run" : ""}`,
  ),
  "run.allFailed": entry<{ failed: number }>(
    (p) => `${p.failed} 条记录全部写入失败，请查看失败记录的原因`,
    (p) => `All ${p.failed} records failed; see the failed records for the reasons`,
  ),
  "run.unexpected": entry<{ text: string }>(
    (p) => `运行出错：${p.text}`,
    (p) => `The run failed: ${p.text}`,
  ),
  "run.workerFailed": entry<{ text: string }>(
    (p) => `工作进程处理失败：${p.text}`,
    (p) => `The worker could not process the run: ${p.text}`,
  ),
  "run.databaseUnavailable": entry<{ failures: number; text: string }>(
    (p) => `数据库连续 ${p.failures} 次不可用，工作进程已放弃这次运行：${p.text}`,
    (p) => `The database was unavailable to ${p.failures} attempts in a row; the worker gave the run up: ${p.text}`,
  ),
  "run.schemeBusy": entry<{ runId: string | null; status: string | null }>(
    (p) => (p.runId ? `该集成方案已有运行中的任务（${p.runId}，${p.status}）：请等它结束或取消后再运行` : "该集成方案已有运行中的任务"),
    (p) => (p.runId ? `The scheme already has an active run (${p.runId}, ${p.status}); wait for it or cancel it.` : "The scheme already has an active run."),
  ),
  /**
   * Session 32: a record written under one number whose payload now carries another (a new version
   * prefixed FBillNo, or the source field behind it changed): not sent, since the target finds
   * documents by number and would create a second one. `now` is "" when the payload has no number.
   */
  "record.renumbered": entry<{ field: string; written: string; now: string; bill: boolean }>(
    (p) =>
      `这条记录已写入为 ${p.field} “${p.written}”，` +
      (p.now === "" ? `现在映射的${p.bill ? "单据编号" : "编码"}为空` : `映射的${p.bill ? "单据编号" : "编码"}变为 “${p.now}”`) +
      `，所以没有发送：金蝶按编号查找${p.bill ? "单据" : "资料"}，按新编号保存会在 “${p.written}” 之外再新建一张${p.bill ? "单据（出库单会再次扣减库存）" : "资料"}。` +
      `请把 ${p.field} 的映射改回，使已写入的记录保持原编号（改后重试这条记录即可作为更新发送）；若确需使用新编号，请先在金蝶中删除 “${p.written}”，再通过对账重新同步缺失的记录`,
    (p) =>
      `This record was written as ${p.field} "${p.written}" and ` +
      (p.now === "" ? `its mapped ${p.field} is now empty` : `its mapped ${p.field} is now "${p.now}"`) +
      `, so it was not sent: Kingdee finds ${p.bill ? "bills" : "records"} by number, and saving under the new number would create a second ${p.bill ? "bill (a second stock movement for a delivery)" : "record"} beside "${p.written}". ` +
      `Map ${p.field} back so that written records keep their numbers (then retry this record to send it as an update); if the new number is really wanted, delete "${p.written}" in Kingdee first, then resync the missing records through a reconciliation`,
  ),
  /** Session 18: a version that switches the target is not saved while a run of the scheme is queued or running. */
  "scheme.targetSwitchBusy": entry<{ runId: string }>(
    (p) => `该方案有排队或运行中的任务（${p.runId}），暂不能切换目标连接或表单：它会写往旧目标，写入的记录会被当作已写入新目标。请等它结束或取消后再保存`,
    (p) => `The scheme has a queued or running run (${p.runId}); its target connection or form cannot be switched now: that run writes to the old target, and what it writes would count as written to the new one. Wait for it to end or cancel it, then save again.`,
  ),
  /**
   * Session 32: a version that switches the write mode (create ⇄ upsert) is not saved while a run is
   * queued or running. `upsert`: the mode the version switches to.
   */
  "scheme.modeSwitchBusy": entry<{ runId: string; upsert: boolean }>(
    (p) =>
      p.upsert
        ? `该方案有排队或运行中的任务（${p.runId}），暂不能从“新增”改为“更新”写入模式：保存时“已变更、新增模式下未更新”的记录会转为待写入，而该任务仍按新增模式写入，会把它们再次新增。请等它结束或取消后再保存`
        : `该方案有排队或运行中的任务（${p.runId}），暂不能从“更新”改为“新增”写入模式：保存时已写入、待更新的记录不再发送，而该任务仍按更新模式写入，可能把它们重新排入待写入，之后被新增模式再次新增。请等它结束或取消后再保存`,
    (p) =>
      p.upsert
        ? `The scheme has a queued or running run (${p.runId}); its write mode cannot be switched from create to upsert now: the save makes the records changed but not updated in create mode pending, and that run, still writing in create mode, would create them again. Wait for it to end or cancel it, then save again.`
        : `The scheme has a queued or running run (${p.runId}); its write mode cannot be switched from upsert to create now: the save stops sending written records waiting to be updated, and that run, still writing in upsert mode, may queue them again for create mode to create a second time. Wait for it to end or cancel it, then save again.`,
  ),
  /** Session 18: 从头读取 is refused while a run that reads is queued or running (its read would set the cursor again). */
  "scheme.cursorResetBusy": entry<{ runId: string }>(
    (p) => `该方案有排队或运行中的任务（${p.runId}），暂不能从头读取：它读取完成时会重新设置同步进度。请等它结束或取消后再试`,
    (p) => `The scheme has a queued or running run (${p.runId}); it cannot read from the beginning now: that run would set the sync point again when its read completes. Wait for it to end or cancel it, then try again.`,
  ),
};
