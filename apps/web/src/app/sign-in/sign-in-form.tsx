"use client";
import { useState, type FormEvent } from "react";
import { setLocaleCookie, useLocale, useT } from "@/lib/i18n/client";

export function SignInForm({ next }: { next: string }) {
  const t = useT();
  const locale = useLocale();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    setError(null);
    const res = await fetch("/api/auth/sign-in/email", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: form.get("email"), password: form.get("password") }),
    }).catch(() => null);
    if (res?.ok) {
      window.location.assign(next);
      return;
    }
    setPending(false);
    // Only a refusal of the credentials is "wrong email or password": a server that cannot be reached
    // or fails says so, or a person resets a password that was right.
    if (res === null) return setError(t("common.unreachable"));
    if (res.status === 429) {
      const retryAfter = Number(res.headers.get("retry-after"));
      return setError(t("signIn.throttled", { minutes: Math.max(1, Math.ceil(retryAfter / 60) || 1) }));
    }
    if (res.status >= 500) return setError(t("common.serverError", { status: String(res.status) }));
    setError(t("signIn.failed"));
  }

  return (
    <form onSubmit={onSubmit} className="w-full max-w-sm space-y-5 rounded-2xl bg-white p-8 shadow-sm ring-1 ring-slate-200">
      <div>
        <h1 className="text-2xl font-semibold text-slate-900">{t("app.name")}</h1>
        <p className="mt-1 text-sm text-slate-500">{t("app.tagline")}</p>
      </div>
      <label className="block">
        <span className="text-sm font-medium text-slate-700">{t("signIn.email")}</span>
        <input name="email" type="email" required autoComplete="username"
          className="mt-1 block w-full rounded-lg border border-slate-300 px-3 py-2 focus:border-brand-500 focus:outline-none focus:ring-2 focus:ring-brand-100" />
      </label>
      <label className="block">
        <span className="text-sm font-medium text-slate-700">{t("signIn.password")}</span>
        <input name="password" type="password" required autoComplete="current-password"
          className="mt-1 block w-full rounded-lg border border-slate-300 px-3 py-2 focus:border-brand-500 focus:outline-none focus:ring-2 focus:ring-brand-100" />
      </label>
      {error && <p role="alert" className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-700">{error}</p>}
      <button type="submit" disabled={pending}
        className="w-full rounded-lg bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700 disabled:opacity-60">
        {pending ? t("signIn.submitting") : t("signIn.submit")}
      </button>
      <div className="flex items-start justify-between gap-3 text-xs text-slate-500">
        <p>{t("signIn.hint")}</p>
        <button type="button" lang={locale === "zh-CN" ? "en" : "zh-CN"} className="shrink-0 hover:text-slate-800"
          onClick={() => {
            setLocaleCookie(locale === "zh-CN" ? "en" : "zh-CN");
            window.location.reload();
          }}>
          {t("nav.language")}
        </button>
      </div>
    </form>
  );
}
