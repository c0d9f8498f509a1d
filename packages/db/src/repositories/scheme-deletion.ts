// Deleting a scheme: refused while something still needs it, decided in the delete's transaction.
// The checks and the delete were separate statements: a schedule tick's run created in between was
// deleted with the scheme by cascade (its job then found no run), and a save that began to look the
// scheme up or to run after it in between was left naming a scheme that was gone.
import type { Prisma } from "../../generated/prisma/client";
import type { Db } from "../client";
import { LONG_TRANSACTION } from "./long-transaction";
import { definitionNames, lockNames, schemesWithActiveRunsNaming } from "./name-references";
import { lockRunAfterGraph, schemesRunningAfter } from "./run-after";
import { ACTIVE_RUN_STATUSES } from "./runs";
import { listSchemeDefinitions } from "./schemes";

/** Why a scheme is not deleted: a run of it is active, or other schemes run after it or look it up (by name). */
export class SchemeDeleteRefused extends Error {
  override name = "SchemeDeleteRefused";
  constructor(
    readonly reason: "running" | "followed" | "lookedUp",
    readonly names: string[] = [],
  ) {
    super(`scheme not deleted: ${reason}${names.length ? ` (${names.join(", ")})` : ""}`);
  }
}

/**
 * The other schemes whose current definition looks `scheme` up (`lookup('店铺→客户', …)`), by name:
 * their lookups answer from its staging rows, which go with it when it is deleted. A stored
 * definition that no longer parses cannot run, so it looks nothing up.
 */
export async function schemesLookingUp(db: Db | Prisma.TransactionClient, scheme: { id: string; name: string }): Promise<{ id: string; name: string }[]> {
  const all = await listSchemeDefinitions(db);
  return all.flatMap(({ id, name, definition }) => (id !== scheme.id && definitionNames(definition, "scheme", scheme.name) ? [{ id, name }] : []));
}

/**
 * Deletes the scheme with its versions and runs (its staging rows go by trigger) unless a run of it
 * is queued or running, or other schemes run after it or look it up (in their current definition, or
 * in the version a queued or running run of theirs executes): SchemeDeleteRefused, and
 * nothing changes. False when it does not exist. In one transaction that holds the run-after and
 * names locks (a save adding such an order or lookup waits, then finds the scheme gone) and the
 * scheme's row (a run created meanwhile waits on its foreign key's lock, then fails to insert).
 */
export async function deleteSchemeWhenFree(db: Db, id: string): Promise<boolean> {
  return db.$transaction(async (tx) => {
    await lockRunAfterGraph(tx);
    await lockNames(tx);
    const [row] = await tx.$queryRaw<{ name: string }[]>`SELECT name FROM schemes WHERE id = ${id}::uuid FOR UPDATE`;
    if (!row) return false;
    const active = await tx.run.findFirst({ where: { schemeId: id, status: { in: [...ACTIVE_RUN_STATUSES] } }, select: { id: true } });
    if (active) throw new SchemeDeleteRefused("running");
    const followers = await schemesRunningAfter(tx, id);
    if (followers.length > 0) throw new SchemeDeleteRefused("followed", followers.map((f) => f.name));
    const readers = new Set((await schemesLookingUp(tx, { id, name: row.name })).map((r) => r.name));
    // And the readers whose queued or running run executes an older version that looks it up.
    for (const name of await schemesWithActiveRunsNaming(tx, "scheme", row.name, id)) readers.add(name);
    if (readers.size > 0) throw new SchemeDeleteRefused("lookedUp", [...readers].sort());
    await tx.scheme.delete({ where: { id } });
    return true;
  }, LONG_TRANSACTION);
}

/** Deletes the scheme, with no check (tests and scripts; the API deletes with deleteSchemeWhenFree). */
export async function deleteScheme(db: Db, id: string): Promise<void> {
  await db.scheme.delete({ where: { id } });
}
