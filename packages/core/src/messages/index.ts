// The one catalog of messages the server side produces (run logs, run errors), and how to render
// them. The web's UI dictionary (apps/web/src/lib/i18n) holds only the texts of its own pages.
import { alertMessages } from "./alerts";
import { apiMessages } from "./api";
import { failureMessages } from "./failures";
import {
  DEFAULT_LOCALE,
  storedMessageSchema,
  type CatalogEntry,
  type Locale,
  type RenderNested,
  type StoredMessage,
} from "./message";
import { reconcileMessages } from "./reconcile";
import { runMessages } from "./run";

export { DEFAULT_LOCALE, LOCALES, isLocale, localeFromAcceptLanguage, storedMessageSchema } from "./message";
export type { Locale, StoredMessage } from "./message";

const catalog = { ...runMessages, ...failureMessages, ...apiMessages, ...reconcileMessages, ...alertMessages };

type Catalog = typeof catalog;
export type MessageCode = keyof Catalog;
type ParamsOf<C extends MessageCode> = Catalog[C] extends CatalogEntry<infer P> ? P : never;

/** A message the code produces: its code and the parameters that code's texts need. */
export type Message = { [C in MessageCode]: { code: C; params: ParamsOf<C> } }[MessageCode];

export function message<C extends MessageCode>(code: C, ...params: keyof ParamsOf<C> extends never ? [] : [ParamsOf<C>]): Message {
  return { code, params: params[0] ?? {} } as Message;
}

function isCode(code: string): code is MessageCode {
  return Object.hasOwn(catalog, code);
}

/**
 * The text of a message in a language. A message whose code the catalog does not know (a row written
 * by a newer version) renders as its code, so a reader always gets something to search for.
 */
export function render(msg: Message | StoredMessage | string, locale: Locale = DEFAULT_LOCALE): string {
  if (typeof msg === "string") return msg;
  if (!isCode(msg.code)) return msg.code;
  const nested: RenderNested = (m) => render(m, locale);
  return (catalog[msg.code][locale] as (p: unknown, r: RenderNested) => string)(msg.params, nested);
}

/** The stored message in `value` (run log data, a run's error), if it is one. */
export function storedMessage(value: unknown): StoredMessage | undefined {
  const parsed = storedMessageSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
