import type { ReactNode } from "react";
import { AppNav } from "@/components/app-nav";
import { Providers } from "@/components/providers";
import { CurrentUserProvider } from "@/components/role";
import { requireUser } from "@/server/session";

export const dynamic = "force-dynamic";

export default async function AppLayout({ children }: { children: ReactNode }) {
  const user = await requireUser();
  return (
    <Providers>
      <CurrentUserProvider user={{ id: user.id, role: user.role }}>
        <div className="flex min-h-full flex-col">
          <AppNav email={user.email} />
          <main className="mx-auto w-full max-w-7xl flex-1 px-6 py-8">{children}</main>
        </div>
      </CurrentUserProvider>
    </Providers>
  );
}
