// The API's route handlers as the file system declares them: every route.ts under src/app/api and
// the HTTP methods it exports. Walked, not listed, so a new route cannot be forgotten by a test.
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const API_DIR = fileURLToPath(new URL("../src/app/api", import.meta.url));
export const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
export type Method = (typeof METHODS)[number];
export const STATE_CHANGING = new Set<Method>(["POST", "PUT", "PATCH", "DELETE"]);

export interface Route {
  file: string;
  /** URL path pattern as written in folders: /api/schemes/[id]/runs */
  pattern: string;
  methods: Method[];
}

function findRoutes(dir: string): Route[] {
  const routes: Route[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) {
      routes.push(...findRoutes(full));
    } else if (/^route\.(ts|tsx|js)$/.test(name)) {
      const source = readFileSync(full, "utf8");
      const methods = METHODS.filter((m) => new RegExp(`export\\s+(const|(async\\s+)?function)\\s+${m}\\b`).test(source));
      const segments = relative(API_DIR, dir).split(sep).filter((s) => s !== "" && !/^\(.*\)$/.test(s));
      routes.push({ file: relative(API_DIR, full), pattern: `/api/${segments.join("/")}`.replace(/\/$/, ""), methods });
    }
  }
  return routes;
}

export const ROUTES = findRoutes(API_DIR);

/** A concrete URL: every dynamic segment gets a random uuid (catch-alls a plain word). */
export const urlOf = (pattern: string) => pattern.replace(/\[\.\.\.[^\]]+\]/g, "session").replace(/\[[^\]]+\]/g, () => randomUUID());
