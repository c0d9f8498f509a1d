// The 金蝶 target: writes (./save.ts), lookups (./lookup.ts) and separate audits (./audit.ts) of the
// forms in ./forms/, chosen by the request's formId; base data of any form read for erp_lookup
// (./query-values.ts).
import type { ConnectionConfig, TargetClient } from "../types";
import { auditBills, reopenBills } from "./audit";
import { KingdeeClient } from "./client";
import { findExisting, findRecords, listKeys } from "./lookup";
import { queryValues } from "./query-values";
import { previewBatch, writeBatch } from "./save";

export function createKingdeeTarget(config: ConnectionConfig): TargetClient {
  const client = new KingdeeClient(config);
  return {
    get concurrency() {
      return client.concurrency;
    },
    write: (req) => writeBatch(client, req),
    audit: (req) => auditBills(client, req),
    reopen: (req) => reopenBills(client, req),
    preview: previewBatch,
    findExisting: (formId, numbers, signal, sent) => findExisting(client, formId, numbers, signal, sent),
    findRecords: (formId, numbers, signal, sent) => findRecords(client, formId, numbers, signal, sent),
    queryValues: (req) => queryValues(client, req),
    listKeys: (req) => listKeys(client, req),
    // Every run, resumed attempt and reconciliation makes its own client and logs in: without a
    // Logout each session stayed open on the server until it expired (200 one-minute schemes left
    // thousands), and K/3 Cloud counts open sessions against the licence.
    close: () => client.logout(AbortSignal.timeout(CLOSE_TIMEOUT_MS)).catch(() => undefined),
  };
}

/** How long ending the session may take (one Logout call, its retries included) before it is given up. */
const CLOSE_TIMEOUT_MS = 5_000;
