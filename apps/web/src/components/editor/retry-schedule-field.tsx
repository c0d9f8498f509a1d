"use client";
// The scheme's retry schedule (issue #14) as text: "1m, 5m, 30m, 2h, 12h". Parsed as it is typed; a
// schedule that parses goes into the definition (the server checks it again at save, with its path).
import { DEFAULT_RETRY_BACKOFF_MS, formatBackoff, parseBackoff } from "@qiao/core";
import { useState } from "react";
import { useLocale, useT } from "@/lib/i18n/client";
import { Field, Input } from "@/components/ui";
import type { Draft } from "./use-scheme-draft";

export function RetryScheduleField({
  draft,
  serverError,
  onChange,
}: {
  draft: Draft;
  serverError: string | undefined;
  onChange: (update: (d: Draft) => Draft) => void;
}) {
  const t = useT();
  const en = useLocale() === "en";
  // Schemes saved before the retry policy have none stored: the default applies.
  const current = draft.definition.retry?.backoffMs ?? [...DEFAULT_RETRY_BACKOFF_MS];
  const [text, setText] = useState(() => formatBackoff(current));
  const parsed = parseBackoff(text);
  const localError = parsed.ok ? undefined : en ? parsed.messageEn : parsed.message;
  return (
    <Field label={t("editor.retrySchedule")} htmlFor="scheme-retry" help={t("editor.retryScheduleHelp")} error={localError ?? serverError}>
      <Input
        id="scheme-retry"
        className="font-mono"
        placeholder="1m, 5m, 30m, 2h, 12h"
        value={text}
        aria-invalid={localError !== undefined || serverError !== undefined}
        onChange={(e) => {
          const next = e.target.value;
          setText(next);
          const result = parseBackoff(next);
          if (result.ok) onChange((d) => ({ ...d, definition: { ...d.definition, retry: { backoffMs: result.backoffMs } } }));
        }}
      />
    </Field>
  );
}
