import { describe, expect, it } from "vitest";
import { DEFAULT_RETRY_BACKOFF_MS, formatBackoff, parseBackoff, retryPolicySchema } from "./retry-policy";
import { schemeDefinitionSchema } from "./scheme";
import { seedSchemeDefinition } from "./seeds";

describe("retry schedule", () => {
  it("parses durations with units and formats them back", () => {
    expect(parseBackoff("1m, 5m, 30m, 2h, 12h")).toEqual({ ok: true, backoffMs: [...DEFAULT_RETRY_BACKOFF_MS] });
    expect(parseBackoff("200ms 400ms、1s，1.5m")).toEqual({ ok: true, backoffMs: [200, 400, 1_000, 90_000] });
    expect(formatBackoff(DEFAULT_RETRY_BACKOFF_MS)).toBe("1m, 5m, 30m, 2h, 12h");
    expect(formatBackoff([200, 90_000, 86_400_000])).toBe("200ms, 1.5m, 1d");
  });

  it("refuses a schedule that is not strictly increasing, names the step", () => {
    const r = parseBackoff("5m, 5m");
    expect(r).toMatchObject({ ok: false, message: expect.stringContaining("第 2 步"), messageEn: expect.stringContaining("step 2") });
    expect(retryPolicySchema.safeParse({ backoffMs: [1000, 500] }).success).toBe(false);
  });

  it("refuses more than 10 steps, none, zero, negative and unknown units", () => {
    const eleven = Array.from({ length: 11 }, (_, i) => `${i + 1}m`).join(",");
    expect(parseBackoff(eleven)).toMatchObject({ ok: false, messageEn: expect.stringContaining("1 to 10 steps") });
    expect(parseBackoff("")).toMatchObject({ ok: false, messageEn: expect.stringContaining("has 0") });
    expect(parseBackoff("0s, 1m")).toMatchObject({ ok: false, messageEn: expect.stringContaining("Step 1") });
    expect(parseBackoff("-1m")).toMatchObject({ ok: false, message: expect.stringContaining("-1m") });
    expect(parseBackoff("5 weeks")).toMatchObject({ ok: false });
    expect(retryPolicySchema.safeParse({ backoffMs: [1.5] }).success).toBe(false);
    expect(retryPolicySchema.safeParse({ backoffMs: [8 * 86_400_000] }).success).toBe(false);
  });

  it("is part of the definition: defaulted when absent, checked at save with its path", () => {
    const def = seedSchemeDefinition({ sourceConnectionId: "", targetConnectionId: "" });
    expect(schemeDefinitionSchema.parse(def).retry.backoffMs).toEqual([...DEFAULT_RETRY_BACKOFF_MS]);
    const bad = schemeDefinitionSchema.safeParse({ ...def, retry: { backoffMs: [60_000, 1_000] } });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]!.path).toEqual(["retry", "backoffMs", 1]);
  });
});
