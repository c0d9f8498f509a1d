// A message is a code plus parameters; its zh-CN and English texts live in one catalog and are
// rendered when a person reads it (the API in the caller's language, the process log in English).
// Stored messages (run logs, a run's error) keep the code and parameters, never a rendered text.
import { z } from "zod";

export const LOCALES = ["zh-CN", "en"] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = "zh-CN";

export function isLocale(value: unknown): value is Locale {
  return typeof value === "string" && (LOCALES as readonly string[]).includes(value);
}

/**
 * The caller's language from an Accept-Language header: the first listed language we speak
 * (by quality, then order); zh-CN when none is.
 */
export function localeFromAcceptLanguage(header: string | null | undefined): Locale {
  if (!header) return DEFAULT_LOCALE;
  const ranges = header
    .split(",")
    .map((part, i) => {
      const [tag = "", ...rest] = part.trim().split(";");
      const q = rest.map((r) => /^\s*q=([\d.]+)\s*$/.exec(r)?.[1]).find((v) => v !== undefined);
      return { tag: tag.trim().toLowerCase(), q: q === undefined ? 1 : Number(q), i };
    })
    .filter((r) => r.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const { tag } of ranges) {
    if (tag === "zh" || tag.startsWith("zh-")) return "zh-CN";
    if (tag === "en" || tag.startsWith("en-")) return "en";
  }
  return DEFAULT_LOCALE;
}

/** A message as stored or received: checked against the catalog only when rendered. */
export const storedMessageSchema = z.object({ code: z.string().min(1), params: z.record(z.string(), z.unknown()) });
export type StoredMessage = z.infer<typeof storedMessageSchema>;

/** Renders a nested message (a parameter that is itself a message) in the same language. */
export type RenderNested = (message: StoredMessage | string) => string;
type Text<P> = (params: P, nested: RenderNested) => string;
export interface CatalogEntry<P> {
  "zh-CN": Text<P>;
  en: Text<P>;
}

/** One catalog entry; `P` names the parameters both texts use. */
export function entry<P extends object = Record<never, never>>(zh: Text<P>, en: Text<P>): CatalogEntry<P> {
  return { "zh-CN": zh, en };
}
