// Which timezones a scheme may name: IANA's names, no abbreviation. Intl (and cron-parser, and so
// BullMQ's schedulers, through it) also reads ICU's legacy ids, and "CST" — China Standard Time to
// a person here — is America/Chicago to it (session 30's audit).

export const DEFAULT_TIMEZONE = "Asia/Shanghai";

/**
 * Whether Intl reads the zone at all (and so cron-parser, which BullMQ's schedulers use, through
 * luxon). More than IANA's names: ICU also reads its legacy three-letter ids, "CST" as
 * America/Chicago, "BST" as Asia/Dhaka. Only for reading what is stored: a scheme saved with such an
 * id before session 30 keeps the meaning it had (its cron and its time values alike); what may be
 * saved is isValidTimeZone.
 */
export function canReadTimeZone(timeZone: string): boolean {
  if (timeZone.trim() === "") return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return true;
  } catch {
    return false;
  }
}

/**
 * IANA's areas (`Area/Location`, tzdata's zone names) and the directories of its backward links
 * (US/Pacific, Canada/Eastern …). Not ICU's own SystemV/.
 */
const IANA_AREAS = new Set(["Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific", "Etc", "US", "Canada", "Brazil", "Chile", "Mexico"]);

/**
 * tzdata's names without an area that are no abbreviation: UTC and its aliases, and the backward
 * links named after a country or place (PRC is Asia/Shanghai, Japan Asia/Tokyo). Not its
 * abbreviation-like zones (EST, MST, HST, CET, EET, MET, WET, EST5EDT …) nor ICU's legacy ids
 * (CST, CTT, BST, IST, JST …): an abbreviation names different zones for different readers.
 */
const IANA_WITHOUT_AREA = new Set([
  ...["UTC", "UCT", "Universal", "Zulu", "GMT", "GMT0", "GMT+0", "GMT-0", "Greenwich"],
  ...["Cuba", "Egypt", "Eire", "GB", "GB-Eire", "Hongkong", "Iceland", "Iran", "Israel", "Jamaica", "Japan", "Kwajalein", "Libya"],
  ...["Navajo", "NZ", "NZ-CHAT", "Poland", "Portugal", "PRC", "ROC", "ROK", "Singapore", "Turkey", "W-SU"],
]);

/** What a person most likely means by an abbreviation (CST: 中国标准时间 here, not US Central). */
const MEANT_BY: Readonly<Record<string, string>> = {
  CST: "Asia/Shanghai",
  CTT: "Asia/Shanghai",
  BJT: "Asia/Shanghai",
  HKT: "Asia/Hong_Kong",
  JST: "Asia/Tokyo",
  KST: "Asia/Seoul",
  SGT: "Asia/Singapore",
  IST: "Asia/Kolkata",
  BST: "Europe/London",
  CET: "Europe/Berlin",
  CEST: "Europe/Berlin",
  EST: "America/New_York",
  EDT: "America/New_York",
  PST: "America/Los_Angeles",
  PDT: "America/Los_Angeles",
};

const UNKNOWN_ZONE = {
  message: "时区无效：请使用 IANA 时区名，例如 Asia/Shanghai",
  messageEn: "Unknown timezone: use an IANA name such as Asia/Shanghai",
} as const;

/** Intl's canonical name of a zone it reads (ICU's: Asia/Calcutta rather than Asia/Kolkata). */
function canonicalZone(timeZone: string): string {
  return new Intl.DateTimeFormat("en-US", { timeZone }).resolvedOptions().timeZone;
}

function isIanaName(timeZone: string): boolean {
  const slash = timeZone.indexOf("/");
  return slash < 0 ? IANA_WITHOUT_AREA.has(timeZone) : IANA_AREAS.has(timeZone.slice(0, slash));
}

/**
 * Why a scheme may not be saved with `timeZone`, in zh-CN and English; null when it may. Accepted:
 * an IANA name Intl reads, as tzdata spells it: `Area/Location` (Asia/Shanghai, and links such as
 * Asia/Chongqing or US/Pacific), UTC, GMT, Etc/…, and tzdata's links without an area (PRC, Japan …).
 * Refused with a suggestion: abbreviations, which Intl reads as one zone and people as another
 * ("CST" is America/Chicago to Intl, 中国标准时间 to a person here; "BST" is Asia/Dhaka), and names in
 * the wrong case. Every check of a timezone goes through here (the scheme's schema, the save).
 */
export function timeZoneIssue(timeZone: string): { message: string; messageEn: string } | null {
  if (timeZone.trim() === "") return UNKNOWN_ZONE;
  if (!canReadTimeZone(timeZone)) return offsetIssue(timeZone) ?? UNKNOWN_ZONE;
  if (isIanaName(timeZone)) return null;
  const canonical = canonicalZone(timeZone);
  const spelled = ianaSpelling(timeZone, canonical);
  if (spelled) {
    return {
      message: `时区 “${timeZone}” 的大小写不对：请写作 ${spelled}`,
      messageEn: `The timezone "${timeZone}" is in the wrong case: write ${spelled}`,
    };
  }
  const upper = timeZone.toUpperCase();
  if (MEANT_BY[upper] === "Asia/Shanghai") {
    return {
      message: `时区 “${timeZone}” 是缩写，不是 IANA 时区名，会被当作 ${canonical}：北京时间（中国标准时间）请填 Asia/Shanghai`,
      messageEn: `"${timeZone}" is an abbreviation, not an IANA timezone name, and would be read as ${canonical}: for China Standard Time use Asia/Shanghai`,
    };
  }
  const meant = MEANT_BY[upper] ?? (canonical.includes("/") && isIanaName(canonical) ? canonical : DEFAULT_TIMEZONE);
  return {
    message: `时区 “${timeZone}” 是缩写或旧式名称，不是 IANA 时区名，会被当作 ${canonical}：请填写 “地区/城市” 形式的名称，例如 ${meant}`,
    messageEn: `"${timeZone}" is an abbreviation or a legacy name, not an IANA timezone name, and would be read as ${canonical}: use an Area/City name such as ${meant}`,
  };
}

/** The IANA name `timeZone` spells in another case (asia/shanghai, utc), or undefined. */
function ianaSpelling(timeZone: string, canonical: string): string | undefined {
  const lower = timeZone.toLowerCase();
  const slash = timeZone.indexOf("/");
  if (slash < 0) return [...IANA_WITHOUT_AREA].find((name) => name.toLowerCase() === lower);
  const area = [...IANA_AREAS].find((a) => a.toLowerCase() === lower.slice(0, slash));
  if (!area) return undefined;
  return canonical.toLowerCase() === lower ? canonical : `${area}${timeZone.slice(slash)}`;
}

/** "UTC+8", "GMT+08:00": an offset, which Intl does not read as a zone. */
function offsetIssue(timeZone: string): { message: string; messageEn: string } | undefined {
  const offset = /^(?:UTC|GMT)\s*([+-])\s*(\d{1,2})(?::?00)?$/i.exec(timeZone.trim());
  if (!offset) return undefined;
  const [, sign, hours] = offset;
  const etc = `Etc/GMT${sign === "+" ? "-" : "+"}${Number(hours)}`;
  const china = sign === "+" && Number(hours) === 8;
  return {
    message: `时区 “${timeZone}” 是时差，不是时区名：请填写 IANA 时区名${china ? "，北京时间为 Asia/Shanghai" : "，例如 Asia/Shanghai"}；固定时差可写 ${etc}（Etc 名称的正负号与习惯相反）`,
    messageEn: `"${timeZone}" is an offset, not a timezone name: use an IANA name${china ? ", Asia/Shanghai for China Standard Time" : " such as Asia/Shanghai"}; a fixed offset is ${etc} (Etc names have the sign reversed)`,
  };
}

/** Whether a scheme may be saved with `timeZone` (see timeZoneIssue): an IANA name, no abbreviation. */
export function isValidTimeZone(timeZone: string): boolean {
  return timeZoneIssue(timeZone) === null;
}

