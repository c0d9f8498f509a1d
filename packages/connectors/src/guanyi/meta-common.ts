// What the 管易云 APIs' metadata share: paging, time-window request fields and their help text.
import type { FieldMeta, SourceApiMeta } from "../types";

/** The paging every Guanyi list method shares (page_size above 100 is not supported). */
export const PAGING: SourceApiMeta["paging"] = { pageNo: "page_no", pageSize: "page_size", defaultPageSize: 50, maxPageSize: 100 };

export const PAGING_FIELDS: FieldMeta[] = [
  { key: "page_size", label: "每页条数", labelEn: "Page size", type: "integer", preset: "{{PAGINATION_PAGE_SIZE}}" },
  { key: "page_no", label: "页码", labelEn: "Page number", type: "integer", preset: "{{PAGINATION_START_PAGE}}" },
];

export const DATE_HELP = "yyyy-MM-dd HH:mm:ss（北京时间）";
export const DATE_HELP_EN = "yyyy-MM-dd HH:mm:ss (Beijing time)";

export const MODIFIED = { start: "修改开始时间", end: "修改结束时间", en: "Modified" };

export interface WindowOptions {
  /** Shown after the date format in both fields' help, and `noteEn` in the English one. */
  note?: string;
  noteEn?: string;
  /** The end's preset is now, the start has none unless given. */
  startPreset?: string;
  /** false: a plain filter, no presets at all (windows a sync does not advance). */
  presets?: boolean;
}

/** A time window as a pair of request fields; the end defaults to now, for incremental syncs. */
export function timeWindow(start: string, end: string, labels: { start: string; end: string; en: string }, options: WindowOptions = {}): FieldMeta[] {
  const description = options.note ? `${DATE_HELP}；${options.note}` : DATE_HELP;
  const descriptionEn = options.noteEn ? `${DATE_HELP_EN}; ${options.noteEn}` : DATE_HELP_EN;
  const presets = options.presets !== false;
  const startPreset = presets && options.startPreset ? { preset: options.startPreset } : {};
  const endPreset = presets ? { preset: "{{CURRENT_TIME datetime}}" } : {};
  return [
    { key: start, label: labels.start, labelEn: `${labels.en} from`, type: "datetime", description, descriptionEn, ...startPreset },
    { key: end, label: labels.end, labelEn: `${labels.en} until`, type: "datetime", description, descriptionEn, ...endPreset },
  ];
}

/**
 * Presets of a modification window whose bounds Guanyi wants as a pair (商品, 发货单): from the
 * last completed sync until now. On a first run LAST_SYNC_TIME is empty and the start is left out;
 * the source then sends PAIRED_WINDOW_FLOOR instead (see source.ts), so the pair stays whole.
 */
export const INCREMENTAL = {
  startPreset: "{{LAST_SYNC_TIME datetime}}",
  note: "开始与结束时间必须成对使用；首次同步不填开始时间时自动从最早开始",
  noteEn: "the start and the end go as a pair; on a first sync without a start, reading starts from the earliest",
};
