// `npm run secrets:rotate`: re-seal every connection's secrets with the active key
// (QIAO_SECRET_KEY_ID, default the first of QIAO_SECRET_KEYS). Old keys must still be listed.
import { prisma } from "../client";
import { rotateConnectionSecrets } from "../connections";
import { keyring } from "../secrets";

const db = prisma();
try {
  const rotated = await rotateConnectionSecrets(db);
  console.log(`Re-sealed ${rotated} connection(s) with key "${keyring().activeId}".`);
} finally {
  await db.$disconnect();
}
