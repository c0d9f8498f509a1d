// Dates and date-times in a filter node's condition (docs/filters.md, "How values compare"). A text
// that reads as a calendar date, with or without a time of day, is a wall-clock time of the ERP: no
// time zone is read or applied. Shapes: 2026-12-01, 2026/12/01, 2026-12-1, then optionally a time
// after a space or a T: 08:00, 8:00, 08:00:00, 08:00:00.123 (管易云 sends 2026-12-01 08:00:00).
// An impossible date (2026-02-30) or time (24:00) is not a date: the caller compares it as text.

/** A date, and its time of day when it has one, each as fixed-width text that sorts in time. */
export interface WallClock {
  /** yyyy-MM-dd */
  day: string;
  /** HH:mm:ss.fffffffff, or undefined for a bare date (the whole day). */
  time?: string;
}

// Year, month, day with one separator throughout (- or /); then an optional time.
const WALL_CLOCK = /^(\d{4})([-/])(\d{1,2})\2(\d{1,2})(?:(?:T|\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?$/;

const pad = (digits: string, width: number) => digits.padStart(width, "0");

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** The text as a wall-clock date (or date-time), or undefined when it is not one. */
export function wallClockOf(text: string): WallClock | undefined {
  const m = WALL_CLOCK.exec(text.trim());
  if (!m) return undefined;
  const [, year, , month, day, hour, minute, second = "0", fraction = ""] = m;
  const y = Number(year);
  const mo = Number(month);
  const d = Number(day);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return undefined;
  const wallDay = `${year}-${pad(month!, 2)}-${pad(day!, 2)}`;
  if (hour === undefined) return { day: wallDay };
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) return undefined;
  return { day: wallDay, time: `${pad(hour, 2)}:${minute}:${pad(second, 2)}.${fraction.padEnd(9, "0")}` };
}

/**
 * -1, 0 or 1. Two date-times compare as points in time; when either side is a bare date, both
 * compare by their day (a bare date is the whole day: 2026-12-01 08:00 equals 2026-12-01, is after
 * 2026-11-30 and before 2026-12-02).
 */
export function compareWallClocks(a: WallClock, b: WallClock): number {
  const x = a.time === undefined || b.time === undefined ? a.day : `${a.day} ${a.time}`;
  const y = a.time === undefined || b.time === undefined ? b.day : `${b.day} ${b.time}`;
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Whether a text begins like a date (2026-12-01, 2026/12/1) without being one `wallClockOf` reads:
 * an impossible day (2026-02-30), a time zone (…T08:00:00+08:00, …Z), a stray suffix. Such a rule
 * value compares as text, which the person writing it hardly means (compile/filter.ts warns).
 */
export function looksLikeDateButIsNot(text: string): boolean {
  const t = text.trim();
  return /^\d{4}[-/]\d{1,2}[-/]\d{1,2}/.test(t) && wallClockOf(t) === undefined;
}
