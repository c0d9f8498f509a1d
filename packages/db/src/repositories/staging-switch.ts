// What a scheme's staging becomes when a saved version writes to another target, or reads another
// source and writes to another target (insertSchemeVersion calls these in the save's transaction).
import type { Prisma } from "../../generated/prisma/client";

/**
 * The scheme's staging after its target switched (another connection or form): nothing in it was
 * written to the new target, so every record counts as never written there. Written, stale, failed
 * and saved-not-audited rows become pending (the next run sends each to the new target, whether its
 * read sees the record again or not); no row keeps a written hash, a mapping key (mapped again when
 * read), the old target's ids or a retry schedule. Rows `sending` or `unknown` are the write
 * protocol's (an unknown outcome is looked up in the target the run writes to): they keep their
 * status, written hash and target id, which resolveUnknown reads (its resend rule, and whether a
 * bill found audited proves the update), but not the old target's number. A written hash without a
 * number is how staging says "written, but to a target the scheme no longer writes to": lookupWritten
 * answers no lookup from such a row (a bill for the new target would name a customer never written
 * there), the mark does not take it for the number a document has (MarkedRecords.renumbered), and an
 * unknown outcome found absent drops the hash (resolveUnknown). Its next answer or verdict in the new
 * target gives it the number written there (session 32). Waiting rows wait on.
 */
export async function forgetWrittenTarget(tx: Prisma.TransactionClient, schemeId: string): Promise<number> {
  const now = new Date().toISOString();
  await tx.$executeRaw`
    UPDATE source_records SET target_number = NULL, updated_at = ${now}::timestamp
    WHERE scheme_id = ${schemeId}::uuid AND status IN ('sending', 'unknown') AND target_number IS NOT NULL`;
  return tx.$executeRaw`
    UPDATE source_records SET
      status = CASE WHEN status IN ('written', 'stale', 'failed', 'saved') THEN 'pending'::record_status ELSE status END,
      written_hash = NULL,
      mapped_with = NULL,
      target_id = NULL,
      target_number = NULL,
      sending_payload = NULL,
      last_error = CASE WHEN status IN ('failed', 'saved') THEN NULL ELSE last_error END,
      error_class = NULL,
      retry_step = 0,
      retry_at = NULL,
      dead_at = NULL,
      retry_prior = NULL,
      updated_at = ${now}::timestamp
    WHERE scheme_id = ${schemeId}::uuid AND status NOT IN ('sending', 'unknown')`;
}

/**
 * The scheme's staging after its source and its target both switched (a scheme tried against a test
 * tenant and a test account set, moved to production in one save): every staged row is another
 * system's record, written (or not) to another target, and its source id may name a different record
 * of the new source. Made pending as forgetWrittenTarget makes them, the old tenant's records would
 * be sent to the new target by the next run's sweep. They are deleted instead, with their number
 * claims and waits: the new source's records are staged afresh as it reads them. Rows `sending` or
 * `unknown` go too (session 32's audit): such a row outlives its run (one cancelled while it waited
 * for unknown outcomes leaves them for the scheme's next writing run), and that run, the new
 * version's, looked it up in the NEW target, found it absent and sent the OLD tenant's data staged on
 * it there. Whether the old target has it is the old target's business: nothing of this scheme
 * writes there any more. (No run of the scheme is active: the switch is refused while one is, so no
 * call of it is in flight.) Past runs keep their records (run_records and batch rows name staging
 * ids without a foreign key; their source data is no longer shown). Returns how many rows went.
 */
export async function forgetOtherSource(tx: Prisma.TransactionClient, schemeId: string): Promise<number> {
  const deleted = await tx.$executeRaw`DELETE FROM source_records WHERE scheme_id = ${schemeId}::uuid`;
  await tx.$executeRaw`DELETE FROM target_number_claims WHERE scheme_id = ${schemeId}::uuid`;
  await tx.$executeRaw`DELETE FROM waiting_records WHERE scheme_id = ${schemeId}::uuid`;
  return deleted;
}
