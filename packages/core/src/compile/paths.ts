// Which fields a template reads, checked against what the source documents: head templates read
// the source record (`$parent` is for rows only); row templates read an item of their source list
// and, through `$parent`, the record.
import type { FieldMeta, SourceApiMeta } from "../connector-meta";
import type { SchemeNode } from "../scheme";
import { templateRefs } from "../template/evaluate";
import { PARENT_SEGMENT, TEMPLATE_VARIABLES, type Template, type TemplateRef } from "../template/types";
import type { Issues } from "./issues";
import type { IssuePath } from "./plan";

interface Where {
  path: IssuePath;
  node: SchemeNode;
  key: string;
  issues: Issues;
}

const list = (fields: readonly FieldMeta[]) => fields.map((f) => `${f.key}（${f.label}）`).join("、");
const listEn = (fields: readonly FieldMeta[]) => fields.map((f) => f.key).join(", ");

/**
 * A path whose first key `fields` does not have. On the record that is a warning (sources may
 * return more than they document); on a documented list item (`strict`) an error, since a row
 * reading a field the list does not have would be sent empty.
 */
function checkRef(ref: TemplateRef, segments: readonly string[], fields: readonly FieldMeta[], what: [string, string], strict: boolean, w: Where): void {
  const [first, second] = segments;
  if (first === undefined) return;
  const field = fields.find((f) => f.key === first);
  const base = { path: w.path, nodeId: w.node.id, field: w.key, start: ref.start, end: ref.end };
  const report = strict ? w.issues.error.bind(w.issues) : w.issues.warning.bind(w.issues);
  if (!field) {
    const asVariable = TEMPLATE_VARIABLES.find((v) => v === ref.text.toUpperCase());
    report({
      ...base,
      message: asVariable
        ? `${what[0]}没有字段 “${ref.text}”：变量名要大写，是否想写 {{${asVariable}}}？`
        : `${what[0]}中没有 “${first}”${strict ? "" : "，运行时该值为空"}：可用的字段有 ${list(fields)}`,
      messageEn: asVariable
        ? `${what[1]} has no field "${ref.text}": variables are upper case, did you mean {{${asVariable}}}?`
        : `${what[1]} has no field "${first}"${strict ? "" : ", so the value may be empty"}: the fields are ${listEn(fields)}`,
    });
  } else if (second !== undefined && field.type !== "object" && field.type !== "array") {
    w.issues.warning({
      ...base,
      message: `源字段 ${field.key}（${field.label}）不是对象或数组，没有下级字段 “${second}”`,
      messageEn: `The source field ${field.key} (${field.labelEn}) is not an object or array and has no field "${second}"`,
    });
  }
}

const sourceWhat = (api: SourceApiMeta): [string, string] => [`源接口 ${api.id}（${api.name}）的返回字段`, `Source API ${api.id}`];

/** A head template: paths into the source record; `$parent` has no meaning here. */
export function checkHeadPaths(template: Template, api: SourceApiMeta | undefined, path: IssuePath, node: SchemeNode, key: string, issues: Issues): void {
  for (const ref of templateRefs(template).paths) {
    if (ref.segments[0] === PARENT_SEGMENT) {
      issues.error({
        path,
        nodeId: node.id,
        field: key,
        start: ref.start,
        end: ref.end,
        message: `${PARENT_SEGMENT} 只能用在分录行的模板中（读取表头记录）；表头字段请直接写字段名，如 {{${ref.segments.slice(1).join(".") || "code"}}}`,
        messageEn: `${PARENT_SEGMENT} only works in entry row templates (it reads the head record); in a head field write the field itself, e.g. {{${ref.segments.slice(1).join(".") || "code"}}}`,
      });
    } else if (api) {
      checkRef(ref, ref.segments, api.response, sourceWhat(api), false, { path, node, key, issues });
    }
  }
}

/**
 * A row template: `$parent.x` reads the record (checked like a head path), anything else reads the
 * list item (checked against the list's documented fields, when it has them).
 */
export function checkRowPaths(
  template: Template,
  api: SourceApiMeta | undefined,
  item: { fields: readonly FieldMeta[]; name: string } | undefined,
  path: IssuePath,
  node: SchemeNode,
  key: string,
  issues: Issues,
): void {
  const w = { path, node, key, issues };
  for (const ref of templateRefs(template).paths) {
    if (ref.segments[0] === PARENT_SEGMENT) {
      if (api) checkRef(ref, ref.segments.slice(1), api.response, sourceWhat(api), false, w);
    } else if (item) {
      checkRef(ref, ref.segments, item.fields, [`源列表 ${item.name} 的每一项`, `An item of the source list ${item.name}`], true, w);
    }
  }
}
