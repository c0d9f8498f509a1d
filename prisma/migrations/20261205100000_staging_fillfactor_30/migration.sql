-- Issue #16 (Postgres CPU per record): a first run writes each staging row three times (staged
-- pending, marked sending with the payload, answered written), each a new version of the whole row
-- (~600 bytes, ~750 while sending). With pages filled to 50 %, a page's rows marked in one batch did
-- not all fit beside the versions they replace (nothing is dead yet at the mark), so one update in
-- seven was not HOT: a new entry in every index of the table and a bottom-up deletion pass in them,
-- 15 % of Postgres's CPU for the mark. Filled to 30 %, a page keeps room for both updates of its
-- rows: every update of the benchmark's first run was HOT, and the mark's CPU per record went from
-- about 20 to 11 µs. The price is room: staging takes about 1.7× the pages (only pages written from
-- now on; existing pages keep their layout until rewritten).
ALTER TABLE "source_records" SET (fillfactor = 30);
