// Wall-clock time in an IANA timezone, with nothing but Intl: formatting an instant, reading a
// date string written in that timezone, and the small date-pattern language of the `date` filter.

import { canReadTimeZone, DEFAULT_TIMEZONE } from "./timezone";

/** Calendar fields of an instant as a clock in some timezone shows them. */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

interface Zone {
  format: Intl.DateTimeFormat;
  // Most evaluations format the same instant (CURRENT_TIME of a run) over and over.
  lastMs: number;
  lastWall: WallTime | undefined;
}

const zones = new Map<string, Zone>();

function createFormat(timeZone: string): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  });
}

/**
 * An unknown timezone falls back to the default: evaluation must not throw at 3 a.m. A legacy id
 * stored before session 30 (canReadTimeZone) keeps the meaning it had.
 */
function zone(timeZone: string | undefined): Zone {
  const name = timeZone ?? DEFAULT_TIMEZONE;
  let z = zones.get(name);
  if (!z) {
    const format = canReadTimeZone(name) ? createFormat(name) : createFormat(DEFAULT_TIMEZONE);
    z = { format, lastMs: Number.NaN, lastWall: undefined };
    zones.set(name, z);
  }
  return z;
}

const WALL_PARTS = new Set<string>(["year", "month", "day", "hour", "minute", "second"]);

/** `ms` must be a valid time value (see `toInstant`). */
export function wallTime(ms: number, timeZone: string | undefined): WallTime {
  const z = zone(timeZone);
  if (z.lastWall && z.lastMs === ms) return z.lastWall;
  const wall: WallTime = { year: 0, month: 1, day: 1, hour: 0, minute: 0, second: 0, millisecond: ((ms % 1000) + 1000) % 1000 };
  let beforeChrist = false;
  for (const part of z.format.formatToParts(ms)) {
    if (WALL_PARTS.has(part.type)) wall[part.type as keyof WallTime] = Number(part.value);
    else if (part.type === "era") beforeChrist = part.value.startsWith("B");
  }
  if (beforeChrist) wall.year = 1 - wall.year;
  z.lastMs = ms;
  z.lastWall = wall;
  return wall;
}

function utcOfWall(w: WallTime): number {
  const d = new Date(0);
  d.setUTCFullYear(w.year, w.month - 1, w.day);
  d.setUTCHours(w.hour, w.minute, w.second, w.millisecond);
  return d.getTime();
}

function offsetAt(ms: number, timeZone: string | undefined): number {
  const whole = Math.floor(ms / 1000) * 1000;
  return utcOfWall({ ...wallTime(whole, timeZone), millisecond: 0 }) - whole;
}

const DAY = 86_400_000;

/**
 * The instant a clock in `timeZone` shows as `w`: the earlier one when clocks fall back and it
 * happens twice; for a time skipped when clocks spring forward, the time as many minutes after
 * the jump (02:30 → 03:30), as Temporal's "compatible" rule does.
 */
export function instantOfWall(w: WallTime, timeZone: string | undefined): number {
  const guess = utcOfWall(w);
  // Offsets a day apart bracket any transition near this wall time.
  const before = offsetAt(guess - DAY, timeZone);
  const after = offsetAt(guess + DAY, timeZone);
  const early = guess - before;
  const late = guess - after;
  const earlyFits = offsetAt(early, timeZone) === before;
  const lateFits = offsetAt(late, timeZone) === after;
  if (earlyFits && lateFits) return Math.min(early, late);
  if (lateFits) return late;
  return early;
}

// ---------------------------------------------------------------------------------------
// Patterns: yyyy yy MM M dd d HH H mm m ss s SSS; any other character is copied as is.

export type DateToken = { text: string } | { field: keyof typeof FIELD_TOKENS };

const FIELD_TOKENS = {
  yyyy: (w: WallTime) => pad(w.year, 4),
  yy: (w: WallTime) => pad(((w.year % 100) + 100) % 100, 2),
  MM: (w: WallTime) => pad(w.month, 2),
  M: (w: WallTime) => String(w.month),
  dd: (w: WallTime) => pad(w.day, 2),
  d: (w: WallTime) => String(w.day),
  HH: (w: WallTime) => pad(w.hour, 2),
  H: (w: WallTime) => String(w.hour),
  mm: (w: WallTime) => pad(w.minute, 2),
  m: (w: WallTime) => String(w.minute),
  ss: (w: WallTime) => pad(w.second, 2),
  s: (w: WallTime) => String(w.second),
  SSS: (w: WallTime) => pad(w.millisecond, 3),
} as const;

// Longest first, so "yyyy" wins over "yy" and "MM" over "M".
const TOKEN_NAMES = (Object.keys(FIELD_TOKENS) as (keyof typeof FIELD_TOKENS)[]).sort((a, b) => b.length - a.length);

function pad(n: number, width: number): string {
  const s = String(Math.abs(n)).padStart(width, "0");
  return n < 0 ? `-${s}` : s;
}

export function compileDatePattern(pattern: string): DateToken[] {
  const tokens: DateToken[] = [];
  let text = "";
  let i = 0;
  outer: while (i < pattern.length) {
    for (const name of TOKEN_NAMES) {
      if (pattern.startsWith(name, i)) {
        if (text) tokens.push({ text });
        text = "";
        tokens.push({ field: name });
        i += name.length;
        continue outer;
      }
    }
    text += pattern[i];
    i++;
  }
  if (text) tokens.push({ text });
  return tokens;
}

export const DATETIME_PATTERN = compileDatePattern("yyyy-MM-dd HH:mm:ss");
export const DATE_PATTERN = compileDatePattern("yyyy-MM-dd");

export function formatInstant(ms: number, tokens: readonly DateToken[], timeZone: string | undefined): string {
  const w = wallTime(ms, timeZone);
  let out = "";
  for (const t of tokens) out += "text" in t ? t.text : FIELD_TOKENS[t.field](w);
  return out;
}

// ---------------------------------------------------------------------------------------
// Reading values as instants

const MAX_TIME = 8.64e15;
/** Below this a number is taken as seconds since the epoch (1e11 s is the year 5138). */
const SECONDS_LIMIT = 1e11;

/**
 * The instant a value stands for: a Date; an epoch number in seconds or milliseconds; a string
 * "yyyy-MM-dd[ HH:mm[:ss[.SSS]]]" (or with "/" or "T") read in `timeZone` unless it carries "Z"
 * or an offset; a 10- or 13-digit string. Anything else is undefined.
 */
export function toInstant(value: unknown, timeZone: string | undefined): number | undefined {
  let ms: number | undefined;
  if (value instanceof Date) ms = value.getTime();
  else if (typeof value === "number") ms = Math.abs(value) < SECONDS_LIMIT ? value * 1000 : value;
  else if (typeof value === "string") ms = parseDateString(value.trim(), timeZone);
  if (ms === undefined || !Number.isFinite(ms) || Math.abs(ms) > MAX_TIME) return undefined;
  return Math.trunc(ms);
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= "0" && c <= "9";
}

function parseDateString(s: string, timeZone: string | undefined): number | undefined {
  let i = 0;
  const digits = (min: number, max: number): number | undefined => {
    const from = i;
    while (i - from < max && isDigit(s[i])) i++;
    return i - from < min ? undefined : Number(s.slice(from, i));
  };
  const allDigits = s.length > 0 && [...s].every((c) => isDigit(c));
  if (allDigits && s.length === 10) return Number(s) * 1000;
  if (allDigits && s.length === 13) return Number(s);

  const year = digits(4, 4);
  const sep = s[i];
  if (year === undefined || (sep !== "-" && sep !== "/")) return undefined;
  i++;
  const month = digits(1, 2);
  if (month === undefined || s[i] !== sep) return undefined;
  i++;
  const day = digits(1, 2);
  if (day === undefined || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  const wall: WallTime = { year, month, day, hour: 0, minute: 0, second: 0, millisecond: 0 };
  if (i < s.length) {
    if (s[i] !== " " && s[i] !== "T") return undefined;
    i++;
    const hour = digits(1, 2);
    if (hour === undefined || s[i] !== ":") return undefined;
    i++;
    const minute = digits(2, 2);
    if (minute === undefined) return undefined;
    let second = 0;
    let millisecond = 0;
    if (s[i] === ":") {
      i++;
      const sec = digits(2, 2);
      if (sec === undefined) return undefined;
      second = sec;
      if (s[i] === ".") {
        i++;
        const from = i;
        if (digits(1, 9) === undefined) return undefined;
        millisecond = Number(s.slice(from, i).padEnd(3, "0").slice(0, 3));
      }
    }
    if (hour > 23 || minute > 59 || second > 59) return undefined;
    Object.assign(wall, { hour, minute, second, millisecond });
  }
  if (i === s.length) return instantOfWall(wall, timeZone);
  const utc = utcOfWall(wall);
  if (s[i] === "Z" && i + 1 === s.length) return utc;
  const sign = s[i] === "+" ? 1 : s[i] === "-" ? -1 : 0;
  if (sign === 0) return undefined;
  i++;
  const oh = digits(2, 2);
  if (s[i] === ":") i++;
  const om = digits(2, 2);
  if (oh === undefined || om === undefined || i !== s.length || oh > 23 || om > 59) return undefined;
  return utc - sign * (oh * 60 + om) * 60_000;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : (MONTH_DAYS[month - 1] ?? 31);
}
