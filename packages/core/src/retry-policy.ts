// A scheme's retry policy (issue #14): after a record fails with a transient error it is retried
// automatically after each step of its backoff schedule, counted from the failure before; after the
// last step it is dead-lettered (死信). Stored in the scheme definition (`retry.backoffMs`) so it is
// versioned, exported and validated with the rest of the scheme.
import { z } from "zod";

/** 1 min, 5 min, 30 min, 2 h, 12 h. */
export const DEFAULT_RETRY_BACKOFF_MS: readonly number[] = [60_000, 300_000, 1_800_000, 7_200_000, 43_200_000];
export const RETRY_POLICY_LIMITS = { maxSteps: 10, maxStepMs: 7 * 86_400_000 } as const;

const bilingual = (message: string, messageEn: string) => ({ message, params: { messageEn } });

export const retryBackoffSchema = z
  .array(z.number())
  .superRefine((steps, ctx) => {
    if (steps.length < 1 || steps.length > RETRY_POLICY_LIMITS.maxSteps) {
      ctx.addIssue({
        code: "custom",
        ...bilingual(
          `重试间隔需要 1 到 ${RETRY_POLICY_LIMITS.maxSteps} 步，现在有 ${steps.length} 步`,
          `A retry schedule has 1 to ${RETRY_POLICY_LIMITS.maxSteps} steps, this one has ${steps.length}`,
        ),
      });
      return;
    }
    steps.forEach((ms, i) => {
      if (!Number.isInteger(ms) || ms <= 0 || ms > RETRY_POLICY_LIMITS.maxStepMs) {
        ctx.addIssue({
          code: "custom",
          path: [i],
          ...bilingual(`第 ${i + 1} 步必须是大于 0、不超过 7 天的时长`, `Step ${i + 1} must be a duration above 0 and at most 7 days`),
        });
      } else if (i > 0 && ms <= steps[i - 1]!) {
        ctx.addIssue({
          code: "custom",
          path: [i],
          ...bilingual(
            `重试间隔必须逐步增加：第 ${i + 1} 步（${formatDuration(ms)}）不长于第 ${i} 步（${formatDuration(steps[i - 1]!)}）`,
            `The schedule must increase: step ${i + 1} (${formatDuration(ms)}) is not longer than step ${i} (${formatDuration(steps[i - 1]!)})`,
          ),
        });
      }
    });
  });

export const retryPolicySchema = z.object({
  /** Milliseconds to wait before each automatic retry of a transient failure, strictly increasing. */
  backoffMs: retryBackoffSchema,
});
export type RetryPolicy = z.output<typeof retryPolicySchema>;

export const defaultRetryPolicy = (): RetryPolicy => ({ backoffMs: [...DEFAULT_RETRY_BACKOFF_MS] });

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const UNITS = Object.entries(UNIT_MS).sort((a, b) => b[1] - a[1]) as [keyof typeof UNIT_MS, number][];

/** 90000 → "1.5m", 7200000 → "2h", 200 → "200ms": the largest unit that divides it into at most one decimal. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of UNITS) {
    const value = ms / size;
    if (value >= 1 && Number.isInteger(value * 10)) return `${value}${unit}`;
  }
  return `${ms}ms`;
}

export function formatBackoff(steps: readonly number[]): string {
  return steps.map(formatDuration).join(", ");
}

/**
 * "1m, 5m, 30m, 2h, 12h" (units ms, s, m, h, d; commas, spaces or 、 between steps) → milliseconds;
 * or the reason it is not a schedule (zh-CN and English). The steps are then checked by
 * retryBackoffSchema (count, order).
 */
export function parseBackoff(text: string): { ok: true; backoffMs: number[] } | { ok: false; message: string; messageEn: string } {
  const parts = text.split(/[\s,，、]+/).filter(Boolean);
  const steps: number[] = [];
  for (const part of parts) {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/i.exec(part);
    if (!m) {
      return {
        ok: false,
        message: `无法识别“${part}”：每步写成数字加单位，例如 1m、5m、30m、2h、12h（单位 ms、s、m、h、d）`,
        messageEn: `"${part}" is not a duration: write each step as a number and a unit, e.g. 1m, 5m, 30m, 2h, 12h (units ms, s, m, h, d)`,
      };
    }
    steps.push(Math.round(Number(m[1]) * UNIT_MS[m[2]!.toLowerCase() as keyof typeof UNIT_MS]));
  }
  const checked = retryBackoffSchema.safeParse(steps);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    const messageEn = (issue as { params?: { messageEn?: string } }).params?.messageEn ?? issue.message;
    return { ok: false, message: issue.message, messageEn };
  }
  return { ok: true, backoffMs: steps };
}
