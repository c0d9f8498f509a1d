import { redirect } from "next/navigation";
import { headers } from "next/headers";
import { safeNextPath } from "@/lib/safe-next";
import { auth } from "@/server/auth";
import { SignInForm } from "./sign-in-form";

export const dynamic = "force-dynamic";

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ next?: string }> }) {
  const { next } = await searchParams;
  const target = safeNextPath(next);
  const session = await auth().api.getSession({ headers: await headers() });
  if (session) redirect(target);
  return (
    <main className="flex min-h-full items-center justify-center px-4">
      <SignInForm next={target} />
    </main>
  );
}
