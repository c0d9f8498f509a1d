-- Staging rows change status twice per write (pending → sending → written). With status in an
-- index, each change wrote a new entry into every index of the table; without it, and with room
-- left on each page, Postgres updates the row in place on its page (a HOT update: no index entry).
-- A scheme's rows by status are found through (scheme_id, id), filtered: the engine asks once per
-- run (records left sending, records still pending), not per batch.
DROP INDEX "source_records_scheme_id_status_id_idx";
CREATE INDEX "source_records_scheme_id_id_idx" ON "source_records"("scheme_id", "id");
ALTER TABLE "source_records" SET (fillfactor = 50);
