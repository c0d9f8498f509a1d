// Parses a template once into the tree of ./types.ts, collecting every error with its position.
//
// Grammar (inside `{{ … }}` or `<< … >>`, which mean the same):
//   expression := head format? ("|" filter)*
//   head       := VARIABLE | path            VARIABLE is an all-caps word (CURRENT_TIME, …)
//   path       := (word | bracket) ("." word | bracket)*     bracket := "[" digits | quoted "]"
//   format     := word                      only after whitespace: {{CURRENT_TIME datetime}}
//   filter     := word ("(" literal ("," literal)* ")")?      literal := quoted | number
//   lookup('方案', head, literal*) as the expression's start is `head | lookup('方案', literal*)`
// Outside expressions, `\{{` and `\<<` stand for the characters themselves.
import { FILTERS } from "./filters";
import { isDigit, ParseFailure, Scanner, suggest } from "./scan";
import { compileDatePattern } from "./time";
import {
  FILTER_NAMES,
  LOOKUP_RETURNS,
  TEMPLATE_FORMATS,
  TEMPLATE_VARIABLES,
  type ExpressionPart,
  type FilterCall,
  type FilterName,
  type PathHead,
  type TemplateParseResult,
  type TemplatePart,
  type TemplateSpan,
  type TemplateVariable,
  type VariableHead,
} from "./types";

const isFilterName = (s: string): s is FilterName => (FILTER_NAMES as readonly string[]).includes(s);
const isFormatName = (s: string): boolean => (TEMPLATE_FORMATS as readonly string[]).includes(s);
const isBuiltIn = (s: string): s is TemplateVariable => (TEMPLATE_VARIABLES as readonly string[]).includes(s);

/** All capitals (digits and "_" allowed after the first letter): the shape of a variable name. */
function looksLikeVariable(word: string): boolean {
  const first = word.charCodeAt(0);
  if (!(first >= 65 && first <= 90)) return false;
  for (let k = 1; k < word.length; k++) {
    const c = word.charCodeAt(k);
    if (!((c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95)) return false;
  }
  return true;
}

export function parseTemplate(source: string): TemplateParseResult {
  return new Parser(source).parse();
}

class Parser extends Scanner {
  private readonly parts: TemplatePart[] = [];
  private text = "";
  private textStart = 0;

  parse(): TemplateParseResult {
    const { src } = this;
    while (this.i < src.length) {
      if (src[this.i] === "\\" && this.openerAt(this.i + 1)) {
        this.text += src.slice(this.i + 1, this.i + 3);
        this.i += 3;
      } else if (this.openerAt(this.i)) {
        this.flushText(this.i);
        this.expression();
        this.textStart = this.i;
      } else {
        this.text += src[this.i];
        this.i++;
      }
    }
    this.flushText(src.length);
    if (this.errors.length > 0) return { ok: false, errors: this.errors };
    return { ok: true, template: { source: src, parts: this.parts } };
  }

  private flushText(end: number): void {
    if (this.text !== "") this.parts.push({ kind: "text", value: this.text, start: this.textStart, end });
    this.text = "";
  }

  private expression(): void {
    const open = this.i;
    const opener = this.src.slice(open, open + 2);
    const closer = opener === "{{" ? "}}" : ">>";
    this.i += 2;
    try {
      this.parts.push(this.expressionBody(open, opener, closer));
    } catch (e) {
      if (!(e instanceof ParseFailure)) throw e;
      this.recover(e, open, opener, closer);
    }
  }

  /** After an error, continue behind this expression's closer so later errors are found too. */
  private recover(e: ParseFailure, open: number, opener: string, closer: string): void {
    if (e.fatal || e.resumeAt !== undefined) {
      this.i = e.resumeAt ?? this.src.length;
      return;
    }
    const close = this.src.indexOf(closer, this.i);
    let next = this.i;
    while (next < this.src.length && !this.openerAt(next)) next++;
    if (close !== -1 && close < next) {
      this.i = close + 2;
      return;
    }
    this.unclosed(open, opener, closer);
    this.i = next;
  }

  private expressionBody(open: number, opener: string, closer: string): ExpressionPart {
    this.skipWhitespace();
    if (this.src.startsWith(closer, this.i)) {
      this.fail(
        `“${opener}${closer}” 中没有内容：请填写字段路径（如 ${opener}name${closer}）或变量（如 ${opener}CURRENT_TIME datetime${closer}）`,
        `"${opener}${closer}" is empty: write a field path (e.g. ${opener}name${closer}) or a variable (e.g. ${opener}CURRENT_TIME datetime${closer})`,
        open,
        this.i + 2,
      );
    }
    const filters: FilterCall[] = [];
    let head: PathHead | VariableHead;
    const headStart = this.i;
    if (this.src.startsWith("lookup", this.i) && this.src[this.i + 6] === "(") {
      this.i += 6;
      const sugar = this.lookupHead(headStart, open, opener, closer);
      head = sugar.head;
      filters.push(sugar.call);
    } else {
      head = this.head(open, opener, closer);
    }
    const afterHead = this.i;
    this.skipWhitespace();
    if (this.i > afterHead && this.atWordChar()) filters.push(this.format(head));
    for (;;) {
      this.skipWhitespace();
      if (this.src.startsWith(closer, this.i)) {
        this.i += 2;
        return { kind: "expression", head, filters, start: open, end: this.i };
      }
      if (this.src[this.i] !== "|") {
        this.unexpected(open, opener, closer, `过滤器（以 | 开头）或 “${closer}”`, `a filter (after "|") or "${closer}"`);
      }
      this.i++;
      filters.push(this.filter(open, opener, closer));
    }
  }

  private head(open: number, opener: string, closer: string): PathHead | VariableHead {
    const start = this.i;
    if (this.src[this.i] === "[") return this.path(start, [], open, opener, closer);
    const word = this.word();
    if (word === "") this.unexpected(open, opener, closer, "字段路径或变量", "a field path or a variable");
    if (looksLikeVariable(word)) {
      if (!isBuiltIn(word)) {
        const hint = suggest(word, TEMPLATE_VARIABLES);
        this.fail(
          `未知变量 ${word}${hint ? `（是否想写 ${hint}？）` : ""}：可用的变量有 ${TEMPLATE_VARIABLES.join("、")}；` +
            `全大写的名字表示变量，如果要引用名为 ${word} 的字段，请写成 ${opener}["${word}"]${closer}`,
          `Unknown variable ${word}${hint ? ` (did you mean ${hint}?)` : ""}: the variables are ${TEMPLATE_VARIABLES.join(", ")}; ` +
            `all-caps names are variables, to read a field named ${word} write ${opener}["${word}"]${closer}`,
          start,
          this.i,
        );
      }
      if (this.src[this.i] === "." || this.src[this.i] === "[") {
        this.fail(
          `变量 ${word} 后面不能再接字段路径`,
          `A path cannot follow the variable ${word}`,
          this.i,
          this.i + 1,
        );
      }
      return { kind: "variable", name: word, start, end: this.i };
    }
    return this.path(start, [word], open, opener, closer);
  }

  private path(start: number, segments: string[], open: number, opener: string, closer: string): PathHead {
    for (;;) {
      const c = this.src[this.i];
      if (c === ".") {
        this.i++;
        const key = this.word();
        if (key === "") this.unexpected(open, opener, closer, "“.” 后的字段名", 'a field name after "."');
        segments.push(key);
      } else if (c === "[") {
        segments.push(this.bracket(open, opener, closer));
      } else {
        return { kind: "path", segments, start, end: this.i };
      }
    }
  }

  private bracket(open: number, opener: string, closer: string): string {
    const bracketStart = this.i;
    this.i++;
    this.skipWhitespace();
    let key: string;
    const c = this.src[this.i];
    if (c === "'" || c === '"') {
      key = this.quoted();
    } else {
      const digitsStart = this.i;
      while (isDigit(this.src[this.i])) this.i++;
      key = this.src.slice(digitsStart, this.i);
      if (key === "") {
        this.unexpected(open, opener, closer, "数字下标（如 [0]）或带引号的键名（如 [\"名称\"]）", 'an index (e.g. [0]) or a quoted key (e.g. ["name"])');
      }
    }
    this.skipWhitespace();
    if (this.src[this.i] !== "]") {
      if (this.i >= this.src.length) this.unexpected(open, opener, closer, "“]”", '"]"');
      this.fail("“[” 缺少对应的 “]”", '"[" is not closed with "]"', bracketStart, this.i);
    }
    this.i++;
    return key;
  }

  /** `{{CURRENT_TIME datetime}}`: a format written after whitespace, stored as its filter. */
  private format(head: PathHead | VariableHead): FilterCall {
    const start = this.i;
    const name = this.word();
    if (!isFormatName(name)) {
      const hint = suggest(name, TEMPLATE_FORMATS);
      const spaceHint =
        head.kind === "path"
          ? `；如果字段名本身含空格，请写成 ["${head.segments.join(".")} ${name}"]`
          : "";
      const spaceHintEn = head.kind === "path" ? `; if the field name contains a space, write ["${head.segments.join(".")} ${name}"]` : "";
      this.fail(
        `未知的格式 ${name}${hint ? `（是否想写 ${hint}？）` : ""}：可用的格式有 ${TEMPLATE_FORMATS.join("、")}${spaceHint}`,
        `Unknown format ${name}${hint ? ` (did you mean ${hint}?)` : ""}: the formats are ${TEMPLATE_FORMATS.join(", ")}${spaceHintEn}`,
        start,
        this.i,
      );
    }
    return this.filterArgs(name as FilterName, start);
  }

  private filter(open: number, opener: string, closer: string): FilterCall {
    this.skipWhitespace();
    const start = this.i;
    const name = this.word();
    if (name === "") this.unexpected(open, opener, closer, "“|” 后的过滤器名", 'a filter name after "|"');
    if (!isFilterName(name)) {
      const hint = suggest(name, FILTER_NAMES);
      this.fail(
        `未知的过滤器或格式 ${name}${hint ? `（是否想写 ${hint}？）` : ""}：可用的有 ${FILTER_NAMES.join("、")}`,
        `Unknown filter or format ${name}${hint ? ` (did you mean ${hint}?)` : ""}: the filters are ${FILTER_NAMES.join(", ")}`,
        start,
        this.i,
      );
    }
    return this.filterArgs(name, start);
  }

  private filterArgs(name: FilterName, start: number): FilterCall {
    const args: (string | number)[] = [];
    const spans: TemplateSpan[] = [];
    const afterName = this.i;
    this.skipWhitespace();
    if (this.src[this.i] === "(") {
      const paren = this.i;
      this.i++;
      this.skipWhitespace();
      if (this.src[this.i] === ")") this.i++;
      else {
        for (;;) {
          this.skipWhitespace();
          const at = this.i;
          args.push(this.literal(name));
          spans.push({ start: at, end: this.i });
          this.skipWhitespace();
          const c = this.src[this.i];
          this.i++;
          if (c === ")") break;
          if (c === ",") continue;
          if (c === undefined) {
            this.error("“(” 缺少对应的 “)”", '"(" is not closed with ")"', paren, paren + 1);
            throw new ParseFailure(true);
          }
          this.fail(
            `过滤器 ${name} 的参数之间应以逗号分隔，并以 “)” 结束`,
            `Arguments of ${name} are separated by commas and end with ")"`,
            this.i - 1,
            this.i,
          );
        }
      }
    } else {
      this.i = afterName;
    }
    return this.checkedCall(name, args, spans, start, this.i);
  }

  /** A filter call whose argument count and types are checked against the filter's spec. */
  private checkedCall(name: FilterName, args: (string | number)[], argSpans: TemplateSpan[], start: number, end: number): FilterCall {
    const spec = FILTERS[name];
    const max = spec.args.length;
    if (args.length < spec.required || args.length > max) {
      const count = spec.required === max ? `${max}` : `${spec.required} 到 ${max}`;
      const countEn = spec.required === max ? `${max}` : `${spec.required} to ${max}`;
      this.fail(
        `过滤器 ${name} 需要 ${count} 个参数，这里有 ${args.length} 个：写法为 ${spec.syntax}`,
        `Filter ${name} takes ${countEn} argument(s), got ${args.length}: write ${spec.syntaxEn ?? spec.syntax}`,
        start,
        end,
      );
    }
    args.forEach((arg, k) => {
      if (spec.args[k] === "number" && typeof arg !== "number") {
        this.fail(
          `过滤器 ${name} 的第 ${k + 1} 个参数应为数字（不加引号）：写法为 ${spec.syntax}`,
          `Argument ${k + 1} of ${name} must be a number (without quotes): write ${spec.syntaxEn ?? spec.syntax}`,
          start,
          end,
        );
      }
      // A number where a name or a text is meant (map(2024)) was taken for no name at all: the save
      // checked no map, the run loaded none, and every record failed (session 25's audit).
      if (spec.args[k] === "string" && typeof arg !== "string") {
        this.fail(
          `过滤器 ${name} 的第 ${k + 1} 个参数应为带引号的文本，例如 '${String(arg)}'：写法为 ${spec.syntax}`,
          `Argument ${k + 1} of ${name} must be quoted text, such as '${String(arg)}': write ${spec.syntaxEn ?? spec.syntax}`,
          start,
          end,
        );
      }
    });
    if (name === "lookup" && args[2] !== undefined && !(LOOKUP_RETURNS as readonly (string | number)[]).includes(args[2])) {
      this.fail(
        `lookup 的第 3 个参数是返回什么：'number'（目标编码，默认）或 'id'（目标内码），这里是 ${String(args[2])}`,
        `The third argument of lookup says what to return: 'number' (the target number, default) or 'id' (the target's internal id), not ${String(args[2])}`,
        start,
        end,
      );
    }
    const call: FilterCall = { name, args, argSpans, start, end };
    if (name === "date" && typeof args[0] === "string") call.pattern = compileDatePattern(args[0]);
    return call;
  }

  /**
   * `lookup('方案', path, …)` as the head of an expression: the same as `path | lookup('方案', …)`,
   * the form 轻易云 users know from `_findCollection`. The call is returned for the caller to put first.
   */
  private lookupHead(start: number, open: number, opener: string, closer: string): { head: PathHead | VariableHead; call: FilterCall } {
    this.i++; // "("
    this.skipWhitespace();
    const schemeAt = this.i;
    const scheme = this.literal("lookup");
    const spans: TemplateSpan[] = [{ start: schemeAt, end: this.i }];
    this.skipWhitespace();
    if (this.src[this.i] !== ",") this.unexpected(open, opener, closer, "“,” 和要查找的字段（如 lookup('店铺→客户', shop_code)）", `"," and the field to look up (e.g. lookup('店铺→客户', shop_code))`);
    this.i++;
    this.skipWhitespace();
    const head = this.head(open, opener, closer);
    const args: (string | number)[] = [scheme];
    for (;;) {
      this.skipWhitespace();
      const c = this.src[this.i];
      if (c === ")") break;
      if (c !== ",") this.unexpected(open, opener, closer, "“,” 或 “)”", '"," or ")"');
      this.i++;
      this.skipWhitespace();
      const at = this.i;
      args.push(this.literal("lookup"));
      spans.push({ start: at, end: this.i });
    }
    this.i++;
    return { head, call: this.checkedCall("lookup", args, spans, start, this.i) };
  }

}
