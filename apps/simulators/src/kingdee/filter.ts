// The part of ExecuteBillQuery's FilterString (a SQL WHERE fragment) the simulator understands:
// `F in ('a','b')`, `F not in (…)`, `F = 'a'`, `<>`, `!=`, `<`, `<=`, `>`, `>=`, `F like '%a%'`,
// joined by `and` / `or` with parentheses. Strings use '' for a quote, as in SQL.

export type FieldReader = (field: string) => unknown;
export type Filter = (read: FieldReader) => boolean;

export class FilterError extends Error {}

type Literal = string | number;
type Token = { kind: "string"; value: string } | { kind: "number"; value: number } | { kind: "word"; value: string } | { kind: "punct"; value: string };

const TOKEN = /\s*(?:'((?:[^']|'')*)'|(-?\d+(?:\.\d+)?)(?![\w.])|([A-Za-z_][\w.]*)|(<>|!=|>=|<=|=|<|>|\(|\)|,))/y;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(text);
    if (!m) throw new FilterError(`过滤条件在第 ${at + 1} 个字符附近无法解析：${text.slice(at, at + 20)}`);
    if (m[1] !== undefined) tokens.push({ kind: "string", value: m[1].replaceAll("''", "'") });
    else if (m[2] !== undefined) tokens.push({ kind: "number", value: Number(m[2]) });
    else if (m[3] !== undefined) tokens.push({ kind: "word", value: m[3] });
    else tokens.push({ kind: "punct", value: m[4]! });
  }
  return tokens;
}

function text(value: unknown): string {
  return value === null || value === undefined ? "" : String(value);
}

/**
 * Text as SQL Server compares it with `=`, `<>`, `<` …, `in`: trailing spaces do not count (ANSI
 * padding; `'A ' = 'A'`). `like` keeps them, as SQL Server's does for the pattern. Case and width
 * are compared as they are (the simulator's choice: the collation 金蝶 accounts use is not published).
 */
export function paddedText(value: string): string {
  return value.replace(/ +$/, "");
}

function compare(value: unknown, literal: Literal): number {
  if (typeof literal === "number") {
    const n = Number(value);
    return Number.isNaN(n) ? NaN : n - literal;
  }
  const v = paddedText(text(value));
  const l = paddedText(literal);
  return v === l ? 0 : v < l ? -1 : 1;
}

function likeRegex(pattern: string): RegExp {
  const body = pattern.replace(/[.*+?^${}()|[\]\\%_]/g, (c) => (c === "%" ? ".*" : c === "_" ? "." : `\\${c}`));
  return new RegExp(`^${body}$`, "is");
}

export interface ParsedFilter {
  filter: Filter;
  /** The field keys it reads (for the caller to check). */
  fields: string[];
  /** Set when the whole filter is `F in (…)` or `F = …`: lets the store use an index. */
  lookup?: { field: string; values: Literal[] };
}

export function parseFilter(source: string): ParsedFilter {
  const tokens = tokenize(source);
  const fields: string[] = [];
  let lookup: ParsedFilter["lookup"];
  let pos = 0;

  const peek = () => tokens[pos];
  const isWord = (t: Token | undefined, w: string) => t?.kind === "word" && t.value.toLowerCase() === w;
  const expectPunct = (p: string) => {
    const t = tokens[pos++];
    if (t?.kind !== "punct" || t.value !== p) throw new FilterError(`过滤条件缺少“${p}”：${source}`);
  };
  const literal = (): Literal => {
    const t = tokens[pos++];
    if (t?.kind === "string" || t?.kind === "number") return t.value;
    throw new FilterError(`过滤条件应为值（'文本' 或数字）：${source}`);
  };
  const list = (): Literal[] => {
    expectPunct("(");
    const values = [literal()];
    while (peek()?.kind === "punct" && peek()?.value === ",") {
      pos++;
      values.push(literal());
    }
    expectPunct(")");
    return values;
  };

  const condition = (): Filter => {
    const t = tokens[pos++];
    if (t?.kind === "punct" && t.value === "(") {
      const inner = disjunction();
      expectPunct(")");
      return inner;
    }
    if (t?.kind !== "word") throw new FilterError(`过滤条件应以字段名开头：${source}`);
    const field = t.value;
    fields.push(field);
    const negated = isWord(peek(), "not");
    if (negated) pos++;
    if (isWord(peek(), "in")) {
      pos++;
      const values = list();
      if (!negated) lookup = { field, values };
      const texts = new Set(values.filter((v) => typeof v === "string").map(paddedText));
      const numbers = values.filter((v) => typeof v === "number");
      return (read) => {
        const value = read(field);
        return (texts.has(paddedText(text(value))) || numbers.some((n) => compare(value, n) === 0)) !== negated;
      };
    }
    if (isWord(peek(), "like")) {
      pos++;
      const pattern = literal();
      const re = likeRegex(String(pattern));
      return (read) => re.test(text(read(field))) !== negated;
    }
    if (negated) throw new FilterError(`“not” 后应为 in 或 like：${source}`);
    const op = tokens[pos++];
    if (op?.kind !== "punct" || !["=", "<>", "!=", "<", "<=", ">", ">="].includes(op.value)) {
      throw new FilterError(`不支持的比较方式：${source}`);
    }
    const value = literal();
    if (op.value === "=") lookup = { field, values: [value] };
    const test: Record<string, (c: number) => boolean> = {
      "=": (c) => c === 0,
      "<>": (c) => c !== 0,
      "!=": (c) => c !== 0,
      "<": (c) => c < 0,
      "<=": (c) => c <= 0,
      ">": (c) => c > 0,
      ">=": (c) => c >= 0,
    };
    const accept = test[op.value]!;
    return (read) => accept(compare(read(field), value));
  };
  const conjunction = (): Filter => {
    const parts = [condition()];
    while (isWord(peek(), "and")) {
      pos++;
      parts.push(condition());
    }
    return (read) => parts.every((p) => p(read));
  };
  const disjunction = (): Filter => {
    const parts = [conjunction()];
    while (isWord(peek(), "or")) {
      pos++;
      parts.push(conjunction());
    }
    return (read) => parts.some((p) => p(read));
  };

  if (tokens.length === 0) return { filter: () => true, fields };
  const filter = disjunction();
  if (pos < tokens.length) throw new FilterError(`过滤条件末尾有多余内容：${source}`);
  return fields.length === 1 && lookup ? { filter, fields, lookup } : { filter, fields };
}

const LIST_COMPARES = new Map<string, string>([
  ["=", "="],
  ["<>", "<>"],
  ["!=", "<>"],
  [">", ">"],
  [">=", ">="],
  ["<", "<"],
  ["<=", "<="],
  ["like", "like"],
  ["not like", "not like"],
  ["in", "in"],
  ["not in", "not in"],
]);

/**
 * The newer array form of FilterString (kingdee-documents.md):
 * `[{"Left":"(","FieldName":"FBillNo","Compare":"=","Value":"X","Right":")","Logic":0}]`, turned into
 * the string form. `Logic` joins an item to the next one (0 and, 1 or); `in` takes a comma list.
 * Compare is taken as the operator itself (=, <>, >=, like, in …) — Kingdee's numeric compare codes
 * are not published (ours).
 */
export function filterFromList(items: unknown[]): string {
  const literal = (v: unknown) => (typeof v === "number" ? String(v) : `'${String(v ?? "").replaceAll("'", "''")}'`);
  return items
    .map((item, i) => {
      if (!item || typeof item !== "object") throw new FilterError(`FilterString 第 ${i + 1} 项不是对象`);
      const { Left, FieldName, Compare, Value, Right } = item as Record<string, unknown>;
      const op = LIST_COMPARES.get(String(Compare ?? "").trim().toLowerCase());
      if (!op) throw new FilterError(`FilterString 第 ${i + 1} 项的 Compare“${String(Compare)}”不受支持`);
      const left = String(Left ?? "").trim();
      const right = String(Right ?? "").trim();
      if (!/^\(*$/.test(left) || !/^\)*$/.test(right)) throw new FilterError(`FilterString 第 ${i + 1} 项的 Left / Right 只能是括号`);
      if (typeof FieldName !== "string" || !/^[A-Za-z_][\w.]*$/.test(FieldName)) throw new FilterError(`FilterString 第 ${i + 1} 项的 FieldName 无效`);
      const value = op.endsWith("in")
        ? `(${(Array.isArray(Value) ? Value : String(Value ?? "").split(",")).map((v) => literal(typeof v === "string" ? v.trim() : v)).join(",")})`
        : literal(Value);
      const joint = i === 0 ? "" : Number((items[i - 1] as Record<string, unknown>).Logic ?? 0) === 1 ? " or " : " and ";
      return `${joint}${left}${FieldName} ${op} ${value}${right}`;
    })
    .join("");
}

/** FilterString in either form: a SQL-like string, or the array of conditions (also as a JSON string). */
export function parseFilterString(value: unknown): ParsedFilter {
  if (Array.isArray(value)) return parseFilter(filterFromList(value));
  const source = typeof value === "string" ? value.trim() : "";
  if (source.startsWith("[")) {
    let list: unknown;
    try {
      list = JSON.parse(source);
    } catch {
      throw new FilterError(`FilterString 不是有效的 JSON 数组：${source.slice(0, 40)}`);
    }
    if (Array.isArray(list)) return parseFilter(filterFromList(list));
  }
  return parseFilter(value === undefined || value === null ? "" : String(value));
}
