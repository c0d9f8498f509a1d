// Route handlers called directly in vitest: what an e2e spec does through HTTP, without a server or
// a browser. A database of their own (created, and dropped by close), a Redis key prefix of their own,
// and an API token of the role asked for. @qiao/db is imported only after DATABASE_URL points at the
// test database, and the bed checks it does: a test never touches the developer's database.
import { randomBytes } from "node:crypto";
import type { Role } from "@qiao/core";
import type * as QiaoDb from "@qiao/db";
import type { NextRequest } from "next/server";

/** A route handler as Next calls it (a dynamic segment `[id]`, or none). */
export type Route = (req: NextRequest, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

export interface RouteBed {
  db: typeof QiaoDb;
  prisma: ReturnType<typeof QiaoDb.prisma>;
  /** Calls `route` as the bed's user: JSON in (`body`), status and JSON out. */
  call(
    route: unknown,
    path: string,
    init?: { method?: string; body?: unknown; headers?: Record<string, string>; params?: Record<string, string> },
  ): Promise<{ status: number; body: { error?: { code: string; issues?: { path: unknown[] }[] } } & Record<string, unknown> }>;
  close(): Promise<void>;
}

export async function openRouteBed(name: string, role: Role = "editor", env: Record<string, string> = {}): Promise<RouteBed> {
  process.env.TEST_DATABASE_URL ??= "postgresql://postgres@127.0.0.1:5432/qiao";
  const { createTestDatabase, testRedisPrefix } = await import("@qiao/db/testing");
  const tdb = await createTestDatabase(name);
  Object.assign(process.env, { DATABASE_URL: tdb.url, REDIS_URL: "redis://127.0.0.1:6379", REDIS_PREFIX: testRedisPrefix(name), ...env });
  const db = await import("@qiao/db");
  if (db.config().DATABASE_URL !== tdb.url) throw new Error("the route bed is not on its own database");
  const prisma = db.prisma();
  const user = await db.createUser(prisma, { email: `${role}-${randomBytes(3).toString("hex")}@route.test`, name: role, role, password: "route-bed-password-1" });
  const { token } = await db.createApiToken(prisma, { userId: user.id, name: "route bed", role });
  const { NextRequest } = await import("next/server");
  return {
    db,
    prisma,
    async call(route, path, init = {}) {
      const req = new NextRequest(`http://localhost${path}`, {
        method: init.method ?? (init.body === undefined ? "GET" : "POST"),
        headers: { authorization: `Bearer ${token}`, ...(init.body !== undefined && { "content-type": "application/json" }), ...init.headers },
        ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
      });
      const res = await (route as Route)(req, { params: Promise.resolve(init.params ?? {}) });
      return { status: res.status, body: (await res.json()) as Awaited<ReturnType<RouteBed["call"]>>["body"] };
    },
    async close() {
      // The run queue the routes opened (src/server/queue.ts keeps it on globalThis).
      await (globalThis as { qiaoRunQueue?: { close(): Promise<void> } }).qiaoRunQueue?.close();
      // The bed's routes use the real queue on the bed's own key prefix: nothing of it stays in Redis.
      const { deleteRedisPrefix } = await import("@qiao/jobs");
      await deleteRedisPrefix(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", process.env.REDIS_PREFIX ?? "");
      await prisma.$disconnect();
      await tdb.drop();
    },
  };
}
