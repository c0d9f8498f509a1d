// The shared limiter against real Redis (own prefix): at 1,000 calls a second or more a process
// reserves a hundredth of the window per round trip (issue #16), hands the points out within the
// window Redis counted them in, never after it, and a window's calls stay within its quota.
import { config } from "@qiao/db";
import { testRedisPrefix } from "@qiao/db/testing";
import type { ConnectionRow } from "@qiao/engine";
import { deleteRedisPrefix } from "@qiao/jobs";
import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createSharedLimiters, MAX_RESERVED, type SharedLimiters } from "./rate-limiter";

const prefix = testRedisPrefix("rate");
const redisUrl = config().REDIS_URL;
let redis: Redis;
let limiters: SharedLimiters;

beforeAll(() => {
  redis = new Redis(redisUrl);
  limiters = createSharedLimiters({ redisUrl, prefix, defaultQps: 5 });
});
afterAll(async () => {
  await limiters.close();
  await redis.quit();
  await deleteRedisPrefix(redisUrl, prefix);
});

const connection = (qps: number) => ({ id: `c${qps}`, platform: "kingdee", settings: { qps } }) as unknown as ConnectionRow;
/** The points Redis counted in the key's current window (null: no window open); windows are a second long from 1 call/s up. */
const counted = async (qps: number, key: string) => redis.get(`${prefix}:rate:d${qps >= 1 ? 1 : Math.ceil(1 / qps)}:${key}`);

test("at a high rate, one round trip reserves a hundredth of the window's points (at most MAX_RESERVED) for the next calls", async () => {
  const limiter = limiters.forConnection(connection(1_000_000));
  for (let i = 0; i < 2 * MAX_RESERVED + 1; i++) await limiter.acquire("fast");
  expect(await counted(1_000_000, "fast")).toBe(String(3 * MAX_RESERVED));

  const spaced = limiters.forConnection(connection(50));
  for (let i = 0; i < 3; i++) await spaced.acquire("spaced");
  expect(await counted(50, "spaced")).toBe("3");
});

test("reserved points are not used after the window they were counted in", async () => {
  const limiter = limiters.forConnection(connection(1000));
  await limiter.acquire("window");
  expect(await counted(1000, "window")).toBe("10");
  await new Promise((resolve) => setTimeout(resolve, 1100));
  expect(await counted(1000, "window")).toBeNull();
  // Nine points are still reserved, but their window is over: this call asks Redis again.
  await limiter.acquire("window");
  expect(await counted(1000, "window")).toBe("10");
});

test("a window's calls stay within its quota with points reserved", async () => {
  const limiter = limiters.forConnection(connection(1000));
  const started = performance.now();
  const times: number[] = [];
  await Promise.all(
    Array.from({ length: 2500 }, async () => {
      await limiter.acquire("quota");
      times.push(performance.now() - started);
    }),
  );
  // 2,500 calls at 1,000 per window: three windows, the third opened after two have ended.
  expect(times.filter((t) => t < 900).length).toBeLessThanOrEqual(1000);
  expect(Math.max(...times)).toBeGreaterThanOrEqual(1900);
}, 10_000);

test("two connections of one appkey at different rates count their calls together (one window per key, not per rate)", async () => {
  const slow = limiters.forConnection(connection(20));
  const fast = limiters.forConnection(connection(50));
  for (let i = 0; i < 3; i++) await slow.acquire("shared-appkey");
  for (let i = 0; i < 3; i++) await fast.acquire("shared-appkey");
  expect(await counted(20, "shared-appkey")).toBe("6");
  expect(await counted(50, "shared-appkey")).toBe("6");
});
