// How the 管易云 server checks a sign (shared/protocols/guanyi.md § Signature), written from the
// doc on the server's side: parse the body keeping key order and number spelling, drop `sign`
// wherever it stands, re-serialize compactly, MD5(secret + json + secret), compare ignoring case.
import { createHash } from "node:crypto";

/** A parsed JSON value that remembers key order and how each number, true/false/null was spelled. */
export type OrderedJson =
  | { kind: "object"; entries: [string, OrderedJson][] }
  | { kind: "array"; items: OrderedJson[] }
  | { kind: "string"; value: string }
  | { kind: "literal"; text: string };

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
// Finds where a string ends; JSON.parse of the match then rejects bad escapes and control characters.
const STRING = /"(?:[^"\\]|\\[\s\S])*"/y;

/** Parses JSON text into an OrderedJson tree; throws SyntaxError on anything that is not JSON. */
export function parseOrderedJson(text: string): OrderedJson {
  let pos = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at position ${pos}`);
  };
  const skipSpace = () => {
    while (pos < text.length && " \t\n\r".includes(text.charAt(pos))) pos++;
  };
  const match = (re: RegExp): string | undefined => {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) return undefined;
    pos = re.lastIndex;
    return m[0];
  };
  const value = (): OrderedJson => {
    skipSpace();
    const c = text.charAt(pos);
    if (c === "{") {
      pos++;
      const entries: [string, OrderedJson][] = [];
      skipSpace();
      if (text.charAt(pos) === "}") {
        pos++;
        return { kind: "object", entries };
      }
      for (;;) {
        skipSpace();
        const key = match(STRING) ?? fail("expected a key");
        skipSpace();
        if (text.charAt(pos++) !== ":") fail("expected ':'");
        entries.push([JSON.parse(key) as string, value()]);
        skipSpace();
        const sep = text.charAt(pos++);
        if (sep === "}") return { kind: "object", entries };
        if (sep !== ",") fail("expected ',' or '}'");
      }
    }
    if (c === "[") {
      pos++;
      const items: OrderedJson[] = [];
      skipSpace();
      if (text.charAt(pos) === "]") {
        pos++;
        return { kind: "array", items };
      }
      for (;;) {
        items.push(value());
        skipSpace();
        const sep = text.charAt(pos++);
        if (sep === "]") return { kind: "array", items };
        if (sep !== ",") fail("expected ',' or ']'");
      }
    }
    if (c === '"') return { kind: "string", value: JSON.parse(match(STRING) ?? fail("bad string")) as string };
    for (const literal of ["true", "false", "null"]) {
      if (text.startsWith(literal, pos)) {
        pos += literal.length;
        return { kind: "literal", text: literal };
      }
    }
    return { kind: "literal", text: match(NUMBER) ?? fail("unexpected character") };
  };
  const result = value();
  skipSpace();
  if (pos !== text.length) fail("unexpected trailing text");
  return result;
}

/** Compact serialization: no spaces, non-ASCII as is, numbers spelled as they arrived. */
export function serializeOrderedJson(node: OrderedJson): string {
  switch (node.kind) {
    case "object":
      return `{${node.entries.map(([k, v]) => `${JSON.stringify(k)}:${serializeOrderedJson(v)}`).join(",")}}`;
    case "array":
      return `[${node.items.map(serializeOrderedJson).join(",")}]`;
    case "string":
      return JSON.stringify(node.value);
    case "literal":
      return node.text;
  }
}

export function md5Sign(secret: string, json: string): string {
  return createHash("md5").update(`${secret}${json}${secret}`, "utf8").digest("hex").toUpperCase();
}

/** The sign the server expects for a parsed body object: every top-level `sign` left out. */
export function expectedSign(body: Extract<OrderedJson, { kind: "object" }>, secret: string): string {
  const unsigned: OrderedJson = { kind: "object", entries: body.entries.filter(([key]) => key !== "sign") };
  return md5Sign(secret, serializeOrderedJson(unsigned));
}
