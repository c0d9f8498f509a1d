-- How many sends under a claimed number may have written, capped at 2 (session 25). A number is
-- handed over to another record only while it is 0: no send under it may have written a bill.
--   0: none (claimed and not sent yet, or every send under it was refused outright or never went out)
--   1: only the last one (the mark set it; a definite refusal of that send, or its release unsent,
--      makes it 0 again)
--   2: more than one, or one whose outcome was not a definite "nothing saved" before the next mark
-- Without it a number was handed over only from a holder that was itself refused outright, and a
-- holder refused under N1 and then written under N2 kept N1 for good: the record whose number N1
-- really is was refused naming it forever (session 24's audit, left open then).
ALTER TABLE "target_number_claims" ADD COLUMN "sends" SMALLINT NOT NULL DEFAULT 2;
ALTER TABLE "target_number_claims" ADD CONSTRAINT "target_number_claims_sends_check" CHECK ("sends" BETWEEN 0 AND 2);

-- Claims made before this migration: 2 (may have written), except those whose holder is refused
-- outright as it stands (failed as a data failure, nothing written, no bill): the rule that handed
-- numbers over before, kept for them.
UPDATE "target_number_claims" c SET "sends" = 0
FROM "source_records" h
WHERE h."id" = c."source_record_id" AND h."status" = 'failed' AND h."error_class" = 'data'
  AND h."written_hash" IS NULL AND h."target_id" IS NULL;
