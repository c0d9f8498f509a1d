// Upgrading to 20261222200000_scheme_names_unique (session 30's audit: lookups name the scheme they
// read, and a name two schemes shared answered neither): a database with duplicate names migrates
// without failing, the oldest scheme of each name keeps it and the later ones get `（2）`, `（3）`…
// (skipping a name another scheme already has); from then on a second scheme of a name is refused.
import { seedSchemeDefinition } from "@qiao/core";
import { expect, it } from "vitest";
import { createConnectionRows } from "../testing";
import { useDatabaseWithout } from "../upgrade-db.test-util";
import { changeScheme, insertScheme, SchemeNameTakenError } from "./schemes";

const MIGRATION = "20261222200000_scheme_names_unique";
// A database migrated without it, as the code before it left it.
const up = useDatabaseWithout("schemenames", MIGRATION);

it("renames the later schemes of a shared name, keeps the oldest's, then refuses a shared name", { timeout: 60_000 }, async () => {
  const { db } = up;
  const at = (minute: number) => new Date(Date.UTC(2026, 11, 1, 8, minute));
  const scheme = (name: string, minute: number) => db.scheme.create({ data: { name, definition: {}, createdAt: at(minute) } });
  // Created out of order: the oldest keeps the name, whatever the order of the rows.
  const shopsImported = await scheme("店铺→客户", 30);
  const shops = await scheme("店铺→客户", 10);
  const shopsAgain = await scheme("店铺→客户", 50);
  const taken = await scheme("店铺→客户（2）", 20);
  const items = await scheme("商品→物料", 5);
  const itemsCopy = await scheme("商品→物料", 6);
  const alone = await scheme("发货单→出库单", 1);

  expect(await up.upgrade()).toContain(MIGRATION);

  const names = new Map((await db.scheme.findMany({ select: { id: true, name: true } })).map((s) => [s.id, s.name]));
  expect(names.get(shops.id)).toBe("店铺→客户");
  expect(names.get(taken.id)).toBe("店铺→客户（2）");
  expect(names.get(shopsImported.id)).toBe("店铺→客户（3）");
  expect(names.get(shopsAgain.id)).toBe("店铺→客户（4）");
  expect(names.get(items.id)).toBe("商品→物料");
  expect(names.get(itemsCopy.id)).toBe("商品→物料（2）");
  expect(names.get(alone.id)).toBe("发货单→出库单");

  const user = await db.user.create({ data: { id: "u1", email: "e@example.com", name: "编辑", role: "editor" } });
  const ids = { sourceConnectionId: "00000000-0000-4000-8000-0000000000c1", targetConnectionId: "00000000-0000-4000-8000-0000000000c2" };
  await createConnectionRows(db, ids);
  const definition = seedSchemeDefinition(ids);
  await expect(insertScheme(db, { name: "商品→物料", description: "", definition }, user.id)).rejects.toBeInstanceOf(SchemeNameTakenError);
  await expect(changeScheme(db, alone.id, { name: "店铺→客户" })).rejects.toMatchObject({ schemeName: "店铺→客户" });
  expect(await db.scheme.count({ where: { name: "店铺→客户" } })).toBe(1);
});
