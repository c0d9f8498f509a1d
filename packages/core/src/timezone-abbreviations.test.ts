// A scheme's timezone is an IANA name: an abbreviation is refused at save, with what to write
// instead. Session 30's audit found "CST" accepted: Intl (and cron-parser, so BullMQ's scheduler)
// also reads ICU's legacy three-letter ids, and reads "CST" — what `date` prints for China Standard
// Time on a server in China, and what a person here types for 北京时间 — as America/Chicago (US
// Central, with daylight saving): the nightly 02:00 cron fired at 15:00 or 16:00 Beijing time and
// every {{CURRENT_TIME}} rendered Chicago's wall clock. "BST" (British Summer Time) read as
// Asia/Dhaka the same way. A definition stored with one before the fix still parses (it keeps
// running with the meaning it had); compileScheme refuses it for a save (forSave: the editor, and
// every save through apps/web's validateDefinition), not for a run.
import { describe, expect, it } from "vitest";
import { compileScheme } from "./compile";
import { nextCronRun } from "./cron";
import { schemeDefinitionSchema, timezoneSchema } from "./scheme";
import { isValidTimeZone, timeZoneIssue } from "./template";

describe("the scheme's timezone", () => {
  it.each(["CST", "BST"])("%s, an abbreviation that is no IANA name and means another zone than its readers think, is refused", (zone) => {
    const fires = nextCronRun("0 2 * * *", zone, new Date("2026-07-01T00:00:00Z"))?.toISOString();
    const canonical = (() => {
      try {
        return new Intl.DateTimeFormat("en", { timeZone: zone }).resolvedOptions().timeZone;
      } catch {
        return "(refused)";
      }
    })();
    expect(timezoneSchema.safeParse(zone).success, `"${zone}" is accepted as ${canonical}: "0 2 * * *" fires at ${fires}`).toBe(false);
  });

  it("IANA names (and their links) are still accepted", () => {
    for (const zone of ["Asia/Shanghai", "Asia/Tokyo", "Europe/London", "UTC", "PRC"]) expect(timezoneSchema.safeParse(zone).success, zone).toBe(true);
  });

  it("says what to write instead: Asia/Shanghai for CST, in both languages", () => {
    const issue = timeZoneIssue("CST");
    expect(issue?.message).toContain("Asia/Shanghai");
    expect(issue?.message).toContain("America/Chicago");
    expect(issue?.messageEn).toContain("China Standard Time use Asia/Shanghai");
    const parsed = timezoneSchema.safeParse("CST");
    expect(parsed.success ? undefined : (parsed.error.issues[0] as { params?: { messageEn?: string } }).params?.messageEn).toBe(issue?.messageEn);
  });

  it("refuses other abbreviations, offsets and a name in the wrong case, and accepts Etc names and links", () => {
    for (const zone of ["EST", "PST", "JST", "IST", "CET", "EST5EDT", "SystemV/AST4", "GMT+8", "UTC+08:00", "asia/shanghai", "Asia/Beijing", ""]) expect(isValidTimeZone(zone), zone).toBe(false);
    for (const zone of ["Etc/GMT-8", "GMT", "Asia/Chongqing", "US/Pacific", "Japan", "America/Argentina/Buenos_Aires"]) expect(isValidTimeZone(zone), zone).toBe(true);
    expect(timeZoneIssue("GMT+8")?.message).toContain("Etc/GMT-8");
    expect(timeZoneIssue("asia/shanghai")?.message).toContain("请写作 Asia/Shanghai");
  });

  it("a definition stored with an abbreviation before the fix still parses (it keeps running as it did); an unknown zone does not", () => {
    const stored = { version: 1, timezone: "CST", nodes: [], edges: [] };
    expect(schemeDefinitionSchema.safeParse(stored).success).toBe(true);
    expect(schemeDefinitionSchema.safeParse({ ...stored, timezone: "Mars/Olympus" }).success).toBe(false);
  });

  it("compileScheme refuses it for a save, at the timezone field, and not for a run", () => {
    const stored = { version: 1, timezone: "CST", nodes: [], edges: [] };
    const catalog = { connections: new Map(), connectors: new Map() };
    const forSave = compileScheme(stored, catalog, { forSave: true });
    expect(forSave.ok ? [] : forSave.issues.filter((i) => i.path.join(".") === "timezone")).toMatchObject([{ severity: "error", message: expect.stringContaining("Asia/Shanghai") }]);
    const forRun = compileScheme(stored, catalog);
    expect(forRun.ok ? [] : forRun.issues.filter((i) => i.path.join(".") === "timezone")).toEqual([]);
  });
});
