import { describe, expect, it } from "vitest";
import { CsvImportError, entriesFromCsv, entriesToCsv, parseCsv } from "./value-map-csv";

const utf8 = (s: string) => new TextEncoder().encode(s);
/** "源值,目标值\r\n主仓,CK001\r\n" as Excel saves it on Chinese Windows (GBK). */
const GBK_FILE = Uint8Array.from([
  0xd4, 0xb4, 0xd6, 0xb5, 0x2c, 0xc4, 0xbf, 0xb1, 0xea, 0xd6, 0xb5, 0x0d, 0x0a, 0xd6, 0xf7, 0xb2, 0xd6, 0x2c, 0x43, 0x4b, 0x30, 0x30, 0x31, 0x0d, 0x0a,
]);

function csvError(bytes: Uint8Array): CsvImportError {
  try {
    entriesFromCsv(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(CsvImportError);
    return error as CsvImportError;
  }
  throw new Error("expected a CsvImportError");
}

describe("CSV import of a value map", () => {
  it("reads source,target or 源值,目标值 in any column order, with a BOM, CRLF or LF, skipping blank lines", () => {
    expect(entriesFromCsv(utf8("source,target\nWH01,CK001\n\nWH02,CK002"))).toEqual({
      entries: [
        { source: "WH01", target: "CK001" },
        { source: "WH02", target: "CK002" },
      ],
      encoding: "utf-8",
    });
    expect(entriesFromCsv(utf8("\uFEFF备注,目标值,源值\r\n主,CK001,WH01\r\n")).entries).toEqual([{ source: "WH01", target: "CK001" }]);
    expect(entriesFromCsv(utf8("Source , TARGET\r\nx,y")).entries).toEqual([{ source: "x", target: "y" }]);
  });

  it("keeps quoted commas, quotes and newlines, and values exactly as written", () => {
    const { entries } = entriesFromCsv(utf8('source,target\n"a,b","say ""hi"""\n"two\nlines", spaced \n'));
    expect(entries).toEqual([
      { source: "a,b", target: 'say "hi"' },
      { source: "two\nlines", target: " spaced " },
    ]);
  });

  it("decodes GBK (GB18030), as Excel saves CSV on Chinese Windows", () => {
    expect(entriesFromCsv(GBK_FILE)).toEqual({ entries: [{ source: "主仓", target: "CK001" }], encoding: "gb18030" });
  });

  it("refuses bytes that are neither UTF-8 nor GBK, naming the line", () => {
    const bytes = Uint8Array.from([...utf8("source,target\nWH01,CK001\nWH02,"), 0xff, 0xff, 0x0a]);
    const e = csvError(bytes);
    expect(e.line).toBe(3);
    expect(e.zh).toContain("第 3 行");
    expect(e.zh).toContain("既不是 UTF-8 也不是 GBK");
  });

  it("refuses a binary file such as .xlsx", () => {
    expect(csvError(Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00])).zh).toContain("不是 CSV 文本文件");
  });

  it("refuses a missing column, naming it and the header line", () => {
    const e = csvError(utf8("\n源值,备注\nWH01,x\n"));
    expect(e.line).toBe(2);
    expect(e.zh).toContain("缺少列 target（目标值）");
    expect(csvError(utf8("")).zh).toContain("文件是空的");
  });

  it("refuses repeated source values, naming the lines (quoted newlines counted)", () => {
    const e = csvError(utf8('source,target\nWH01,CK001\n"x\ny",1\nWH01,CK002\n'));
    expect(e.zh).toContain("源值 “WH01” 重复：第 2、5 行");
    expect(e.line).toBe(5);
  });

  it("refuses an unclosed quote, naming the line it opens on", () => {
    const e = csvError(utf8('source,target\nWH01,"CK001\nWH02,CK002\n'));
    expect(e.line).toBe(2);
    expect(e.zh).toContain("引号没有闭合");
  });
});

// Found by session 30's audit: a data row whose cells did not line up with the header was imported
// silently. A row with more cells than the header (a value with an unquoted comma, 华东,上海仓) was
// read as its first two cells — a wrong pair; a row cut short made the missing value "" — an entry
// for the empty source value, or an empty target, nobody wrote; text after a closing quote
// ("WH02" ,) was glued to the value ("WH02 "). Each is now refused naming its line, in both
// languages, and nothing is imported (docs/value-maps.md: "a 400 naming the line").
describe("CSV rows that do not line up with the header", () => {
  it("refuses a row with more cells than the header (an unquoted comma in a value), naming its line", () => {
    const e = csvError(utf8("源值,目标值\r\n北京仓,CK001\r\n华东,上海仓,CK002\r\n"));
    expect(e.line).toBe(3);
    expect(e.zh).toContain("第 3 行有 3 个值，表头只有 2 列");
    expect(e.en).toContain("Line 3 has 3 values but the header has 2 columns");
  });

  it("refuses a row with no cell under the source or target column, naming its line and the column", () => {
    const noSource = csvError(utf8("目标值,源值\r\nCK001,WH01\r\nCK009\r\n"));
    expect(noSource.line).toBe(3);
    expect(noSource.zh).toContain("第 3 行缺少 source（源值） 列的值");
    expect(noSource.en).toContain("Line 3 has no value in the source column");
    const noTarget = csvError(utf8("source,target\nWH01,CK001\n\nWH02\n"));
    expect(noTarget.line).toBe(4);
    expect(noTarget.en).toContain("target column");
  });

  it("takes a row shorter than the header when the source and target cells are there", () => {
    expect(entriesFromCsv(utf8("source,target,备注\r\nWH01,CK001,主仓\r\nWH02,CK002\r\n")).entries).toEqual([
      { source: "WH01", target: "CK001" },
      { source: "WH02", target: "CK002" },
    ]);
  });

  it("refuses text after a closing quote, naming its line (not glued to the value)", () => {
    const e = csvError(utf8('source,target\r\nWH01,CK001\r\n"WH02" ,CK002\r\n'));
    expect(e.line).toBe(3);
    expect(e.zh).toContain("第 3 行：引号闭合后只能是逗号或换行");
    expect(e.en).toContain("Line 3: after a closing quote only a comma or the line's end may follow");
    // The line the stray text is on, after a quoted newline; and at the very end of the file.
    expect(csvError(utf8('source,target\n"WH\n01"x,CK001\n')).line).toBe(3);
    expect(csvError(utf8('source,target\nWH01,"CK001"x')).line).toBe(2);
    // A closing quote before a comma, CRLF, LF or the end is fine.
    expect(entriesFromCsv(utf8('source,target\r\n"WH01","CK001"\r\n"WH02","CK002"\n"WH03","CK003"')).entries.map((e) => e.target)).toEqual(["CK001", "CK002", "CK003"]);
  });
});

describe("CSV export of a value map", () => {
  it("is UTF-8 with a BOM and CRLF, quoting what needs it, and imports back to the same entries", () => {
    const entries = [
      { source: "WH01", target: "主仓" },
      { source: "a,b", target: 'say "hi"' },
      { source: " x", target: "two\nlines" },
    ];
    const bytes = entriesToCsv(entries);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder().decode(bytes.subarray(3));
    expect(text.startsWith("源值,目标值\r\nWH01,主仓\r\n")).toBe(true);
    expect(text.endsWith("\r\n")).toBe(true);
    expect(entriesFromCsv(bytes).entries).toEqual(entries);
  });

  it("parses records with the line each starts on", () => {
    expect(parseCsv('a,b\r\n"1\r\n2",3\r\n4,5').map((r) => r.line)).toEqual([1, 2, 4]);
  });
});
