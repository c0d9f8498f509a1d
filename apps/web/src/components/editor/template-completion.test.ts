// What the template field offers at the caret and what a pick writes: the result must parse.
import { parseTemplate } from "@qiao/core";
import { describe, expect, it } from "vitest";
import { applyCompletion, completionAt, filterInsertion } from "./template-completion";

const at = (text: string) => completionAt(text, text.length);

/** Types `text`, picks `value` from what is offered at its end, returns the template. */
function pick(text: string, value: string, after = ""): { text: string; caret: number } {
  const c = completionAt(text + after, text.length);
  if (!c) throw new Error(`nothing offered after ${text}`);
  return applyCompletion(text + after, text.length, c, value);
}

describe("what is offered at the caret", () => {
  it("offers fields after an opener, with what is typed so far", () => {
    expect(at("{{sho")).toMatchObject({ kind: "field", start: 0, query: "sho", close: "}}" });
    expect(at("前缀 <<$parent.co")).toMatchObject({ kind: "field", start: 3, query: "$parent.co", close: ">>" });
    expect(at("{{code}} ")).toBeNull();
  });

  it("offers filters after a pipe inside an open expression, not inside quotes or after it closed", () => {
    expect(at("{{code | ")).toMatchObject({ kind: "filter", query: "" });
    expect(at("{{code | tri")).toMatchObject({ kind: "filter", query: "tri", start: 9 });
    expect(at("{{code | replace('a|")).toBeNull();
    expect(at("{{code}} | ")).toBeNull();
  });

  it("offers value maps inside map(' and schemes inside lookup(', in both of lookup's forms", () => {
    expect(at("{{warehouse_code | map('仓")).toMatchObject({ kind: "map", query: "仓", close: "'", start: 24 });
    expect(at('{{shop_code | lookup("店')).toMatchObject({ kind: "lookup", query: "店", close: '"' });
    expect(at('{{shop_code | lookup("店')).not.toHaveProperty("head");
    expect(at("{{lookup('")).toMatchObject({ kind: "lookup", query: "", head: true });
    expect(at("{{x | map('a') }} {{lookup('店铺', shop_code) }}")).toBeNull();
  });
});

describe("what a pick writes", () => {
  it("a field, replacing the rest of a name typed after the caret", () => {
    expect(pick("{{sh", "shop_code", "op}}")).toEqual({ text: "{{shop_code}}", caret: 13 });
  });

  it("a filter with arguments opens its parenthesis and quote, and then offers the names", () => {
    expect(filterInsertion("trim")).toBe("trim");
    expect(filterInsertion("substring")).toBe("substring(");
    expect(filterInsertion("map")).toBe("map('");
    const r = pick("{{warehouse_code | ma", "map");
    expect(r.text).toBe("{{warehouse_code | map('");
    expect(completionAt(r.text, r.caret)).toMatchObject({ kind: "map", query: "" });
  });

  it("a map's or a scheme's name with its closing quote and parenthesis, so the template parses", () => {
    const map = pick("{{warehouse_code | map('仓", "仓库对照");
    expect(map.text).toBe("{{warehouse_code | map('仓库对照')");
    expect(parseTemplate(`${map.text}}}`).ok).toBe(true);
    const filter = pick("{{shop_code | lookup('", "店铺→客户", "}}");
    expect(filter.text).toBe("{{shop_code | lookup('店铺→客户')}}");
    expect(parseTemplate(filter.text).ok).toBe(true);
    const head = pick("{{lookup('店", "店铺→客户");
    expect(head.text).toBe("{{lookup('店铺→客户', ");
    expect(parseTemplate(`${head.text}shop_code)}}`).ok).toBe(true);
  });

  it("keeps the arguments that follow a name picked in the middle of a call", () => {
    expect(pick("{{shop_code | lookup('店", "店铺→客户", "x', 'code')}}").text).toBe("{{shop_code | lookup('店铺→客户', 'code')}}");
  });
});
