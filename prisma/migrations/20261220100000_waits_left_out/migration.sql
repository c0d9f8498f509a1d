-- Whether the dependency had staged the key a record waits for as left out by its filter node
-- (`filtered`, nothing written for it) when the record's run last looked (session 29). Such a key is
-- never written while that filter stands: the wait's reason, and the failure at the wait limit, say
-- so instead of "not written yet". Set again each time the record waits.
ALTER TABLE "waiting_records" ADD COLUMN "left_out" BOOLEAN NOT NULL DEFAULT false;
