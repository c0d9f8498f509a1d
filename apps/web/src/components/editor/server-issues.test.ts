import { describe, expect, it } from "vitest";
import type { ApiIssue } from "@/lib/api/schemas";
import { standingServerIssues } from "./server-issues";

const def = (template: string) => ({ nodes: [{ id: "t", config: { mapping: { FCustomerID: template } } }] });
const issue = (message: string, path: (string | number)[] = ["nodes", 0, "config", "mapping", "FCustomerID"]): ApiIssue => ({ path, message, messageEn: message, severity: "error" });

describe("the server's issues at the fields", () => {
  const sent = def("{{shop_code | lookup('店铺→客户', 'colour')}}");

  it("stay while the field holds what was sent", () => {
    expect(standingServerIssues([issue("没有字段 colour")], sent, structuredClone(sent), [])).toHaveLength(1);
  });

  it("go when the field is edited, when the browser says the same, or when they name no field", () => {
    expect(standingServerIssues([issue("没有字段 colour")], sent, def("{{shop_code | lookup('店铺→客户')}}"), [])).toEqual([]);
    expect(standingServerIssues([issue("没有字段 colour")], sent, sent, [issue("没有字段 colour")])).toEqual([]);
    expect(standingServerIssues([issue("名称已被使用", [])], sent, sent, [])).toEqual([]);
    expect(standingServerIssues([issue("x", ["nodes", 3, "config"])], sent, sent, [])).toEqual([]);
  });
});
