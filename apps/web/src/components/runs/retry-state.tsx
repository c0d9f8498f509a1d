"use client";
// Where a failed record stands in its scheme's retry policy (issue #14): its error class, and its
// next automatic retry or its dead-lettering.
import type { SchemeFailedRecordDto } from "@/lib/api/schemas";
import { useFormat } from "@/lib/format";
import { useT } from "@/lib/i18n/client";
import { Badge } from "@/components/ui";

export function ErrorClassBadge({ errorClass }: { errorClass: "transient" | "data" }) {
  const t = useT();
  return (
    <Badge tone={errorClass === "transient" ? "amber" : "slate"} className="whitespace-nowrap">
      {t(`deadLetters.class.${errorClass}`)}
    </Badge>
  );
}

export function RetryState({ record }: { record: SchemeFailedRecordDto }) {
  const t = useT();
  const fmt = useFormat();
  return (
    <div className="flex flex-col items-start gap-1" data-testid="retry-state">
      <ErrorClassBadge errorClass={record.errorClass ?? "data"} />
      <span className="whitespace-nowrap text-xs text-slate-500">
        {record.deadAt
          ? t("deadLetters.deadAt", { time: fmt.time(record.deadAt) })
          : record.retryAt
            ? t("deadLetters.nextRetry", { time: fmt.time(record.retryAt), step: record.retryStep + 1 })
            : t("deadLetters.noAutoRetry")}
      </span>
    </div>
  );
}
