// What the editor offers for autocompletion and help: the variables and filters of the language.
import { FILTERS } from "./filters";
import { FILTER_NAMES, TEMPLATE_FORMATS, type FilterName, type TemplateVariable } from "./types";

export interface TemplateVariableInfo {
  name: TemplateVariable;
  label: string;
  labelEn: string;
  description: string;
  descriptionEn: string;
}

export const templateVariables: readonly TemplateVariableInfo[] = [
  {
    name: "CURRENT_TIME",
    label: "当前时间",
    labelEn: "Current time",
    description: "本次运行开始的时间；不写格式时为 yyyy-MM-dd HH:mm:ss（方案时区）",
    descriptionEn: "When this run started; yyyy-MM-dd HH:mm:ss in the scheme's timezone unless a format is given",
  },
  {
    name: "LAST_SYNC_TIME",
    label: "上次同步时间",
    labelEn: "Last sync time",
    description: "上次完整读取的窗口结束时间；首次运行为空，该请求参数不发送",
    descriptionEn: "End of the last completed read window; empty on the first run, so the parameter is left out",
  },
  {
    name: "PAGINATION_PAGE_SIZE",
    label: "每页条数",
    labelEn: "Page size",
    description: "源节点设置的每页条数",
    descriptionEn: "The source node's page size",
  },
  {
    name: "PAGINATION_START_PAGE",
    label: "起始页码",
    labelEn: "Start page",
    description: "第一页的页码",
    descriptionEn: "Number of the first page",
  },
];

export interface TemplateFilterInfo {
  name: FilterName;
  syntax: string;
  syntaxEn: string;
  description: string;
  descriptionEn: string;
  /** Also written after a space: {{CURRENT_TIME datetime}}. */
  isFormat: boolean;
}

export const templateFilters: readonly TemplateFilterInfo[] = FILTER_NAMES.map((name) => ({
  name,
  syntax: FILTERS[name].syntax,
  syntaxEn: FILTERS[name].syntaxEn ?? FILTERS[name].syntax,
  description: FILTERS[name].description,
  descriptionEn: FILTERS[name].descriptionEn,
  isFormat: (TEMPLATE_FORMATS as readonly string[]).includes(name),
}));
