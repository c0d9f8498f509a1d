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
    const number = new Intl.NumberFormat(locale);
    return {
      time: (iso: string | null | undefined) => (iso ? dateTime.format(new Date(iso)) : "—"),
      clock: (iso: string) => timeOnly.format(new Date(iso)),
      number: (n: number | null | undefined) => (n === null || n === undefined ? "—" : number.format(n)),
      duration(ms: number | null | undefined): string {
        if (ms === null || ms === undefined) return "—";
        if (ms < 1000) return `${ms} ms`;
        const s = Math.round(ms / 100) / 10;
        if (s < 60) return `${s} s`;
        const m = Math.floor(s / 60);
        const rest = Math.round(s % 60);
        if (m < 60) return `${m} min ${rest} s`;
        return `${Math.floor(m / 60)} h ${m % 60} min`;
      },
    };
  }, [locale]);
}
