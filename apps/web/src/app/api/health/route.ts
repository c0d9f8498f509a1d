// Liveness for load balancers and the test harness: public, reveals nothing but "ok".
import { prisma } from "@qiao/db";
import { NextResponse } from "next/server";

export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  try {
    await prisma().$queryRaw`SELECT 1`;
    return NextResponse.json({ ok: true });
  } catch {
    return NextResponse.json({ ok: false }, { status: 503 });
  }
}
