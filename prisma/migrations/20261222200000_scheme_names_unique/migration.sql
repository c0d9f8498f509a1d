-- Scheme names are unique (session 30's audit): lookups (`lookup('店铺→客户', …)`) and exported run-after
-- orders name the scheme they read, and a name two schemes share answers neither: every run of a
-- scheme looking it up failed, and its next save was refused.
--
-- Names two or more schemes share already: the oldest scheme of the name (created first) keeps it,
-- and each later one is renamed `<name>（2）`, `<name>（3）`… (the first such name no scheme has). A
-- lookup of the name, ambiguous until now, reads the oldest from here on; the renamed schemes are
-- otherwise unchanged (their runs, staging and schedules are by id).
DO $$
DECLARE
  dup record;
  n int;
  candidate text;
BEGIN
  FOR dup IN
    SELECT id, name FROM (
      SELECT id, name, row_number() OVER (PARTITION BY name ORDER BY created_at, id) AS k FROM schemes
    ) named
    WHERE k > 1
    ORDER BY name, k
  LOOP
    n := 2;
    LOOP
      candidate := dup.name || '（' || n || '）';
      EXIT WHEN NOT EXISTS (SELECT 1 FROM schemes WHERE name = candidate);
      n := n + 1;
    END LOOP;
    UPDATE schemes SET name = candidate, updated_at = now() WHERE id = dup.id;
  END LOOP;
END $$;

-- CreateIndex
CREATE UNIQUE INDEX "schemes_name_key" ON "schemes"("name");
