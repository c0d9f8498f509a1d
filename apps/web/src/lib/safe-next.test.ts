import { describe, expect, test } from "vitest";
import { DEFAULT_AFTER_SIGN_IN, safeNextPath } from "./safe-next";

describe("safeNextPath (sign-in's `next`)", () => {
  test.each([
    "/schemes",
    "/schemes/4f1c2d3e-0000-4000-8000-000000000000?tab=runs",
    "/runs/abc#log",
    "/connections?q=%E7%AE%A1",
  ])("keeps our own path %j", (path) => {
    expect(safeNextPath(path)).toBe(path);
  });

  test.each([
    ["another origin", "https://evil.example/"],
    ["a protocol-relative URL", "//evil.example"],
    ["a backslash", "/\\evil.example"],
    ["a backslash after the slashes", "/\\/evil.example"],
    ["an encoded backslash", "/%5Cevil.example"],
    ["an encoded lower-case backslash", "/%5cevil.example"],
    ["an encoded second slash", "/%2F/evil.example"],
    ["a tab the browser drops", "/\t/evil.example"],
    ["a newline", "/\n/evil.example"],
    ["an encoded newline", "/%0A/evil.example"],
    ["javascript:", "javascript:alert(1)"],
    ["a relative path", "schemes"],
    ["broken percent-encoding", "/%E0%A4%A"],
    ["nothing", ""],
  ])("refuses %s", (_what, next) => {
    expect(safeNextPath(next)).toBe(DEFAULT_AFTER_SIGN_IN);
  });

  test("refuses a missing value", () => {
    expect(safeNextPath(undefined)).toBe(DEFAULT_AFTER_SIGN_IN);
  });
});
