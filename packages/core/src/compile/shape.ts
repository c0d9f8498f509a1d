// A definition that does not fit the scheme schema: zod's issues, in zh-CN and English, with
// the node or edge they are about named the way the editor shows them.
import type { z } from "zod";
import { schemeDefinitionSchema } from "../scheme";
import { en } from "../zod-locales";
import type { Issues } from "./issues";
import type { IssuePath } from "./plan";

export function reportShapeIssues(def: unknown, zhIssues: readonly z.core.$ZodIssue[], issues: Issues): void {
  // The same parse with English messages, issue for issue.
  const enResult = schemeDefinitionSchema.safeParse(def, { error: en() });
  const enIssues = enResult.success ? [] : enResult.error.issues;
  zhIssues.forEach((zi, k) => {
    const path = zi.path.map((p) => (typeof p === "symbol" ? String(p) : p));
    const custom = zi.code === "custom" ? (zi.params as { messageEn?: string } | undefined) : undefined;
    let message = zi.message;
    let messageEn = custom?.messageEn ?? enIssues[k]?.message ?? zi.message;
    if (path.length === 3 && path[0] === "nodes" && path[2] === "type") {
      const type = JSON.stringify(at(at(at(def, "nodes"), path[1] as number), "type"));
      message = `不支持的节点类型 ${type}：目前只有 source（源）和 target（目标）`;
      messageEn = `Unsupported node type ${type}: the types are source and target`;
    }
    // Our own messages say where they apply, except inside nodes and edges.
    const where = custom && path[0] !== "nodes" && path[0] !== "edges" ? undefined : describePath(def, path);
    issues.error({
      path,
      ...nodeAndField(def, path),
      message: where ? `${where.zh}：${message}` : message,
      messageEn: where ? `${where.en}: ${messageEn}` : messageEn,
    });
  });
}

export function at(value: unknown, key: string | number): unknown {
  return typeof value === "object" && value !== null ? (value as Record<string | number, unknown>)[key] : undefined;
}

function nodeAndField(def: unknown, path: IssuePath): { nodeId?: string; field?: string } {
  const out: { nodeId?: string; field?: string } = {};
  if (path[0] === "nodes" && typeof path[1] === "number") {
    const id = at(at(at(def, "nodes"), path[1]), "id");
    if (typeof id === "string") out.nodeId = id;
    if (path[2] === "config" && typeof path[4] === "string" && ["mapping", "params", "options"].includes(String(path[3]))) {
      out.field = path[4];
    }
  }
  return out;
}

function describePath(def: unknown, path: IssuePath): { zh: string; en: string } | undefined {
  if (path.length === 0) return undefined;
  const [head, index, ...rest] = path;
  if ((head === "nodes" || head === "edges") && typeof index === "number") {
    const id = at(at(at(def, head), index), "id");
    const name = typeof id === "string" ? `“${id}”` : `#${index + 1}`;
    const nameEn = typeof id === "string" ? `"${id}"` : `#${index + 1}`;
    const restText = rest.join(".");
    return head === "nodes"
      ? { zh: `节点 ${name}${restText ? ` 的 ${restText}` : ""}`, en: `Node ${nameEn}${restText ? ` ${restText}` : ""}` }
      : { zh: `连线 ${name}${restText ? ` 的 ${restText}` : ""}`, en: `Edge ${nameEn}${restText ? ` ${restText}` : ""}` };
  }
  const text = path.join(".");
  return { zh: text, en: text };
}
