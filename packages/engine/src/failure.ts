import { isConnectorError } from "@qiao/connectors";

/** A run-level failure a person reads in the run (zh-CN first, English second). */
export class RunFailure extends Error {
  override name = "RunFailure";
  constructor(
    readonly zh: string,
    readonly en: string,
    options?: { cause?: unknown },
  ) {
    super(`${zh} / ${en}`, options);
  }
}

/** The attempt was superseded: another worker resumed the run (this one's job had stalled). */
export class AttemptSuperseded extends Error {
  override name = "AttemptSuperseded";
}

/** Describes any error for the run's `error` field: connector errors carry the platform's words. */
export function describeError(error: unknown): { zh: string; en: string } {
  if (error instanceof RunFailure) return { zh: error.zh, en: error.en };
  if (isConnectorError(error)) {
    // A 5xx page's HTML says nothing a person can act on.
    const words = error.platformMessage && !/^\s*</.test(error.platformMessage) ? error.platformMessage : undefined;
    const platform = words && !error.message.includes(words) ? `（${words}）` : "";
    const retried = error.retryable
      ? { zh: "；已按重试策略自动重试，仍未成功，未写完的记录留待下次运行", en: " after the connector's retries; the records not written wait for the next run" }
      : { zh: "", en: "" };
    return {
      zh: `${error.message}${platform}${retried.zh}`,
      en: `${error.platform} call failed (${error.kind})${error.platformCode ? `, code ${error.platformCode}` : ""}${retried.en}`,
    };
  }
  const text = error instanceof Error ? error.message : String(error);
  return { zh: `运行出错：${text}`, en: `The run failed: ${text}` };
}
