"use client";
import type { RunDto } from "@/lib/api/schemas";
import { useT } from "@/lib/i18n/client";
import { Badge, Spinner, type Tone } from "./ui";

const TONE: Record<RunDto["status"], Tone> = {
  queued: "slate",
  running: "blue",
  succeeded: "green",
  partial: "amber",
  failed: "red",
  cancelled: "slate",
};

export function RunStatusBadge({ status }: { status: RunDto["status"] }) {
  const t = useT();
  return (
    <Badge tone={TONE[status]} className="whitespace-nowrap">
      {(status === "running" || status === "queued") && <Spinner className="h-2.5 w-2.5 border" />}
      <span data-testid="run-status" data-status={status}>
        {t(`run.status.${status}`)}
      </span>
    </Badge>
  );
}

export const isActive = (status: RunDto["status"]) => status === "queued" || status === "running";
