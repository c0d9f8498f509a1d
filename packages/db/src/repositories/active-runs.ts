// The definition each queued or running run executes, for the checks that refuse to delete, move or
// rename what an active run still uses (connections, schemes looked up, value maps). A run executes
// the version it was created with, which the scheme's current definition may no longer be; a scheme
// without that version's row runs its definition. Any trigger counts: a test run reads its sample.
import { Prisma } from "../../generated/prisma/client";

/**
 * A subquery for FROM, aliased by the caller: one row per active run with `id`, `created_at`,
 * `scheme_id`, `scheme_name` and the `definition` it executes.
 */
export const ACTIVE_RUN_DEFINITIONS = Prisma.sql`(
  SELECT r.id, r.created_at, r.scheme_id, s.name AS scheme_name, COALESCE(v.definition, s.definition) AS definition
  FROM runs r
  JOIN schemes s ON s.id = r.scheme_id
  LEFT JOIN scheme_versions v ON v.scheme_id = r.scheme_id AND v.version = r.scheme_version
  WHERE r.status IN ('queued', 'running'))`;
