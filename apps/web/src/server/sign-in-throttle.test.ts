// Against the real Redis, under a prefix of its own: two throttles stand for two web instances.
import { config } from "@qiao/db";
import { testRedisPrefix } from "@qiao/db/testing";
import { deleteRedisPrefix } from "@qiao/jobs";
import { Redis } from "ioredis";
import { afterAll, expect, test } from "vitest";
import { createSignInThrottle, SIGN_IN_LIMITS, SIGN_IN_WINDOW_SECONDS } from "./sign-in-throttle";

const prefix = testRedisPrefix("sign-in");
const redisUrl = config().REDIS_URL;
const webA = createSignInThrottle({ redisUrl, prefix });
const webB = createSignInThrottle({ redisUrl, prefix });

afterAll(async () => {
  await webA.close();
  await webB.close();
  await deleteRedisPrefix(redisUrl, prefix);
});

const flood = async (account: string, address: string, times: number) => {
  for (let i = 0; i < times; i++) await (i % 2 ? webA : webB).attempt(account, address);
};

test("a flood on one account from one address locks out that pair only, on every instance", async () => {
  await flood("victim@example.com", "198.51.100.1", SIGN_IN_LIMITS.accountAtAddress);
  const locked = await webB.attempt("victim@example.com", "198.51.100.1");
  expect(locked.allowed).toBe(false);
  expect(locked.allowed === false && locked.retryAfterSeconds).toBeGreaterThan(SIGN_IN_WINDOW_SECONDS - 60);
  expect((await webA.attempt("victim@example.com", "198.51.100.1")).allowed).toBe(false);

  // Another account from the same address, the same account from another address.
  expect(await webA.attempt("colleague@example.com", "198.51.100.1")).toEqual({ allowed: true });
  expect(await webB.attempt("victim@example.com", "203.0.113.9")).toEqual({ allowed: true });

  // The counters are in Redis under the deployment's prefix (shared by every web instance).
  const redis = new Redis(redisUrl);
  expect((await redis.keys(`${prefix}:sign-in:*`)).length).toBeGreaterThanOrEqual(3);
  redis.disconnect();
});

test("parallel guesses are counted before any password is checked", async () => {
  const verdicts = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? webA : webB).attempt("parallel@example.com", "198.51.100.2")));
  expect(verdicts.filter((v) => v.allowed)).toHaveLength(SIGN_IN_LIMITS.accountAtAddress);
});

test("a successful sign-in clears the pair's failures and spends no shared budget", async () => {
  await flood("forgetful@example.com", "198.51.100.3", SIGN_IN_LIMITS.accountAtAddress - 1);
  await webA.succeeded("forgetful@example.com", "198.51.100.3");
  await flood("forgetful@example.com", "198.51.100.3", SIGN_IN_LIMITS.accountAtAddress - 1);
  expect((await webB.attempt("forgetful@example.com", "198.51.100.3")).allowed).toBe(true);
});

test("one address guessing across many accounts is stopped by the address budget", async () => {
  for (let i = 0; i < SIGN_IN_LIMITS.address; i++) expect((await webA.attempt(`user${i}@example.com`, "198.51.100.4")).allowed).toBe(true);
  expect((await webB.attempt("one-more@example.com", "198.51.100.4")).allowed).toBe(false);
  expect((await webB.attempt("one-more@example.com", "198.51.100.5")).allowed).toBe(true);
});
