// The parser's scanner: the cursor over the source, its errors, and the lexical pieces every part of
// the grammar uses (words, quoted strings, literals, whitespace, the expression delimiters), with
// the "expected … here" and "not closed" errors. The grammar itself is in ./parse.ts.
import type { TemplateError } from "./types";

/**
 * Thrown inside the parser after the error is recorded: `fatal` when the input ran out,
 * `resumeAt` when the error already says where the expression really ends.
 */
export class ParseFailure {
  constructor(
    readonly fatal: boolean,
    readonly resumeAt?: number,
  ) {}
}

export const PUNCTUATION = new Set([".", "[", "]", "|", "(", ")", ",", "'", '"']);
export const WHITESPACE = new Set([" ", "\t", "\n", "\r", "\u00a0", "\u3000"]);

export abstract class Scanner {
  protected i = 0;
  protected readonly errors: TemplateError[] = [];

  constructor(protected readonly src: string) {}

  protected openerAt(at: number): boolean {
    return this.src.startsWith("{{", at) || this.src.startsWith("<<", at);
  }

  protected closerAt(at: number): boolean {
    return this.src.startsWith("}}", at) || this.src.startsWith(">>", at);
  }

  protected unclosed(open: number, opener: string, closer: string): void {
    this.error(
      `“${opener}” 没有对应的 “${closer}”：请在表达式末尾补上 “${closer}”`,
      `"${opener}" is not closed: add "${closer}" at the end of the expression`,
      open,
      open + 2,
    );
  }

  protected error(message: string, messageEn: string, start: number, end: number): void {
    this.errors.push({ message, messageEn, start, end: Math.max(end, start) });
  }

  protected fail(message: string, messageEn: string, start: number, end: number): never {
    this.error(message, messageEn, start, end);
    throw new ParseFailure(false);
  }

  protected skipWhitespace(): void {
    while (this.i < this.src.length && WHITESPACE.has(this.src[this.i] as string)) this.i++;
  }

  protected atWordChar(): boolean {
    const c = this.src[this.i];
    return (
      c !== undefined && !WHITESPACE.has(c) && !PUNCTUATION.has(c) && !this.closerAt(this.i) && !this.openerAt(this.i)
    );
  }

  protected word(): string {
    const start = this.i;
    while (this.atWordChar()) this.i++;
    return this.src.slice(start, this.i);
  }

  /** Where an expression expected more: explains what is there instead. */
  protected unexpected(open: number, opener: string, closer: string, expected: string, expectedEn: string): never {
    const at = this.i;
    if (at >= this.src.length) {
      this.unclosed(open, opener, closer);
      throw new ParseFailure(true);
    }
    if (this.src.startsWith(closer, at)) {
      this.fail(`此处应为${expected}，表达式却已结束`, `Expected ${expectedEn} before the end of the expression`, at, at + 2);
    }
    if (this.closerAt(at)) {
      this.error(
        `以 “${opener}” 开始的表达式应以 “${closer}” 结束，而不是 “${this.src.slice(at, at + 2)}”`,
        `An expression opened with "${opener}" must end with "${closer}", not "${this.src.slice(at, at + 2)}"`,
        at,
        at + 2,
      );
      throw new ParseFailure(false, at + 2);
    }
    if (this.openerAt(at)) {
      this.unclosed(open, opener, closer);
      throw new ParseFailure(false, at);
    }
    const word = this.word();
    const shown = word || (this.src[at] as string);
    this.fail(`此处应为${expected}，却是 “${shown}”`, `Expected ${expectedEn} here, found "${shown}"`, at, at + shown.length);
  }

  protected quoted(): string {
    const start = this.i;
    const quote = this.src[this.i];
    this.i++;
    let value = "";
    while (this.i < this.src.length) {
      const c = this.src[this.i] as string;
      if (c === quote) {
        this.i++;
        return value;
      }
      if (c === "\\" && this.i + 1 < this.src.length) {
        value += this.src[this.i + 1];
        this.i += 2;
      } else {
        value += c;
        this.i++;
      }
    }
    this.error(`字符串缺少结束的引号 ${quote}`, `The string is missing its closing ${quote}`, start, this.src.length);
    throw new ParseFailure(true);
  }

  protected literal(filterName: string): string | number {
    const c = this.src[this.i];
    if (c === "'" || c === '"') return this.quoted();
    const start = this.i;
    if (c === "-" || c === "+") this.i++;
    while (isDigit(this.src[this.i])) this.i++;
    if (this.src[this.i] === "." && isDigit(this.src[this.i + 1])) {
      this.i++;
      while (isDigit(this.src[this.i])) this.i++;
    }
    const digits = this.src.slice(start, this.i);
    if (isDigit(digits[digits.length - 1]) && !this.atWordChar()) return Number(digits);
    this.i = start;
    const word = this.word();
    if (word === "") {
      if (start >= this.src.length) {
        this.error(`过滤器 ${filterName} 的参数不完整`, `The arguments of ${filterName} are incomplete`, start, start);
        throw new ParseFailure(true);
      }
      this.fail(`过滤器 ${filterName} 此处缺少参数`, `An argument of ${filterName} is missing here`, start, start + 1);
    }
    this.fail(
      `过滤器 ${filterName} 的参数 ${word} 需要加引号，例如 '${word}'`,
      `The argument ${word} of ${filterName} needs quotes, e.g. '${word}'`,
      start,
      start + word.length,
    );
  }
}

export function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= "0" && c <= "9";
}

/** The closest known name within two edits (case-insensitive), for "did you mean". */
export function suggest(word: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const name of names) {
    const d = editDistance(word.toLowerCase(), name.toLowerCase());
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, k) => k);
  for (let x = 1; x <= a.length; x++) {
    const row = [x];
    for (let y = 1; y <= b.length; y++) {
      row[y] = Math.min((prev[y] ?? 0) + 1, (row[y - 1] ?? 0) + 1, (prev[y - 1] ?? 0) + (a[x - 1] === b[y - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}
