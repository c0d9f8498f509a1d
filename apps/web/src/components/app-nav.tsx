"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { setLocaleCookie, useLocale, useT } from "@/lib/i18n/client";
import type { MessageKey } from "@/lib/i18n/messages";

const LINKS: { href: string; label: MessageKey }[] = [
  { href: "/", label: "nav.overview" },
  { href: "/schemes", label: "nav.schemes" },
  { href: "/connections", label: "nav.connections" },
  { href: "/value-maps", label: "nav.valueMaps" },
  { href: "/settings", label: "nav.settings" },
];

export function AppNav({ email }: { email: string }) {
  const t = useT();
  const locale = useLocale();
  const pathname = usePathname();

  async function signOut() {
    await fetch("/api/auth/sign-out", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    window.location.assign("/sign-in");
  }

  function switchLanguage() {
    setLocaleCookie(locale === "zh-CN" ? "en" : "zh-CN");
    window.location.reload();
  }

  return (
    <header className="border-b border-slate-200 bg-white">
      <div className="mx-auto flex h-14 max-w-7xl items-center gap-8 px-6">
        <Link href="/" className="text-lg font-semibold text-slate-900">
          {t("app.name")}
        </Link>
        <nav aria-label={t("nav.main")} className="flex gap-1">
          {LINKS.map((l) => {
            const current = l.href === "/" ? pathname === "/" : pathname.startsWith(l.href);
            return (
              <Link key={l.href} href={l.href} aria-current={current ? "page" : undefined}
                className={`rounded-md px-3 py-1.5 text-sm ${current ? "bg-brand-50 font-medium text-brand-700" : "text-slate-600 hover:bg-slate-100"}`}>
                {t(l.label)}
              </Link>
            );
          })}
        </nav>
        <div className="ml-auto flex items-center gap-4 text-sm text-slate-500">
          {/* Named in the language it switches to (English / 中文), marked as such for screen readers. */}
          <button onClick={switchLanguage} lang={locale === "zh-CN" ? "en" : "zh-CN"} className="hover:text-slate-800">{t("nav.language")}</button>
          <span>{email}</span>
          <button onClick={signOut} className="hover:text-slate-800">{t("nav.signOut")}</button>
        </div>
      </div>
    </header>
  );
}
