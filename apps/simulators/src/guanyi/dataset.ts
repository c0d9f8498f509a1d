// What the generated 管易云 datasets (shops, items, deliveries) share: a counter-based PRNG, so
// every generated field is a pure function of (seed, index, field) and the same seed gives the
// same data on every run; Beijing datetimes as Guanyi writes them; the brand names.

const BEIJING_OFFSET_S = 8 * 3600;

/** Epoch seconds of a Beijing wall-clock time (months 1-based). */
export function beijingSeconds(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  return Date.UTC(year, month - 1, day, hour, minute, second) / 1000 - BEIJING_OFFSET_S;
}

/** Generated dates fall between these two (Beijing time), fixed so the dataset never changes. */
export const CREATED_FROM_S = beijingSeconds(2019, 1, 1);
export const DATES_UNTIL_S = beijingSeconds(2025, 12, 31, 23, 59, 59);

/** Counter-based PRNG: a well-mixed 32-bit hash of (seed, index, field), as a float in [0, 1). */
export function random(seed: number, index: number, field: number): number {
  let h = fmix(Math.imul(seed, 0x9e3779b1) ^ fmix(Math.imul(index + 1, 0x85ebca6b) ^ field));
  h = fmix(h + field);
  return (h >>> 0) / 4294967296;
}

function fmix(x: number): number {
  let h = x;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

export function pick<T>(list: readonly T[], r: number): T {
  return list[Math.floor(r * list.length)] as T;
}

/** An integer in [min, max] from r in [0, 1). */
export function between(min: number, max: number, r: number): number {
  return min + Math.floor(r * (max - min + 1));
}

/** `yyyy-MM-dd HH:mm:ss` in Beijing time. */
export function formatBeijing(epochSeconds: number): string {
  const d = new Date((epochSeconds + BEIJING_OFFSET_S) * 1000);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

/** Epoch seconds of a Beijing `yyyy-MM-dd HH:mm:ss`, or undefined if it is not one. */
export function parseBeijing(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const seconds = beijingSeconds(y, mo, d, h, mi, s);
  return formatBeijing(seconds) === text ? seconds : undefined;
}

export const BRANDS = [
  "森屿", "禾木", "蓝鲸", "南山", "初语", "木槿", "青柠", "白鹭", "云栖", "北辰", "星河", "暖阳",
  "知味", "橘子洲", "原野", "小熊猫", "九牧里", "溪谷", "鹿角巷", "半亩田", "锦绣", "远山", "安心宝",
  "糖果盒", "拾光", "晨曦", "素问", "竹语", "沐风", "海之蓝", "红豆坊", "金稻穗", "茶小白", "良品汇",
];

/** Money is kept in fen (integers) so sums are exact; Guanyi sends yuan. */
export function yuan(fen: number): number {
  return Math.round(fen) / 100;
}
