// Which keys sealed secrets still use, across every table that holds them (connections and alert
// channels): what `npm run secrets:rotate` reports before saying an old key may be removed from
// QIAO_SECRET_KEYS. Removed while a row still used it, that row's secrets would no longer open.
import type { Db } from "./client";
import { CURRENT_FORMAT, type Keyring } from "./secrets";

export interface SealedElsewhere {
  table: "connections" | "alert_channels";
  keyId: string;
  rows: number;
}

/** Rows sealed with another key than the active one, or in a format before the current one (v1, v2: bound to no address). */
export async function sealedWithOtherKeys(db: Db, ring: Keyring): Promise<SealedElsewhere[]> {
  const [connections, channels] = await Promise.all([
    db.connection.groupBy({
      by: ["secretKeyId"],
      where: { OR: [{ secretKeyId: { not: ring.activeId } }, { secretCiphertext: { not: { startsWith: `${CURRENT_FORMAT}.` } } }] },
      _count: { _all: true },
    }),
    db.alertChannel.groupBy({
      by: ["secretKeyId"],
      where: { OR: [{ secretKeyId: { not: ring.activeId } }, { secretCiphertext: { not: { startsWith: `${CURRENT_FORMAT}.` } } }] },
      _count: { _all: true },
    }),
  ]);
  return [
    ...connections.map((g) => ({ table: "connections" as const, keyId: g.secretKeyId, rows: g._count._all })),
    ...channels.map((g) => ({ table: "alert_channels" as const, keyId: g.secretKeyId, rows: g._count._all })),
  ];
}
