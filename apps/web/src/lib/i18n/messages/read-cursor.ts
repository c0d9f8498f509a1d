// UI texts — 同步进度 on the scheme page: the read cursor (LAST_SYNC_TIME) and 从头读取. Merged into ../messages.ts.

export const readCursorZh = {
  "readCursor.title": "同步进度",
  "readCursor.syncedUpTo": "上次同步到 {time}（{timezone}）",
  "readCursor.next": "下次运行读取此后变更的记录。",
  "readCursor.notSynced": "尚未同步：下次运行从头读取。",
  "readCursor.full": "每次运行都读取全部记录（源的参数没有使用 LAST_SYNC_TIME）。",
  "readCursor.reset": "从头读取",
  "readCursor.resetTitle": "从头读取？",
  "readCursor.resetConfirm":
    "下次运行将重新读取源中的每一条记录，而不只是上次同步以来变更的记录，读取会更久。没有变化的记录（与已写入的内容相同）不会再次发送到目标。适用于源数据修复之后，例如管易云的数据修复。",
  "readCursor.resetDone": "已清除同步进度：下次运行从头读取",
};

export const readCursorEn: Record<keyof typeof readCursorZh, string> = {
  "readCursor.title": "Sync progress",
  "readCursor.syncedUpTo": "Synced up to {time} ({timezone})",
  "readCursor.next": "The next run reads the records changed since then.",
  "readCursor.notSynced": "Not synced yet: the next run reads from the beginning.",
  "readCursor.full": "Every run reads every record (the source's params do not use LAST_SYNC_TIME).",
  "readCursor.reset": "Read from the beginning",
  "readCursor.resetTitle": "Read from the beginning?",
  "readCursor.resetConfirm":
    "The next run reads every record of the source again, not only those changed since the last sync, and takes longer. Records that did not change (the same as what was written) are not sent to the target again. Use it after the source's data was repaired, e.g. a Guanyi data repair.",
  "readCursor.resetDone": "Sync progress cleared: the next run reads from the beginning",
};
