// UI texts of lookups and value maps in the editor (issue #13): the template field's autocomplete,
// the mapping table's links to what a template names, and the test preview's waiting records.
// Merged into ../messages.ts.

export const editorLookupsZh = {
  "editor.filters": "过滤器",
  "editor.lookupScheme": "查找该方案写入的目标编码",
  "editor.complete.field": "源字段和变量",
  "editor.complete.filter": "过滤器",
  "editor.complete.map": "值映射",
  "editor.complete.lookup": "方案",
  "editor.ref.map": "值映射",
  "editor.ref.mapTitle": "打开值映射 “{name}”（新标签页）",
  "editor.ref.lookup": "查找",
  "editor.ref.lookupTitle": "打开方案 “{name}”（新标签页）：取它为源键写入的目标编码",
  "editor.ref.lookupUnknown": "没有唯一叫 “{name}” 的方案",
  "editor.ref.erp": "ERP 查询",
  "editor.ref.erpTitle": "运行时到目标 ERP 的 {form} 按 {key} 查询（每次运行、每个连接缓存）",
  "editor.testWaits": "等待依赖：方案 “{scheme}” 尚未写入 {key}",
  "editor.testWaitsHelp": "运行时这条记录会等待（不会带空引用发送），该方案写入这个键后自动写入",
  "editor.testWaiting": "等待",
} as const;

export const editorLookupsEn: Record<keyof typeof editorLookupsZh, string> = {
  "editor.filters": "Filters",
  "editor.lookupScheme": "Look up the target number this scheme wrote",
  "editor.complete.field": "Source fields and variables",
  "editor.complete.filter": "Filters",
  "editor.complete.map": "Value maps",
  "editor.complete.lookup": "Schemes",
  "editor.ref.map": "Value map",
  "editor.ref.mapTitle": "Open the value map \"{name}\" (new tab)",
  "editor.ref.lookup": "Lookup",
  "editor.ref.lookupTitle": "Open the scheme \"{name}\" (new tab): the target number it wrote for the source key",
  "editor.ref.lookupUnknown": "No single scheme is named \"{name}\"",
  "editor.ref.erp": "ERP query",
  "editor.ref.erpTitle": "At run time, read {form} by {key} from the target ERP (cached per run and per connection)",
  "editor.testWaits": "Waiting for a dependency: the scheme \"{scheme}\" has not written {key} yet",
  "editor.testWaitsHelp": "At run time this record waits (it is never sent with an empty reference) and is written once that scheme writes the key",
  "editor.testWaiting": "Waiting",
};
