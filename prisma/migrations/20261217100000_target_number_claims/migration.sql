-- Which staged record of a scheme a target number (FNumber / FBillNo, as the payload carries it)
-- belongs to (session 24). Two source records mapped to one number (拆单: one order shipped as two
-- deliveries, FBillNo ← {{platform_code}}) made the second's upsert replace the first bill's rows, and
-- an unknown outcome of the second's create take the first's bill for its own. The mark
-- (markSending) claims each payload's number for its record; a number another record holds is not
-- sent (the record fails, naming the holder). A separate table, not an index on source_records: an
-- index on a column the first write sets would make that write miss HOT.
--
-- `number` is the claim key (numberClaimKey in packages/db): NFKC, trailing spaces dropped, ASCII
-- letters upper-cased, as 金蝶's database would compare numbers (SQL Server, Chinese_PRC_CI_AS:
-- case- and width-insensitive, trailing spaces ignored; assumed, not published). Never updated except
-- to hand a number over from a record that never wrote it (claimNumbersFor / resolveNumberConflicts);
-- deleted with the scheme (trigger schemes_delete_number_claims).
CREATE TABLE "target_number_claims" (
    "scheme_id" UUID NOT NULL,
    "number" TEXT COLLATE "C" NOT NULL,
    "source_record_id" BIGINT NOT NULL,
    CONSTRAINT "target_number_claims_pkey" PRIMARY KEY ("scheme_id", "number")
);

-- Staging rows written before this migration hold the numbers they were written under (the
-- answer's, which is the payload's when it carried one). Two rows written under one number (the
-- upsert bug above) keep the first: the other's next write is refused, naming it.
INSERT INTO "target_number_claims" ("scheme_id", "number", "source_record_id")
SELECT "scheme_id", "key", min("id")
FROM (
  SELECT "scheme_id", "id", upper(rtrim(normalize("target_number", NFKC), ' ') COLLATE "C") AS "key"
  FROM "source_records" WHERE "target_number" IS NOT NULL
) r
WHERE "key" <> ''
GROUP BY "scheme_id", "key";

CREATE TRIGGER "schemes_delete_number_claims" AFTER DELETE ON "schemes"
  FOR EACH ROW EXECUTE FUNCTION "qiao_delete_children"('target_number_claims', 'scheme_id');
