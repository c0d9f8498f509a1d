// `npm run db:seed`: the admin user and, with QIAO_SEED_DEMO (the default outside production), demo
// connections pointing at the local simulators and the demo schemes (@qiao/core's DEMO_SCHEMES:
// 店铺→客户, 商品→物料, 发货单→销售出库单).
// Idempotent: existing rows (matched by name) are kept.
import { getConnector, splitCredentials } from "@qiao/connectors";
import { DEMO_SCHEMES, DEMO_VALUE_MAPS, schemeDefinitionSchema } from "@qiao/core";
import { createApiToken, ensureAdminUser, hashApiToken } from "../accounts";
import { prisma } from "../client";
import { config, exitUnlessProductionReady, seedsDemo } from "../config";
import { createConnection } from "../connections";
import { createValueMap, findValueMapsByName } from "../repositories/value-maps";

export const DEMO_GUANYI = "管易云（本地模拟器）";
export const DEMO_KINGDEE = "金蝶云星空（本地模拟器）";

// In production the admin must not get the public development password.
exitUnlessProductionReady("seed");
const c = config();
const db = prisma();

async function ensureConnection(platform: string, name: string, baseUrl: string, credentials: Record<string, unknown>, userId: string) {
  const existing = await db.connection.findFirst({ where: { name, platform } });
  if (existing) return existing;
  const connector = getConnector(platform);
  if (!connector) throw new Error(`Unknown platform ${platform}`);
  const checked = connector.credentials.parse(credentials);
  return createConnection(db, { platform, name, baseUrl, ...splitCredentials(connector.meta, checked), createdById: userId });
}

try {
  const { user, created } = await ensureAdminUser(db, c.ADMIN_EMAIL, c.ADMIN_PASSWORD);
  console.log(created ? `Created admin ${user.email}` : `Admin ${user.email} exists`);

  if (c.QIAO_API_TOKEN) {
    const known = await db.apiToken.findUnique({ where: { tokenHash: hashApiToken(c.QIAO_API_TOKEN) } });
    if (!known) {
      await createApiToken(db, { userId: user.id, name: "QIAO_API_TOKEN (seed)", role: "admin", token: c.QIAO_API_TOKEN });
      console.log("Registered QIAO_API_TOKEN as an API token of the admin");
    }
  }

  if (!seedsDemo(c)) {
    console.log("No demo connections or scheme (set QIAO_SEED_DEMO=true to create them)");
  } else {
    await seedDemo(user.id);
  }
} finally {
  await db.$disconnect();
}

async function seedDemo(userId: string): Promise<void> {
  const guanyi = await ensureConnection(
    "guanyi",
    DEMO_GUANYI,
    `http://127.0.0.1:${c.GUANYI_SIM_PORT}/rest/erp_open`,
    { appkey: "112194", sessionkey: "754a424bb6874a1fb8a7371f05e83974", secret: "7d3330562019420da7f3098aa630556b" },
    userId,
  );
  const kingdee = await ensureConnection(
    "kingdee",
    DEMO_KINGDEE,
    `http://127.0.0.1:${c.KINGDEE_SIM_PORT}/k3cloud/`,
    { authType: "password", acctId: "qiao-demo", username: "administrator", password: "888888", lcid: 2052 },
    userId,
  );

  // The value maps the demo schemes use (仓库对照), before the schemes that name them.
  for (const map of DEMO_VALUE_MAPS) {
    if ((await findValueMapsByName(db, [map.name])).length > 0) continue;
    await createValueMap(db, { name: map.name, description: map.description, defaultValue: map.defaultValue, entries: [...map.entries] });
    console.log(`Created value map ${map.name}`);
  }

  for (const demo of DEMO_SCHEMES) {
    if (await db.scheme.findFirst({ where: { name: demo.name } })) continue;
    const definition = schemeDefinitionSchema.parse(demo.definition({ sourceConnectionId: guanyi.id, targetConnectionId: kingdee.id }));
    // Run after: the schemes it follows, by name (created before it, in DEMO_SCHEMES' order).
    const after = await db.scheme.findMany({ where: { name: { in: [...demo.runAfter] } }, select: { id: true } });
    if (after.length > 0) definition.runAfter = after.map((a) => a.id);
    await db.scheme.create({
      data: {
        name: demo.name,
        description: demo.description,
        definition: definition as object,
        timezone: definition.timezone,
        currentVersion: 1,
        createdById: userId,
        versions: { create: { version: 1, definition: definition as object, createdById: userId } },
      },
    });
    console.log(`Created scheme ${demo.name}`);
  }
}
