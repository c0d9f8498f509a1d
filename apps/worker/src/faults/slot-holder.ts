// A process taking slots of a connection's concurrent calls, for call-slots.test.ts. "cycles": takes
// a slot CYCLES times, each time counting itself in Redis while it holds it (the most ever inside at
// once is kept in COUNTER:most). "hold": takes LIMIT slots, prints "held", and waits to be killed.
import { Redis } from "ioredis";
import { silentLogger } from "@qiao/engine";
import { createSharedSlots } from "../call-slots";

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`slot-holder needs ${name}`);
  return value;
};

const redisUrl = env("REDIS_URL");
const slots = createSharedSlots({ redisUrl, prefix: env("SLOT_PREFIX"), leaseMs: Number(env("SLOT_LEASE_MS")), logger: silentLogger });
const key = env("SLOT_KEY");
const limit = Number(env("SLOT_LIMIT"));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

if (env("SLOT_MODE") === "hold") {
  for (let i = 0; i < limit; i++) await slots.acquire(key, limit);
  console.log("held");
  await sleep(10 * 60_000);
} else {
  const redis = new Redis(redisUrl);
  const counter = env("SLOT_COUNTER");
  for (let i = 0; i < Number(env("SLOT_CYCLES")); i++) {
    const release = await slots.acquire(key, limit);
    const inside = await redis.incr(counter);
    await redis.eval("if tonumber(redis.call('get', KEYS[1]) or '0') < tonumber(ARGV[1]) then redis.call('set', KEYS[1], ARGV[1]) end", 1, `${counter}:most`, inside);
    await sleep(15);
    await redis.decr(counter);
    await release();
  }
  await redis.quit();
  await slots.close();
  console.log("done");
}
