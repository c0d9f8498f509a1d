// What reconciliation (对账) tells people: why a reconciliation or a resync could not be done.
import { entry, type StoredMessage } from "./message";

type Nested = StoredMessage | string;

export const reconcileMessages = {
  "reconcile.busy": entry<{ id: string | null }>(
    (p) => `该方案正在对账${p.id ? `（${p.id}）` : ""}：请等它结束后再试`,
    (p) => `The scheme is being reconciled${p.id ? ` (${p.id})` : ""}: try again once it has finished`,
  ),
  "reconcile.failed": entry<{ error: Nested }>(
    (p, r) => `对账失败：${r(p.error)}`,
    (p, r) => `Reconciliation failed: ${r(p.error)}`,
  ),
  "reconcile.noListKeys": entry<{ connection: string }>(
    (p) => `连接“${p.connection}”的目标不能列出全部记录，无法对账`,
    (p) => `The target of connection "${p.connection}" cannot list its records, so it cannot be reconciled`,
  ),
  "reconcile.interrupted": entry(
    () => "对账任务中断（工作进程退出且任务已用完重试次数），请重新对账",
    () => "The reconciliation was interrupted (its worker stopped and the job used up its attempts); reconcile again",
  ),
  "reconcile.notFound": entry<{ id: string }>(
    (p) => `对账报告 ${p.id} 不存在`,
    (p) => `Reconciliation report ${p.id} not found`,
  ),
  "reconcile.notFinished": entry(
    () => "这次对账尚未成功完成，不能据此补同步",
    () => "This reconciliation has not finished successfully; nothing can be resynced from it",
  ),
  "reconcile.nothingToResync": entry(
    () => "这份对账报告中没有可补同步的记录（缺失且暂存区记为已写入、此后未再变动的记录）；这些记录可能已被重新写入，请重新对账",
    () => "This report lists no record to resync (missing in the target, written per staging and unchanged since); they may have been written again since: reconcile again",
  ),
  "reconcile.resyncRunGone": entry<{ runId: string; count: number }>(
    (p) => `这份对账报告已经补同步过（共 ${p.count} 条），其运行 ${p.runId} 已不存在；如仍有缺失，请重新对账后再补同步`,
    (p) => `This report was already resynced (${p.count} records); its run ${p.runId} no longer exists. If records are still missing, reconcile again and resync from the new report`,
  ),
  "reconcile.resyncMarked": entry<{ count: number }>(
    (p) => `对账发现金蝶中缺失（暂存区记为已写入），已排队补同步（共 ${p.count} 条）`,
    (p) => `Missing in the target although written per staging: queued to be written again (${p.count} records)`,
  ),
};
