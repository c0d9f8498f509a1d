// Liveness for load balancers and the test harness: public, reveals nothing but "ok".
import { pingDatabase, prisma } from "@qiao/db";
import { NextResponse } from "next/server";

export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  try {
    await pingDatabase(prisma());
    return NextResponse.json({ ok: true });
  } catch {
    return NextResponse.json({ ok: false }, { status: 503 });
  }
}
