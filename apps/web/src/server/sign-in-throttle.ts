// Sign-in throttling shared by every web instance: counters in Redis (rate-limiter-flexible),
// under the deployment's REDIS_PREFIX. Three budgets per window, consumed before the password is
// checked (so parallel guesses are counted too), and given back when the sign-in succeeds:
// - one account from one address: the budget a flood exhausts; that pair alone is then locked out;
// - one address over all accounts: one address guessing across many accounts;
// - one account over all addresses: one account guessed at from many addresses.
// A refused attempt consumes nothing further, so a flood on one account never spends the budget
// of the address for other accounts, nor of the account for other addresses.
import { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";

export const SIGN_IN_WINDOW_SECONDS = 15 * 60;
export const SIGN_IN_LIMITS = { accountAtAddress: 5, address: 50, account: 100 } as const;

export type SignInVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface SignInThrottle {
  /** Counts one attempt of `account` from `address`, or says how long to wait. */
  attempt(account: string, address: string): Promise<SignInVerdict>;
  /** The attempt signed in: it does not count against any budget. */
  succeeded(account: string, address: string): Promise<void>;
  close(): Promise<void>;
}

export function createSignInThrottle(opts: { redisUrl: string; prefix: string }): SignInThrottle {
  // While Redis does not answer (within 2 s) the in-process insurance limiter (same budgets, per
  // instance) takes over instead of letting guesses through or making sign-in wait.
  const redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: 1, commandTimeout: 2_000 });
  redis.on("error", () => undefined);
  const limiter = (name: string, points: number) =>
    new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${opts.prefix}:sign-in:${name}`,
      points,
      duration: SIGN_IN_WINDOW_SECONDS,
      insuranceLimiter: new RateLimiterMemory({ points, duration: SIGN_IN_WINDOW_SECONDS }),
    });
  const pair = limiter("account-address", SIGN_IN_LIMITS.accountAtAddress);
  const byAddress = limiter("address", SIGN_IN_LIMITS.address);
  const byAccount = limiter("account", SIGN_IN_LIMITS.account);
  const pairKey = (account: string, address: string) => JSON.stringify([account, address]);
  const budgets = (account: string, address: string): [RateLimiterAbstract, string][] => [
    [pair, pairKey(account, address)],
    [byAddress, address],
    [byAccount, account],
  ];

  return {
    async attempt(account, address) {
      for (const [store, key] of budgets(account, address)) {
        try {
          await store.consume(key);
        } catch (rejection) {
          if (!(rejection instanceof RateLimiterRes)) throw rejection;
          return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) };
        }
      }
      return { allowed: true };
    },
    async succeeded(account, address) {
      await Promise.all([pair.delete(pairKey(account, address)), byAddress.reward(address), byAccount.reward(account)]);
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
