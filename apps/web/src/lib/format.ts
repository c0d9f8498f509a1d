"use client";
// Times in the browser's timezone and language; durations and counts as people read them.
import { useMemo } from "react";
import { useLocale } from "@/lib/i18n/client";

export function useFormat() {
  const locale = useLocale();
  return useMemo(() => {
    const dateTime = new Intl.DateTimeFormat(locale, {
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hour12: false,
    });
    const timeOnly = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
    // A calendar day is no instant: read and written in UTC, it is the same day in every timezone.
    const dayOnly = new Intl.DateTimeFormat(locale, { month: "short", day: "numeric", timeZone: "UTC" });
    const number = new Intl.NumberFormat(locale);
    const zh = locale.startsWith("zh");
    const unit = zh ? { ms: " 毫秒", s: " 秒", min: " 分", h: " 小时" } : { ms: " ms", s: " s", min: " min", h: " h" };
    return {
      /** Names in a row: "a、b" in Chinese, "a, b" in English. */
      list: (items: readonly string[]) => items.join(zh ? "、" : ", "),
      /** A remark after a text: "（…）" in Chinese, " (…)" in English. */
      aside: (text: string) => (zh ? `（${text}）` : ` (${text})`),
      time: (iso: string | null | undefined) => (iso ? dateTime.format(new Date(iso)) : "—"),
      clock: (iso: string) => timeOnly.format(new Date(iso)),
      /** A calendar day (2026-11-28) without its year: "11月28日", "Nov 28". */
      day: (date: string) => dayOnly.format(new Date(`${date}T00:00:00Z`)),
      number: (n: number | null | undefined) => (n === null || n === undefined ? "—" : number.format(n)),
      // Rounded first, then split: 119.6 s is 2 min 0 s, never "1 min 60 s".
      duration(ms: number | null | undefined): string {
        if (ms === null || ms === undefined) return "—";
        if (ms < 1000) return `${Math.round(ms)}${unit.ms}`;
        const tenths = Math.round(ms / 100) / 10;
        if (tenths < 60) return `${tenths}${unit.s}`;
        const seconds = Math.round(ms / 1000);
        if (seconds < 3600) return `${Math.floor(seconds / 60)}${unit.min} ${seconds % 60}${unit.s}`;
        const minutes = Math.round(ms / 60_000);
        return `${Math.floor(minutes / 60)}${unit.h} ${minutes % 60}${unit.min}`;
      },
    };
  }, [locale]);
}
