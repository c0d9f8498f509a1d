// A token minted with a sign-in session is stored only while that session exists (session 31's
// audit): a password reset deletes the user's sessions and then revokes their tokens, so a token
// inserted just before the reset is revoked by it, and one whose insert comes after finds the
// session gone. Without the check, the second kind was a working token the reset never reached.
import { afterAll, beforeAll, expect, it } from "vitest";
import { createApiToken, findUserByApiToken, SessionEndedError } from "./accounts";
import { createPrisma, type Db } from "./client";
import { createTestDatabase, type TestDatabase } from "./testing";
import { updateUser } from "./users";

let tdb: TestDatabase;
let db: Db;
beforeAll(async () => {
  tdb = await createTestDatabase("tokensession");
  db = createPrisma(tdb.url, 4);
});
afterAll(async () => {
  await db?.$disconnect();
  await tdb?.drop();
});

it("a token minted with a session ended by a reset is refused; one minted while the reset waits is revoked by it", { timeout: 60_000 }, async () => {
  const user = await db.user.create({ data: { id: "u-ts", email: "ts@example.com", name: "某人", role: "editor" } });
  const session = () => db.session.create({ data: { id: `s-${Math.random()}`, token: `t-${Math.random()}`, userId: user.id, expiresAt: new Date(Date.now() + 3_600_000) } });

  const ended = await session();
  await updateUser(db, user.id, { password: "a-new-password-123", endSessions: true });
  await expect(createApiToken(db, { userId: user.id, name: "晚到", role: "editor", sessionId: ended.id })).rejects.toBeInstanceOf(SessionEndedError);
  expect(await db.apiToken.count({ where: { userId: user.id } })).toBe(0);

  // The mint holds the session (FOR SHARE) while the reset starts: the reset waits, then revokes it.
  const live = await session();
  let release!: () => void;
  let held!: () => void;
  const holding = new Promise<void>((r) => (held = r));
  const minting = db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM sessions WHERE id = ${live.id} FOR SHARE`;
    held();
    await new Promise<void>((r) => (release = r));
  });
  await holding;
  const minted = await createApiToken(db, { userId: user.id, name: "先到", role: "editor", sessionId: live.id });
  const reset = updateUser(db, user.id, { password: "another-password-456", endSessions: true });
  await new Promise((r) => setTimeout(r, 200));
  release();
  await minting;
  await reset;
  expect(await findUserByApiToken(db, minted.token)).toBeNull();
});
