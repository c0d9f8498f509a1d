// Who may call each route: "METHOD /api/path" → the least role (viewer < editor < admin), or
// "public". e2e/roles.spec.ts fails when a route handler has no entry here (a new route must be
// given a rule), when an entry names no route, when a route file declares another role to withAuth,
// and when the server does not behave as listed.
import type { Role } from "@qiao/core";

export type Rule = Role | "public";

export const ROUTE_RULES: Record<string, Rule> = {
  "GET /api/health": "public",
  "GET /api/auth/[...all]": "public",
  "POST /api/auth/[...all]": "public",
  "GET /api/openapi.json": "viewer",
  "GET /api/connectors": "viewer",

  "GET /api/connections": "viewer",
  "POST /api/connections": "admin",
  "POST /api/connections/test": "admin",
  "GET /api/connections/[id]": "viewer",
  "PATCH /api/connections/[id]": "admin",
  "DELETE /api/connections/[id]": "admin",
  "POST /api/connections/[id]/test": "admin",

  "GET /api/schemes": "viewer",
  "POST /api/schemes": "editor",
  "POST /api/schemes/import": "editor",
  "GET /api/schemes/[id]": "viewer",
  "PATCH /api/schemes/[id]": "editor",
  "DELETE /api/schemes/[id]": "editor",
  "POST /api/schemes/[id]/duplicate": "editor",
  "GET /api/schemes/[id]/export": "viewer",
  "POST /api/schemes/[id]/validate": "editor",
  "POST /api/schemes/[id]/test": "editor",
  "GET /api/schemes/[id]/runs": "viewer",
  "POST /api/schemes/[id]/runs": "editor",
  "GET /api/schemes/[id]/failed-records": "viewer",
  "GET /api/schemes/[id]/failed-records/[recordId]/attempts": "viewer",
  "GET /api/schemes/[id]/records": "viewer",
  "GET /api/schemes/[id]/records/[recordId]": "viewer",
  "POST /api/schemes/[id]/retry": "editor",
  "GET /api/schemes/[id]/reconciliations": "viewer",
  "POST /api/schemes/[id]/reconciliations": "editor",
  "GET /api/schemes/[id]/reconcile-settings": "viewer",
  "PUT /api/schemes/[id]/reconcile-settings": "editor",
  "POST /api/schemes/[id]/cursor/reset": "editor",
  "GET /api/reconciliations/[id]": "viewer",
  "GET /api/reconciliations/[id]/items": "viewer",
  "POST /api/reconciliations/[id]/resync": "editor",

  "GET /api/alert-channels": "viewer",
  "POST /api/alert-channels": "admin",
  "GET /api/alert-channels/[id]": "viewer",
  "PATCH /api/alert-channels/[id]": "admin",
  "DELETE /api/alert-channels/[id]": "admin",
  "POST /api/alert-channels/[id]/test": "admin",
  "GET /api/alert-rules": "viewer",
  "POST /api/alert-rules": "editor",
  "PATCH /api/alert-rules/[id]": "editor",
  "DELETE /api/alert-rules/[id]": "editor",
  "GET /api/value-maps": "viewer",
  "POST /api/value-maps": "editor",
  "GET /api/value-maps/[id]": "viewer",
  "PATCH /api/value-maps/[id]": "editor",
  "DELETE /api/value-maps/[id]": "editor",
  "POST /api/value-maps/[id]/import": "editor",
  "GET /api/value-maps/[id]/export": "viewer",

  "GET /api/runs/[id]": "viewer",
  "GET /api/runs/[id]/records": "viewer",
  "GET /api/runs/[id]/logs": "viewer",
  "POST /api/runs/[id]/retry": "editor",
  "POST /api/runs/[id]/cancel": "editor",

  // Everyone manages their own tokens; the routes themselves let admins reach anyone's.
  "GET /api/tokens": "viewer",
  "POST /api/tokens": "viewer",
  "DELETE /api/tokens/[id]": "viewer",

  "GET /api/overview": "viewer",
  // Also QIAO_METRICS_TOKEN (e2e/overview.spec.ts).
  "GET /api/metrics": "admin",

  "GET /api/users": "admin",
  "POST /api/users": "admin",
  "PATCH /api/users/[id]": "admin",
  "DELETE /api/users/[id]": "admin",
};
