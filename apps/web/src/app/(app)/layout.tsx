import type { ReactNode } from "react";
import { AppNav } from "@/components/app-nav";
import { Providers } from "@/components/providers";
import { CurrentUserProvider } from "@/components/role";
import { getT } from "@/lib/i18n/server";
import { requireUser } from "@/server/session";

export const dynamic = "force-dynamic";

export default async function AppLayout({ children }: { children: ReactNode }) {
  const user = await requireUser();
  const t = await getT();
  return (
    <Providers>
      <CurrentUserProvider user={{ id: user.id, role: user.role }}>
        <div className="flex min-h-full flex-col">
          {/* The first Tab stop: keyboard users skip the navigation. */}
          <a href="#main" className="sr-only rounded-lg bg-white px-3 py-2 text-sm font-medium text-brand-700 shadow focus:not-sr-only focus:absolute focus:left-4 focus:top-3 focus:z-50">
            {t("nav.skipToMain")}
          </a>
          <AppNav email={user.email} />
          <main id="main" tabIndex={-1} className="mx-auto w-full max-w-7xl flex-1 px-6 py-8 focus:outline-none">{children}</main>
        </div>
      </CurrentUserProvider>
    </Providers>
  );
}
