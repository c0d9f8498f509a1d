-- Whether an `unknown` outcome was answered by the connector after it sent the write (a timeout or a
-- 5xx after the call went out) rather than parked from `sending` (no answer: the call may never have
-- gone out). The lookup of an upsert whose bill is found audited needs it (session 23): an audited
-- bill proves an update only if the connector saw the bill unaudited and sent it; a record written
-- before whose call may never have left would otherwise be taken for written with a payload 金蝶 does
-- not hold. A constant default: no table rewrite.
ALTER TABLE "source_records" ADD COLUMN "unknown_after_send" BOOLEAN NOT NULL DEFAULT false;
