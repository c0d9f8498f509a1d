"use client";
// 同步进度 on the scheme page, under the scheme's settings: where an incremental read stands (the
// cursor, LAST_SYNC_TIME, in the scheme's timezone) and 从头读取, which clears it
// (POST /api/schemes/:id/cursor/reset; docs/decisions.md, session 18). A source that does not read
// from LAST_SYNC_TIME reads everything on each run: it gets a line saying so and no button.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { api } from "@/lib/api/client";
import { useLocale, useT } from "@/lib/i18n/client";
import { IfCan } from "@/components/role";
import { Button, ConfirmDialog } from "@/components/ui";

const FORMAT = { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false } as const;

/** The instant as a wall-clock time in `timeZone` (the browser's when the name is not one Intl knows). */
function wallTime(iso: string, timeZone: string, locale: string): string {
  try {
    return new Intl.DateTimeFormat(locale, { ...FORMAT, timeZone }).format(new Date(iso));
  } catch {
    return new Intl.DateTimeFormat(locale, FORMAT).format(new Date(iso));
  }
}

export function ReadCursorSection({ schemeId }: { schemeId: string }) {
  const t = useT();
  const locale = useLocale();
  const queryClient = useQueryClient();
  // The editor's own query (same key): refreshed here, as the runs page does, so a finished run shows.
  const scheme = useQuery({ queryKey: ["scheme", schemeId], queryFn: () => api.scheme(schemeId), staleTime: 30_000 });
  const [open, setOpen] = useState(false);
  const reset = useMutation({
    mutationFn: () => api.resetCursor(schemeId),
    onSuccess: (data) => {
      queryClient.setQueryData(["scheme", schemeId], data);
      setOpen(false);
    },
  });
  // The button goes away with the cursor: focus moves to the line that says it was cleared.
  const done = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    if (reset.isSuccess) done.current?.focus();
  }, [reset.isSuccess]);
  const s = scheme.data?.scheme;
  if (!s) return null;
  const { syncedUpTo, incremental } = s.readCursor;
  return (
    <section className="space-y-2 border-t border-slate-100 px-5 py-4" data-testid="read-cursor">
      <h3 className="text-sm font-semibold text-slate-900">{t("readCursor.title")}</h3>
      {!incremental ? (
        <p className="text-sm text-slate-500">{t("readCursor.full")}</p>
      ) : (
        <>
          <p className="text-sm text-slate-700" data-testid="read-cursor-line">
            {syncedUpTo ? t("readCursor.syncedUpTo", { time: wallTime(syncedUpTo, s.timezone, locale), timezone: s.timezone }) : t("readCursor.notSynced")}
          </p>
          {syncedUpTo && <p className="text-xs text-slate-500">{t("readCursor.next")}</p>}
          {reset.isSuccess && !syncedUpTo && (
            <p ref={done} tabIndex={-1} role="status" className="text-xs text-emerald-700 focus:outline-none">
              {t("readCursor.resetDone")}
            </p>
          )}
          {syncedUpTo && (
            <IfCan least="editor">
              <Button
                size="sm"
                onClick={() => {
                  reset.reset();
                  setOpen(true);
                }}
              >
                {t("readCursor.reset")}
              </Button>
            </IfCan>
          )}
        </>
      )}
      <ConfirmDialog
        open={open}
        title={t("readCursor.resetTitle")}
        message={t("readCursor.resetConfirm")}
        confirmLabel={t("readCursor.reset")}
        busy={reset.isPending}
        error={reset.error?.message}
        onConfirm={() => reset.mutate()}
        onClose={() => setOpen(false)}
      />
    </section>
  );
}
