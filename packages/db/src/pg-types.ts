// How our own pg pools read `timestamp without time zone`. Every such column of ours holds UTC
// (Prisma's DateTime), and Prisma's adapter reads it so; pg's default parser reads it as the
// process's LOCAL time. A worker or web app on a machine set to Asia/Shanghai (Chinese cloud images
// are) read every raw-SQL time 8 hours early: the overview's 最近运行, run lists read by hand-written
// queries, lease and schedule times compared in JavaScript. Prisma passes its own parsers per
// query, so this only changes our raw `pool.query` reads.
import pg from "pg";

const TIMESTAMP = 1114; // timestamp without time zone
const TIMESTAMP_ARRAY = 1115;
/** text[]: pg's array parser, whose elements are then read as timestamps (not among pg's named builtins). */
const TEXT_ARRAY = 1009 as Parameters<typeof pg.types.getTypeParser>[0];

/** A `timestamp` value as Postgres prints it ("2026-12-06 21:07:21.123456"), read as UTC. */
export function parseUtcTimestamp(value: string): Date | string {
  // 'infinity' / '-infinity' and BC dates stay text, as pg's own parser leaves what it cannot read.
  if (!/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?$/.test(value)) return value;
  return new Date(`${value.replace(" ", "T")}Z`);
}

function parseUtcTimestampArray(value: string): (Date | string | null)[] {
  const parseArray = pg.types.getTypeParser(TEXT_ARRAY) as (v: string) => (string | null)[];
  return parseArray(value).map((v) => (v === null ? null : parseUtcTimestamp(v)));
}

/** Pool `types`: pg's parsers, but `timestamp` (and its arrays) read as UTC whatever the process's TZ. */
export const UTC_TIMESTAMP_TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") => {
    if (format !== "binary" && oid === TIMESTAMP) return parseUtcTimestamp;
    if (format !== "binary" && oid === TIMESTAMP_ARRAY) return parseUtcTimestampArray;
    return format === undefined ? pg.types.getTypeParser(oid) : pg.types.getTypeParser(oid, format);
  }) as pg.CustomTypesConfig["getTypeParser"],
};
