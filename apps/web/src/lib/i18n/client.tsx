"use client";
import { createContext, useContext, useMemo, type ReactNode } from "react";
import { LOCALE_COOKIE, translator, type Locale } from "./messages";

const LocaleContext = createContext<Locale>("zh-CN");

export function I18nProvider({ locale, children }: { locale: Locale; children: ReactNode }) {
  return <LocaleContext.Provider value={locale}>{children}</LocaleContext.Provider>;
}

export function useLocale(): Locale {
  return useContext(LocaleContext);
}

export function useT() {
  const locale = useLocale();
  return useMemo(() => translator(locale), [locale]);
}

export function setLocaleCookie(locale: Locale): void {
  document.cookie = `${LOCALE_COOKIE}=${locale}; path=/; max-age=31536000; samesite=lax`;
}
