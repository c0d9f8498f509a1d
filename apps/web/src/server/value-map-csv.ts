// Value maps as CSV, for Excel: export is UTF-8 with a BOM and CRLF line ends (Excel reads a
// BOM-less UTF-8 file as the system code page and garbles Chinese); import takes UTF-8 (with or
// without the BOM) and, because Excel's "CSV" on a Chinese Windows saves GBK, decodes a file that
// is not UTF-8 as GB18030 (a superset of GBK) when it is valid there. Parsing is RFC 4180 (quoted
// fields, "" for a quote, newlines inside quotes), written here (no CSV parser is installed, and
// the rules fit in a screen) so that every error can name the line it is on. An import is all or
// nothing: the first problem found stops it and nothing is stored.
import { duplicateSources, VALUE_MAP_LIMITS, type ValueMapEntry } from "@qiao/core";

export class CsvImportError extends Error {
  override name = "CsvImportError";
  constructor(
    /** zh-CN */
    readonly zh: string,
    readonly en: string,
    /** 1-based line of the file (the header is line 1); absent for the file as a whole. */
    readonly line?: number,
  ) {
    super(en);
  }
}

export type CsvEncoding = "utf-8" | "gb18030";

/** Offset of the first byte that is not valid UTF-8, or -1. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    const n = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (n < 0) return i;
    for (let k = 1; k <= n; k++) if (((bytes[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    // Overlong 3-byte forms, surrogates and code points past U+10FFFF.
    const b1 = bytes[i + 1] ?? 0;
    if ((b === 0xe0 && b1 < 0xa0) || (b === 0xed && b1 > 0x9f) || (b === 0xf0 && b1 < 0x90) || (b === 0xf4 && b1 > 0x8f)) return i;
    i += n + 1;
  }
  return -1;
}

const lineAt = (bytes: Uint8Array, offset: number) => bytes.subarray(0, offset).filter((b) => b === 0x0a).length + 1;

/** The file's text: UTF-8, else GB18030 (GBK), else an error naming the line of the first bad byte. */
export function decodeCsv(bytes: Uint8Array): { text: string; encoding: CsvEncoding } {
  const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  const bad = firstInvalidUtf8(body);
  let text: string;
  let encoding: CsvEncoding = "utf-8";
  if (bad < 0) text = new TextDecoder("utf-8").decode(body);
  else {
    try {
      text = new TextDecoder("gb18030", { fatal: true }).decode(body);
      encoding = "gb18030";
    } catch {
      const line = lineAt(body, bad);
      throw new CsvImportError(
        `文件编码无法识别：第 ${line} 行起既不是 UTF-8 也不是 GBK 文本。请在 Excel 中“另存为 CSV UTF-8（逗号分隔）”后再导入`,
        `Unreadable encoding: from line ${line} the file is neither UTF-8 nor GBK text. Save it from Excel as "CSV UTF-8 (comma delimited)" and import again`,
        line,
      );
    }
  }
  const nul = text.indexOf("\u0000");
  if (nul >= 0) {
    throw new CsvImportError(
      "这不是 CSV 文本文件（含有二进制内容，可能是 .xlsx）：请在 Excel 中另存为 CSV 后再导入",
      "This is not a CSV text file (it holds binary data, perhaps .xlsx): save it from Excel as CSV and import again",
    );
  }
  return { text, encoding };
}

/** RFC 4180 records, each with the line it starts on. */
export function parseCsv(text: string): { line: number; cells: string[] }[] {
  const records: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = "";
  let line = 1;
  let start = 1;
  let quoted = false;
  let quoteLine = 0;
  /** A quoted cell just closed: only a comma or the line's end may follow. */
  let closed = false;
  let i = 0;
  const endRecord = () => {
    cells.push(cell);
    records.push({ line: start, cells });
    cells = [];
    cell = "";
  };
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i += 2;
          continue;
        }
        quoted = false;
        closed = true;
      } else {
        if (c === "\n") line++;
        cell += c;
      }
      i++;
      continue;
    }
    if (closed && c !== "," && c !== "\r" && c !== "\n") {
      throw new CsvImportError(
        `第 ${line} 行：引号闭合后只能是逗号或换行，这里是 “${c}”（值中的引号写作 ""，带引号的值前后不能有空格）`,
        `Line ${line}: after a closing quote only a comma or the line's end may follow, not "${c}" (a quote inside a value is written "", and a quoted value has no spaces around it)`,
        line,
      );
    }
    closed = false;
    if (c === '"' && cell === "") {
      quoted = true;
      quoteLine = line;
    } else if (c === ",") {
      cells.push(cell);
      cell = "";
    } else if (c === "\r" || c === "\n") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      endRecord();
      line++;
      start = line;
    } else cell += c;
    i++;
  }
  if (quoted) {
    throw new CsvImportError(
      `第 ${quoteLine} 行的引号没有闭合：一个以 " 开头的值必须以 " 结束（值中的引号写作 ""）`,
      `The quote opened on line ${quoteLine} is never closed: a value starting with " must end with " (a quote inside is written "")`,
      quoteLine,
    );
  }
  if (cell !== "" || cells.length > 0) endRecord();
  return records;
}

const SOURCE_HEADERS = ["source", "源值"];
const TARGET_HEADERS = ["target", "目标值"];

/** The entries of a CSV file with the columns source,target (or 源值,目标值); other columns are ignored. */
export function entriesFromCsv(bytes: Uint8Array): { entries: ValueMapEntry[]; encoding: CsvEncoding } {
  const { text, encoding } = decodeCsv(bytes);
  const records = parseCsv(text).filter((r) => r.cells.some((c) => c.trim() !== ""));
  const header = records.shift();
  if (!header) {
    throw new CsvImportError("文件是空的：第 1 行应为表头 source,target（或 源值,目标值）", "The file is empty: line 1 must be the header source,target (or 源值,目标值)", 1);
  }
  const names = header.cells.map((c) => c.trim().toLowerCase());
  const sourceCol = names.findIndex((n) => SOURCE_HEADERS.includes(n));
  const targetCol = names.findIndex((n) => TARGET_HEADERS.includes(n));
  const missing = (["source", "target"] as const).filter((c) => (c === "source" ? sourceCol : targetCol) < 0);
  if (missing.length > 0) {
    const named = { source: "source（源值）", target: "target（目标值）" };
    throw new CsvImportError(
      `缺少列 ${missing.map((c) => named[c]).join("、")}：第 ${header.line} 行的表头是 “${header.cells.join(",")}”，应为 source,target 或 源值,目标值`,
      `Missing ${missing.length === 1 ? "column" : "columns"} ${missing.join(", ")}: the header on line ${header.line} is "${header.cells.join(",")}"; it must be source,target or 源值,目标值`,
      header.line,
    );
  }
  if (records.length > VALUE_MAP_LIMITS.entries) {
    throw new CsvImportError(`文件有 ${records.length} 行，每个值映射最多 ${VALUE_MAP_LIMITS.entries} 行`, `The file has ${records.length} rows; a value map has at most ${VALUE_MAP_LIMITS.entries}`);
  }
  const entries = records.map(({ line, cells }) => {
    // A row must line up with the header: an unquoted comma in a value makes one cell more (and
    // the pair read would be wrong), a row cut short has no cell under a column (and "" would be
    // imported as a value nobody wrote). Fewer cells are fine when both columns have theirs.
    if (cells.length > header.cells.length) {
      throw new CsvImportError(
        `第 ${line} 行有 ${cells.length} 个值，表头只有 ${header.cells.length} 列：含逗号的值要用英文双引号括起来（如 "华东,上海仓"）`,
        `Line ${line} has ${cells.length} values but the header has ${header.cells.length} columns: put a value with a comma in double quotes (as in "East,Shanghai")`,
        line,
      );
    }
    const source = cells[sourceCol];
    const target = cells[targetCol];
    if (source === undefined || target === undefined) {
      const column = source === undefined ? { zh: "source（源值）", en: "source" } : { zh: "target（目标值）", en: "target" };
      throw new CsvImportError(
        `第 ${line} 行缺少 ${column.zh} 列的值：这一行只有 ${cells.length} 个值，表头有 ${header.cells.length} 列`,
        `Line ${line} has no value in the ${column.en} column: it has ${cells.length} ${cells.length === 1 ? "value" : "values"}, the header has ${header.cells.length} columns`,
        line,
      );
    }
    const entry = { source, target };
    for (const value of [entry.source, entry.target]) {
      if (value.length > VALUE_MAP_LIMITS.value) {
        throw new CsvImportError(`第 ${line} 行的值超过 ${VALUE_MAP_LIMITS.value} 个字符`, `A value on line ${line} is longer than ${VALUE_MAP_LIMITS.value} characters`, line);
      }
    }
    return entry;
  });
  const [dup] = duplicateSources(entries);
  if (dup) {
    const lines = dup.rows.map((r) => records[r - 1]!.line);
    throw new CsvImportError(
      `源值 “${dup.source}” 重复：第 ${lines.join("、")} 行。每个源值只能出现一次，未导入任何行`,
      `The source value "${dup.source}" is repeated on lines ${lines.join(", ")}: each source value may appear once; nothing was imported`,
      lines[1],
    );
  }
  return { entries, encoding };
}

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) || value !== value.trim() ? `"${value.replaceAll('"', '""')}"` : value;
}

/** The CSV Excel opens with Chinese intact: BOM, 源值,目标值 header, CRLF. */
export function entriesToCsv(entries: readonly ValueMapEntry[]): Uint8Array<ArrayBuffer> {
  const lines = ["源值,目标值", ...entries.map((e) => `${csvCell(e.source)},${csvCell(e.target)}`)];
  return new TextEncoder().encode(`\uFEFF${lines.join("\r\n")}\r\n`);
}
